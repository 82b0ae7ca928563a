"""The officer workspace pages: My work, the list, the agreement page and its actions, access rules."""
