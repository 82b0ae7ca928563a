"""One-click unsubscribe from the optional e-mails (RFC 8058), without signing in.

Only the kinds a person can switch off on the preferences page can be unsubscribed from: the
stale-agreement reminder and the weekly digest (`OPTIONAL`). Milestone reminders, escalations
and closure requests are part of the job; their e-mails carry no unsubscribe.

The link is `/u/<token>/`: the token names the user and the kind and is signed with
django.core.signing, salted per kind and per user — changing either (another user's id, another
kind) breaks the signature, and a token made for one person cannot be replayed for another.
It does not expire: a link in an old e-mail keeps working, and all it can do is switch one
e-mail off for the person it was sent to.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.core import signing

from agreements.models import ReminderKind, User

Kind = ReminderKind
# The preference each optional kind switches (the fields of the preferences page).
SWITCHES = {Kind.STALE: "notify_stale", Kind.DIGEST: "notify_digest"}
OPTIONAL = frozenset(SWITCHES)
SEPARATOR = "~"  # unreserved in URLs; the signature's own alphabet is URL-safe base64


def signer(user_id: int, kind: str) -> signing.Signer:
    return signing.Signer(salt=f"agreements.reminders.unsubscribe:{kind}:{user_id}", sep=SEPARATOR)


def token_for(user: User, kind: str) -> str:
    if kind not in OPTIONAL:
        raise ValueError(f"{kind} cannot be unsubscribed from")
    return signer(user.pk, kind).sign(f"{user.pk}.{kind}")


@dataclass
class Request:
    user: User
    kind: str

    @property
    def is_subscribed(self) -> bool:
        return bool(getattr(self.user, SWITCHES[self.kind]))


def read(token: str) -> Request | None:
    """The person and kind a token names, or None for anything not signed by us for them."""
    value, _sep, _signature = token.rpartition(SEPARATOR)
    user_id, _dot, kind = value.partition(".")
    if not user_id.isdigit() or kind not in OPTIONAL or len(user_id) > 18:
        return None
    try:
        signer(int(user_id), kind).unsign(token)
    except signing.BadSignature:
        return None
    user = User.objects.filter(pk=int(user_id)).first()
    return Request(user, kind) if user else None


def apply(request: Request) -> bool:
    """Switch the kind off for its person. Returns whether anything changed. Reminders of the
    kind already queued are then cancelled when they are to be sent (delivery.still_due)."""
    field = SWITCHES[request.kind]
    changed = User.objects.filter(pk=request.user.pk, **{field: True}).update(**{field: False})
    setattr(request.user, field, False)
    return bool(changed)
