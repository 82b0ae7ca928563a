"""Each user's time zone: reminders, e-mails and pages speak of the user's own day and hour."""
from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings

from agreements.models import User


def zone_of(user: User) -> zoneinfo.ZoneInfo:
    """The user's time zone (the site's default if theirs is unknown to this machine)."""
    try:
        return zoneinfo.ZoneInfo(user.time_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local_today(reader: User, now: datetime.datetime) -> datetime.date:
    return now.astimezone(zone_of(reader)).date()
