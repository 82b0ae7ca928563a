"""The CA+JAD Agreement Tracker's Django app (label `agreements`).

Layers, from the bottom (README, "How it works", holds the map; import-linter enforces it):

- the domain core, at this level: `models`, `policy` (who may see and change what), `workflow`
  (the only writer of status), `filters` (the list's query language), `references`, `zones`,
  `data_version`, `archives`, `batches`;
- `actions`: the changes people make to an agreement (progress, milestones, reassignment,
  documents, the version check);
- capabilities: `imports` (the spreadsheet round trip), `reminders`, `reports`, `demo`;
- faces: `web` (the officer workspace), `admin` (+ `admin_site`), `management` commands.

A module imports only from its own layer's package or below; capabilities and faces do not import
each other. The request edge (sign-in, 2FA, sessions, health) is tracker.edge.
"""
