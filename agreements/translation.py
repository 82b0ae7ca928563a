"""Reference data in every language (django-modeltranslation): a pillar's and a focus area's name
and description get one column per language (`name_en`, `name_ru`, `name_ja`), editable in the
admin; `pillar.name` reads the active language's, falling back to English. User-typed text
(titles, summaries, updates) is not translated: it stays as typed (an agreement may carry
`title_ru` / `title_ja` where data entry staff have them)."""
from modeltranslation.translator import TranslationOptions, register

from agreements.models import FocusArea, Pillar, Stage


@register(Pillar)
class PillarTranslation(TranslationOptions):
    fields = ("name", "description")


@register(FocusArea)
class FocusAreaTranslation(TranslationOptions):
    fields = ("name",)


@register(Stage)
class StageTranslation(TranslationOptions):
    fields = ("name",)
