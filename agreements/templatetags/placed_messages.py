"""Confirmations shown where the person is: a view adds a message with `extra_tags="at-<anchor>"` and
redirects to `#<anchor>-message`; the section with that anchor shows it in a focused status region
(templates/agreements/_placed_messages.html), the top of the page shows the others."""
from __future__ import annotations

from django import template

register = template.Library()
PREFIX = "at-"


def place(anchor: str) -> dict:
    """The keyword arguments for messages.success(..., **place("timeline")) and the fragment to redirect to."""
    return {"extra_tags": f"{PREFIX}{anchor}"}


def fragment(anchor: str) -> str:
    return f"#{anchor}-message"


@register.filter
def placed_at(messages, anchor) -> list:
    return [message for message in messages or () if message.extra_tags == f"{PREFIX}{anchor}"]


@register.filter
def unplaced(messages) -> list:
    return [message for message in messages or () if not (message.extra_tags or "").startswith(PREFIX)]
