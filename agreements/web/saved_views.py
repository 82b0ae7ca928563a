"""The list's saved views ("my views") and rows per page.

A saved view is the list's query string under a name, one list per person: saving the same name
again replaces it; nobody sees or deletes another person's views (another's id is 404). Rows per
page are one of PAGE_SIZES, carried in the query string (`per_page`) and so saved with a view.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, QueryDict
from django.utils.translation import gettext as _

from agreements.models import SavedView, User

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = PAGE_SIZES[0]
MAX_VIEWS = 30
# Not part of what a view selects: where one was in the list.
NOT_SAVED = ("page",)


def page_size(query: QueryDict) -> int:
    """Rows per page asked for in the query string, or the default for anything else."""
    try:
        size = int(query.get("per_page", ""))
    except ValueError:
        return DEFAULT_PAGE_SIZE
    return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE


def clean_query(query: str) -> str:
    """The query string as saved: without the page number and without empty parameters."""
    parsed = QueryDict(query, mutable=True)
    for name in NOT_SAVED:
        parsed.pop(name, None)
    kept = QueryDict(mutable=True)
    for name in parsed:
        values = [value for value in parsed.getlist(name) if value.strip()]
        if values:
            kept.setlist(name, values)
    return kept.urlencode()


def views_of(user: User) -> list[SavedView]:
    return list(SavedView.objects.filter(user=user))


def save_view(user: User, *, name: str, query: str) -> SavedView:
    """Save (or replace, under the same name) this person's view of the list."""
    name = name.strip()
    if not name:
        raise ValidationError(_("Give the view a name."), code="name")
    query = clean_query(query)
    existing = SavedView.objects.filter(user=user, name=name).first()
    if existing is None and SavedView.objects.filter(user=user).count() >= MAX_VIEWS:
        raise ValidationError(_("You have %(count)d saved views, the most one person keeps: delete one first.")
                              % {"count": MAX_VIEWS}, code="too_many")
    view = existing or SavedView(user=user, name=name)
    view.query = query
    view.full_clean()
    view.save()
    return view


def delete_view(user: User, pk: int) -> SavedView:
    """Delete one of this person's views; someone else's id answers as one that does not exist."""
    view = SavedView.objects.filter(user=user, pk=pk).first()
    if view is None:
        raise Http404("No such view.")
    view.delete()
    return view
