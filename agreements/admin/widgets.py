"""The admin's widgets, valid HTML: the autocomplete's blank choice has a text.

Django's autocomplete renders its "no value" choice as `<option value=""></option>`, which HTML
forbids (an option without a label must have a text; the Nu validator refuses it). The blank choice
reads "---------" as Django's plain selects do; select2 still shows its empty placeholder."""
from __future__ import annotations

from django.contrib.admin.widgets import AutocompleteSelect
from django.db.models import BLANK_CHOICE_DASH

BLANK = BLANK_CHOICE_DASH[0][1]


class AutocompleteSelectWithBlankText(AutocompleteSelect):
    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        return super().create_option(name, value, label if (label or value not in ("", None)) else BLANK,
                                     selected, index, subindex, attrs)


class BlankChoiceNamed:
    """Mixed into a ModelAdmin or an inline: its autocomplete selects name their blank choice."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is not None and type(formfield.widget) is AutocompleteSelect:
            formfield.widget.__class__ = AutocompleteSelectWithBlankText
        return formfield
