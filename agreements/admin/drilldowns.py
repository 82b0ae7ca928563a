"""Date drill-downs that cannot crash, for every admin list that has one."""
from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList

# --- Date drill-downs that cannot crash (issue 8; keep this block last) ----------------------



class DateDrillDownChangeList(ChangeList):
    """Django 5.2's date drill-down answers a year it cannot step past (`?signed_on__year=9999`,
    a 20-digit year) with a 500 (ticket #37357, fixed in a later Django): treat it as the bad
    lookup it is, which the admin answers with the list and its "wrong filter" message (`?e=1`)."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error


class DateDrillDownMixin:
    def get_changelist(self, request, **kwargs):
        return DateDrillDownChangeList


def make_date_drill_downs_safe(site: admin.AdminSite) -> None:
    """Every admin list with a date drill-down, ours and other apps' (axes' logs...): those apps
    come before `agreements` in INSTALLED_APPS, so their admins are registered by the time
    agreements.admin calls this, after registering its own."""
    for model, model_admin in list(site._registry.items()):
        if model_admin.date_hierarchy and not isinstance(model_admin, DateDrillDownMixin):
            site.unregister(model)
            original = type(model_admin)
            safe = type(original.__name__, (DateDrillDownMixin, original), {"__module__": original.__module__})
            site.register(model, safe)
