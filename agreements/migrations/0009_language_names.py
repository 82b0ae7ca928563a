"""The pillars' and focus areas' names in English, Russian and Japanese, filled for the Tokyo
Initiative's starting set from locale/GLOSSARY.md. Names edited in the admin since are kept: only
empty translations are filled. A migration of its own: on PostgreSQL the rows it updates queue the
data-version triggers' events, and the unique indexes 0008 creates may not be built after them in
one transaction."""
from django.db import migrations

NAMES = {  # code: (Russian, Japanese) — the glossary's terms
    "green-resilience": ("Зелёное развитие и устойчивость", "グリーン・強靱化"),
    "connectivity": ("Взаимосвязанность", "連結性"),
    "human-resources": ("Развитие человеческих ресурсов", "人材育成"),
    "cross-cutting": ("Общие вопросы", "分野横断"),
    "energy-resources": ("Развитие энергетики и ресурсов (включая критически важные минералы)",
                         "エネルギー・資源開発（重要鉱物を含む）"),
    "climate-mitigation": ("Смягчение последствий изменения климата", "気候変動の緩和"),
    "renewable-transition": ("Переход к возобновляемой энергетике", "再生可能エネルギーへの移行"),
    "disaster-risk-reduction": ("Снижение риска бедствий", "防災"),
    "logistics-transport": ("Логистика и транспортная инфраструктура", "物流・交通インフラ"),
    "capacity-building": ("Наращивание потенциала", "能力構築"),
    "health-medical": ("Здравоохранение и медицинские услуги", "保健・医療サービス"),
}


def fill_names(apps, schema_editor):
    for model_name in ("Pillar", "FocusArea"):
        for row in apps.get_model("agreements", model_name).objects.all():
            ru, ja = NAMES.get(row.code, ("", ""))
            row.name_en = row.name_en or row.name
            row.name_ru = row.name_ru or ru or None
            row.name_ja = row.name_ja or ja or None
            if model_name == "Pillar":
                row.description_en = row.description_en or row.description
            row.save()



class Migration(migrations.Migration):

    dependencies = [("agreements", "0008_languages")]

    operations = [migrations.RunPython(fill_names, migrations.RunPython.noop)]
