"""Formats follow the reader's language (dates, numbers, money, plurals); exports keep machine
formats; e-mails go out in the recipient's language whoever triggered them; the import speaks the
importing person's language."""
from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import translation

from agreements import workflow
from agreements.imports.files import Upload
from agreements.imports.importer import import_agreements
from agreements.money import format_money
from agreements.reminders import deciding, delivery
from tests.languages import world

NOW = datetime.datetime(2026, 6, 10, 6, 0, tzinfo=datetime.timezone.utc)  # 15:00 in Tokyo, 11:00 in Tashkent
DAY = "SHORT_DATE_FORMAT"


@pytest.fixture
def summit(db):
    with time_machine.travel(NOW, tick=False):
        yield world.build()


@pytest.mark.parametrize("language, signed, value", [
    ("en", "19 December 2025", "¥1,500,000,000"),
    ("ru", "19 декабря 2025 г.", "1\xa0500\xa0000\xa0000\xa0¥"),
    ("ja", "2025年12月19日", "￥1,500,000,000"),
])
def test_the_agreement_page_writes_dates_and_money_in_the_readers_language(client, summit, language, signed, value):
    summit.officer.language = language
    summit.officer.save()
    client.force_login(summit.officer)
    page = client.get(reverse("agreement-detail", args=[summit.working.reference])).content.decode()
    assert signed in page and value in page


def test_money_is_written_per_language_and_never_converted():
    assert [format_money(2500000.5, "USD", code) for code in ("en", "ru", "ja")] == [
        "$2,500,000.50", "2\xa0500\xa0000,50\xa0$", "$2,500,000.50"]


@pytest.mark.parametrize("count, word", [(1, "соглашение"), (3, "соглашения"), (5, "соглашений"), (21, "соглашение")])
def test_russian_counts_take_their_three_plural_forms(count, word):
    with translation.override("ru"):
        text = translation.ngettext("%(counter)s agreement", "%(counter)s agreements", count) % {"counter": count}
    assert text == f"{count} {word}"


def test_exports_keep_machine_formats_whatever_the_language(client, summit):
    summit.manager.language = "ru"
    summit.manager.save()
    client.force_login(summit.manager)
    body = b"".join(client.get(reverse("agreement-export-csv")).streaming_content).decode("utf-8-sig")
    rows = {row["reference"]: row for row in csv.DictReader(io.StringIO(body))}
    working = rows[summit.working.reference]
    assert working["signed_on"] == "2025-12-19" and working["value"] in ("1500000000", "1500000000.00")
    assert working["currency"] == "JPY" and working["kind"] == "mou" and working["pillar"] == "green-resilience"


def test_a_reminder_to_a_japanese_reader_triggered_by_a_russian_speaker_is_in_japanese(summit, settings):
    """The Russian-speaking officer asks for closure; the Japanese manager is reminded to approve."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with translation.override("ru"), time_machine.travel(NOW, tick=False):
        workflow.transition(summit.pending, "in_progress", by=summit.second_manager, comment="Нужны документы")
        workflow.transition(summit.pending, "pending_closure", by=summit.officer)
    later = NOW + datetime.timedelta(days=5)
    with translation.override("ru"), time_machine.travel(later, tick=False):
        for group in deciding.sweep(later).groups:
            delivery.deliver(group, later)
    to_manager = [m for m in mail.outbox if m.to == [summit.manager.email]]
    assert to_manager, [m.subject for m in mail.outbox]
    for message in to_manager:
        [(html, _kind)] = message.alternatives
        assert '<html lang="ja">' in html
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", message.subject), message.subject
        assert "完了" in message.body  # the closure waiting for approval, in Japanese
        assert not any(word in message.body + message.subject for word in
                       ("Dear", "Closure", "waiting", "approval", "reminder", "overdue")), message.body
    to_officer = [m for m in mail.outbox if m.to == [summit.officer.email]]
    assert to_officer and all('<html lang="ru">' in m.alternatives[0][0] for m in to_officer)


def test_the_import_refuses_a_bad_row_in_the_importing_persons_language(summit):
    header = "reference,title,kind,pillar,signed_on,parties,owner\n"
    row = ",Соглашение,nonsense,green-resilience,2025-12-20,Министерство энергетики Республики Казахстан (KZ),olga\n"
    with translation.override("ru"):  # read as the person's page renders it, in their language
        report = import_agreements(summit.data_entry, Upload("list.csv", (header + row).encode()))
        text = " ".join(str(problem) for problem in report.problems) + report.summary()
    assert not report.ok
    assert "строка 2" in text.lower() or "строке 2" in text.lower(), text
    assert "row 2" not in text and "nothing was written" not in text, text


def test_the_import_page_speaks_the_importing_persons_language(client, summit):
    summit.data_entry.language = "ja"
    summit.data_entry.save()
    client.force_login(summit.data_entry)
    page = client.get(reverse("admin:agreements_agreement_import")).content.decode()
    assert '<html lang="ja"' in page and "インポート" in page
