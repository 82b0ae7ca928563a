"""Coarse gates only; what someone may see or change on an agreement is agreements.policy's."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from agreements import policy
from agreements.models import ApiToken


class SignedInWithRole(permissions.BasePermission):
    """Signed in with a role; a read-only token only reads."""

    message = _("Sign in, or send a personal API token.")

    def has_permission(self, request, view) -> bool:
        if not getattr(request.user, "is_authenticated", False):
            return False
        if not policy.roles(request.user):
            self.message = _("Your account has no role in the tracker yet: ask an administrator.")
            return False
        token = request.auth
        if isinstance(token, ApiToken) and request.method not in permissions.SAFE_METHODS and not token.may_write:
            self.message = _("This token is read-only: make a read-write token to change anything.")
            return False
        return True
