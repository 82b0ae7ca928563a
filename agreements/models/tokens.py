"""Personal API tokens: a script acts as the person who made the token, never more.

The secret is shown once, when the token is made; only its SHA-256 digest is kept (a token is 32
random bytes, so a plain digest is as good as a slow hash and lets each request find its row by
index). The prefix stays readable so a person can tell their tokens apart in the list and in logs.
A token reads only, or reads and writes; it may expire; it is revoked, never deleted, so the
list keeps what was used when."""
from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_START = "trk_"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now: datetime.datetime | None = None) -> "ApiTokenQuerySet":
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))


class ApiToken(models.Model):
    class Access(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, editable=False)
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    access = models.CharField(_("access"), max_length=5, choices=Access.choices, default=Access.READ)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [models.CheckConstraint(condition=models.Q(access__in=["read", "write"]),
                                              name="api_token_access_valid")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, user, *, name: str, access: str = "read",
              expires_at: datetime.datetime | None = None) -> tuple["ApiToken", str]:
        """A new token and its secret, which is never stored: show it once."""
        prefix = secrets.token_hex(4)
        secret = f"{TOKEN_START}{prefix}_{secrets.token_urlsafe(32)}"
        token = cls.objects.create(user=user, name=name.strip(), prefix=f"{TOKEN_START}{prefix}",
                                   key_digest=digest(secret), access=access, expires_at=expires_at)
        return token, secret

    @classmethod
    def find(cls, secret: str, now: datetime.datetime | None = None) -> "ApiToken | None":
        """The usable token with this secret (not revoked, not expired), with its user."""
        if not secret.startswith(TOKEN_START) or len(secret) > 200:
            return None
        return cls.objects.usable(now).select_related("user").filter(key_digest=digest(secret)).first()

    @property
    def may_write(self) -> bool:
        return self.access == self.Access.WRITE

    def is_usable(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
