"""What the navigation needs to know about the signed-in user."""
from __future__ import annotations

from functools import cache

from agreements import policy
from agreements.reminders import notifications
from agreements.zones import zone_label, zone_of


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_can_view_reports": policy.can_view_reports(user),
        "nav_is_staff": user.is_staff,
        "nav_roles": policy.role_labels(user),
        "nav_time_zone": zone_label(zone_of(user).key),  # "Ташкент (UTC+05:00)" in the reader's language
        # The header's badge: one COUNT, asked only when a page renders the header (the template calls it).
        "nav_unread": cache(lambda: notifications.unread_count(user)),
    }
