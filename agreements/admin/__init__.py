"""The Django admin, where data entry staff enter and correct records (a face, like agreements.web).

Every "may they?" goes to agreements.policy through `scoping` (one rule for every admin path to an
agreement: lists, object and history pages, add forms, inlines, "view on site"); every status
change to agreements.workflow (the transitions are admin actions). Imports, exports and the
reminder log call their capability packages. May import the capabilities and the domain core;
nothing imports it.

Modules: `scoping` (the policy behind every admin door, and the admin site), `agreements` (the
record with its inlines and workflow actions), `imports` (the import and export pages), `children`
(milestones, parties, updates, documents, transition log), `reference`, `users`, `reminders`,
`filters`, `drilldowns`.
"""
from django.contrib import admin

from agreements.admin import agreements, children, reference, reminders, users  # noqa: F401  (registers them)
from agreements.admin.drilldowns import make_date_drill_downs_safe

make_date_drill_downs_safe(admin.site)  # last: every app's admins are registered by now
