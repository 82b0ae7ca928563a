"""Form widgets render through Jinja2 (tracker/rendering.py) for speed: the HTML a person gets
must be the one the Django template language gives — same markup, same escaping."""
from __future__ import annotations

import re

import pytest
from django.forms.renderers import DjangoTemplates
from django.http import QueryDict

from agreements.filters import AgreementFilter
from agreements.models import Agreement
from agreements.web.forms import (
    DocumentForm,
    MilestoneDoneForm,
    MilestoneForm,
    ProgressForm,
    ReassignForm,
    TransitionForm,
    shape_filter_form,
)
from tracker.rendering import FormRenderer

TRICKY = "O'Brien & <Sons> \"quoted\""


def html(form, renderer) -> str:
    """Every field of `form` with its errors, whitespace read as a browser reads it: runs as one
    space, none between tags (Jinja2 drops some line breaks the Django templates leave there)."""
    form.renderer = renderer
    rendered = "".join(str(field) + str(field.errors) + "".join(choice.tag() for choice in field.subwidgets
                                                                 if field.widget_type.endswith("multiple"))
                       for field in form)
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", rendered)).strip()


def forms_to_compare(agreement, people):
    bound = {"percent_complete": "150", "health": TRICKY, "summary": TRICKY, "title": TRICKY, "due_on": "not a date",
             "comment": TRICKY, "version": "x", "owner": "999"}
    filters = AgreementFilter(QueryDict(f"q={TRICKY}&status=in_progress&due_within=abc&owner=x%22y"),
                              queryset=Agreement.objects.all())
    return [
        ProgressForm(agreement=agreement), ProgressForm(bound, agreement=agreement),
        MilestoneForm(people=people, prefix="new", initial={"version": 3, "title": TRICKY}),
        MilestoneForm(bound, people=people, prefix="new"),
        MilestoneDoneForm(prefix="done-1", initial={"version": 3}), TransitionForm(bound, prefix="t-signed"),
        DocumentForm(), ReassignForm(initial={"owner": agreement.owner_id}),
        shape_filter_form(filters.form),
    ]


@pytest.mark.django_db
def test_every_workspace_form_renders_the_same_html_as_with_django_templates(agreement, officer, teammate):
    # Fresh forms for each renderer: a form's error lists keep the renderer they were made with.
    ours = forms_to_compare(agreement, [officer, teammate])
    theirs = forms_to_compare(agreement, [officer, teammate])
    for form, same_form in zip(ours, theirs):
        rendered = html(form, FormRenderer())
        assert rendered == html(same_form, DjangoTemplates()), type(form).__name__
        assert "<input" in rendered or "<textarea" in rendered or "<select" in rendered


def test_user_text_is_escaped_as_the_django_template_language_does():
    form = TransitionForm({"t-comment": TRICKY, "t-version": "1"}, prefix="t", renderer=FormRenderer())
    rendered = str(form["comment"])
    assert "O&#x27;Brien &amp; &lt;Sons&gt; &quot;quoted&quot;" in rendered
    assert "<Sons>" not in rendered
