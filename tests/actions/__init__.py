"""The actions on an agreement: milestones, progress updates, reassignment, documents."""
