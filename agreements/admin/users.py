"""People: data entry staff create officers and viewers; administrators grant other roles
and set passwords (SECURITY.md, promise 14)."""
from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from agreements import policy
from agreements.models import User
from agreements.zones import zone_choices

# --- Users ---------------------------------------------------------------------------------

ASSIGNABLE_BY_DATA_ENTRY = [policy.Role.OFFICER, policy.Role.VIEWER]
PASSWORDS_BY_ADMINISTRATORS = _("Only an administrator sets or resets passwords of existing accounts: ask one "
                                "if this person cannot sign in.")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Data entry staff create officers and viewers; only superusers grant staff, manager or
    data entry rights (otherwise a data entry user could promote themselves)."""

    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_staff", "language", "time_zone"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "language":  # the languages of settings.LANGUAGES (no choices on the field)
            return forms.ChoiceField(label=db_field.verbose_name, required=False, help_text=db_field.help_text,
                                     choices=[("", _("The browser's, until chosen"))] + list(settings.LANGUAGES))
        if db_field.name == "time_zone":  # the cities in the reader's language
            return forms.ChoiceField(label=db_field.verbose_name, choices=zone_choices(), initial="UTC")
        return super().formfield_for_dbfield(db_field, request, **kwargs)
    list_filter = ["is_active", "is_staff", "groups"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Language, time zone and e-mail"), {"fields": ["language", "time_zone", "notify_stale", "notify_digest"]}),
    )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        # Not the password either: its widget links to the set-password page they may not use.
        hidden = {"is_superuser", "is_staff", "user_permissions", "password"}
        shown = [(name, {**opts, "fields": [f for f in opts["fields"] if f not in hidden]}) for name, opts in fieldsets]
        shown[0][1]["description"] = PASSWORDS_BY_ADMINISTRATORS
        return shown

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        privileged = [policy.Role.MANAGER, policy.Role.DATA_ENTRY]
        return qs.filter(is_superuser=False, is_staff=False).exclude(groups__name__in=privileged)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.filter(name__in=ASSIGNABLE_BY_DATA_ENTRY)
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "groups":  # role names in the reader's language (the group names are data)
            field.label_from_instance = lambda group: str(policy.Role.LABELS.get(group.name, group.name))
        return field

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if obj is None or request.user.is_superuser:
            return allowed
        return allowed and self.get_queryset(request).filter(pk=obj.pk).exists()

    def user_change_password(self, request, id, form_url=""):
        """Setting someone's password is signing in as them: administrators only. Data entry
        staff set the first password when they create an account, never after."""
        if not request.user.is_superuser and self.get_object(request, unquote(id)) is not None:
            raise PermissionDenied(PASSWORDS_BY_ADMINISTRATORS)
        return super().user_change_password(request, id, form_url)  # 404 for a hidden or missing account
