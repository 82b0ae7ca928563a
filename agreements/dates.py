"""Dates and ranges of dates as each language writes them (the formats of tracker/formats).

A range is written by a translatable pattern, because languages order its parts differently:
"1–31 Aug 2026" · "1–31 августа 2026 г." · "2026年8月1日～31日". Each pattern is given every part
(both dates, both day numbers, both day-and-month forms) and a language uses those it needs — hence
the `no-python-format` markers: a translation may use parts its English pattern does not.
"""
from __future__ import annotations

import datetime

from django.utils import formats
from django.utils.translation import gettext as _


def short(day: datetime.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def date_range(first: datetime.date | None, last: datetime.date | None) -> str:
    """"1–31 Aug 2026", "1 Aug – 30 Sep 2026", "1 Dec 2025 – 31 Jan 2026", "from 1 Aug 2026", "until …"."""
    if first and last:
        parts = {"first": short(first), "last": short(last), "first_day": first.day, "last_day": last.day,
                 "first_month_day": formats.date_format(first, "MONTH_DAY_FORMAT"),
                 "last_month_day": formats.date_format(last, "MONTH_DAY_FORMAT")}
        if (first.year, first.month) == (last.year, last.month):
            # Translators: a range of days in one month. Parts: first, last (dates), first_day, last_day
            # (numbers), first_month_day, last_month_day. English: "1–31 Aug 2026".
            # xgettext:no-python-format
            return _("%(first_day)s–%(last)s") % parts
        if first.year == last.year:
            # Translators: a range of days in one year (same parts). English: "1 Aug – 30 Sep 2026".
            # xgettext:no-python-format
            return _("%(first_month_day)s – %(last)s") % parts
        # Translators: a range of days across years (same parts). English: "1 Dec 2025 – 31 Jan 2026".
        # xgettext:no-python-format
        return _("%(first)s – %(last)s") % parts
    if first:
        return _("from %(day)s") % {"day": short(first)}
    return _("until %(day)s") % {"day": short(last)}
