"""Formats for templates in the reader's language: `{{ amount|money:currency }}` (agreements.money)
and `{{ span|minutes }}` (a timedelta as a whole number of minutes, for plural-aware sentences)."""
import datetime

from django import template

from agreements.money import format_money

register = template.Library()


@register.filter
def money(value, currency: str) -> str:
    return format_money(value, currency)


@register.filter
def minutes(span: datetime.timedelta | None) -> int:
    return round(span.total_seconds() / 60) if span else 0
