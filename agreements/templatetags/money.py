"""`{{ amount|money:currency }}` in the reader's language (agreements.money)."""
from django import template

from agreements.money import format_money

register = template.Library()


@register.filter
def money(value, currency: str) -> str:
    return format_money(value, currency)
