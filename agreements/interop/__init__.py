"""What the tracker gives other systems: IATI 2.03 activity XML (`iati`) and calendar feeds of
milestones (`calendars`). A capability package: it uses the domain core (models, policy) and is
used by the faces (agreements.web, agreements.management); every row it hands out is one the policy
lets the asking person see."""
