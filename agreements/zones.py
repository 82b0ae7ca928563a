"""Each user's time zone: reminders, e-mails and pages speak of the user's own day and hour, and
name the zone in the reader's language ("Ташкент (UTC+05:00)", "東京 (UTC+09:00)"; CLDR through babel)."""
from __future__ import annotations

import datetime
import functools
import zoneinfo

from babel.core import UnknownLocaleError
from babel.dates import get_timezone_location
from django.conf import settings
from django.utils import timezone, translation

from agreements.models import User


def zone_of(user: User) -> zoneinfo.ZoneInfo:
    """The user's time zone (the site's default if theirs is unknown to this machine)."""
    try:
        return zoneinfo.ZoneInfo(user.time_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def start_of_day(day: datetime.date) -> datetime.datetime:
    """The first moment of `day` in the current time zone (the reader's: set per request, or by
    `timezone.override`), so "since 1 June" and "the end of 1 June" mean the reader's midnight."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def local_today(reader: User, now: datetime.datetime) -> datetime.date:
    return now.astimezone(zone_of(reader)).date()


def zone_label(name: str, language: str | None = None) -> str:
    """The zone's main city in the reader's language, with its offset from UTC now."""
    city = _cities(language or translation.get_language() or settings.LANGUAGE_CODE).get(name, name)
    return city if name == "UTC" else f"{city} (UTC{_offset(name)})"


def zone_choices(language: str | None = None) -> list[tuple[str, str]]:
    """(IANA name, label) for a picker, UTC first, then as the labels read."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    choices = [(name, zone_label(name, language)) for name in _cities(language)]
    return sorted(choices, key=lambda item: (item[0] != "UTC", item[1]))


def _offset(name: str) -> str:
    offset = datetime.datetime.now(zoneinfo.ZoneInfo(name)).strftime("%z")
    return f"{offset[:3]}:{offset[3:]}"


@functools.lru_cache(maxsize=8)
def _cities(language: str) -> dict[str, str]:
    """IANA name → its city as CLDR writes it in `language` (read once per process and language)."""
    from agreements.models.people import TIME_ZONE_CHOICES

    locale, cities = language.replace("-", "_"), {}
    for name, _name in TIME_ZONE_CHOICES:
        try:
            cities[name] = "UTC" if name == "UTC" else get_timezone_location(name, locale=locale, return_city=True)
        except (UnknownLocaleError, LookupError, ValueError):
            cities[name] = name
    return cities
