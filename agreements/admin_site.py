"""The admin site (`admin.site`): Django's, with "view on site" (/admin/r/<ct>/<pk>/) answering a
404 unless the object is in what that model's admin lets the user see (agreements.admin.scoping).

A module of its own, outside the agreements.admin package: Django builds `admin.site` from this
class the first time anything touches it, which can be while agreements.admin is being imported;
importing that package from here would register the models on a site that is then thrown away.
"""
from __future__ import annotations

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _


class TrackerAdminSite(admin.AdminSite):
    """The admin site, with "view on site" asking the model's admin (hence the policy)."""

    def get_urls(self):
        urls = super().get_urls()
        for index, pattern in enumerate(urls):
            if getattr(pattern, "name", None) == "view_on_site":
                urls[index] = path("r/<path:content_type_id>/<path:object_id>/",
                                   self.admin_view(self.view_on_site), name="view_on_site")
        return urls

    def view_on_site(self, request, content_type_id: str, object_id: str):
        """Django's redirect looked the object up without asking who may see it (302 with a
        restricted agreement's reference, 404 for a missing one): now both are the same 404."""
        not_found = Http404(_("Content type %(ct_id)s object %(obj_id)s doesn’t exist")
                            % {"ct_id": content_type_id, "obj_id": object_id})
        try:
            model = ContentType.objects.get(pk=content_type_id).model_class()
        except (ContentType.DoesNotExist, ValueError):
            raise not_found from None
        model_admin = self._registry.get(model)
        if model_admin is None or not model_admin.has_view_or_change_permission(request):
            raise not_found
        try:
            visible = model_admin.get_queryset(request).filter(pk=object_id).exists()
        except (ValueError, ValidationError):
            visible = False
        if not visible:
            raise not_found
        return shortcut(request, content_type_id, object_id)
