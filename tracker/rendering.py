"""The form renderer: Django's own widget templates through Jinja2, everything else as before.

Every form field, checkbox and error list is a template render. Through the Django template
language each checkbox of a filter is four nested templates (checkbox_option → input_option →
input → attrs); at 30-40 fields and checkboxes a page, that was a third of the agreement list's
and the agreement page's time. Django ships the same widget templates for Jinja2, which renders
them several times faster. The project's templates folder comes first for the rest (admin widget
overrides). Output is escaped exactly as the Django template language does it
(`&#x27;`, not MarkupSafe's `&#39;`), so the HTML is byte for byte the same. Templates that exist
only for the Django template language — the admin's widgets, any override — still render there.
"""
from __future__ import annotations

from pathlib import Path

from django.forms import renderers
from django.template import TemplateDoesNotExist
from django.template.backends.jinja2 import Jinja2
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from markupsafe import Markup

WIDGET_TEMPLATES = Path(renderers.__file__).parent / "jinja2"


def escaped_as_django_does(value) -> Markup:
    return Markup(conditional_escape(value))


class FormRenderer(renderers.DjangoTemplates):
    @cached_property
    def engine(self):
        """Django's widget engine, with the project's templates folder first: an override there
        (templates/admin/widgets/related_widget_wrapper.html) is used by the admin's widgets too."""
        from django.conf import settings

        project = [folder for engine in settings.TEMPLATES if engine["BACKEND"].endswith(".DjangoTemplates")
                   for folder in engine.get("DIRS", [])]
        return self.backend({"APP_DIRS": True, "NAME": "djangoforms", "OPTIONS": {},
                             "DIRS": [*project, Path(renderers.__file__).parent / self.backend.app_dirname]})

    @cached_property
    def jinja2(self) -> Jinja2:
        return Jinja2({"NAME": "djangoforms-jinja2", "DIRS": [WIDGET_TEMPLATES], "APP_DIRS": False,
                       "OPTIONS": {"finalize": escaped_as_django_does}})

    def get_template(self, template_name: str):
        if template_name.startswith("django/forms/"):
            try:
                return self.jinja2.get_template(template_name)
            except TemplateDoesNotExist:
                pass
        return super().get_template(template_name)
