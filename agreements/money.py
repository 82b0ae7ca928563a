"""Money as each language writes it (CLDR, through babel): ¥1,500,000 · 1 500 000 ¥ · ￥1,500,000;
$2,500,000.50 · 2 500 000,50 $. Per currency, never converted. Exports keep plain numbers and codes."""
from __future__ import annotations

from decimal import Decimal

from babel.core import UnknownLocaleError
from babel.numbers import format_currency
from django.utils import translation


def format_money(value: Decimal | int | float | None, currency: str, language: str | None = None) -> str:
    """`value` in `currency` (an ISO 4217 code) for a reader of `language` (default: the active one)."""
    if value is None:
        return ""
    locale = (language or translation.get_language() or "en").replace("-", "_")
    try:  # a currency code CLDR does not know is written as the code itself ("12,00 YEN")
        return format_currency(value, (currency or "").upper(), locale=locale)
    except UnknownLocaleError:  # a language CLDR does not know yet: English digits
        return format_currency(value, (currency or "").upper(), locale="en")
