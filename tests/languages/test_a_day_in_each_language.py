"""A Russian-speaking officer and a Japanese-speaking manager do their whole day — My work, the list,
the agreement page, a progress update, milestones done, the closure request and its approval, the
reports and an export — and meet no word of the English interface on any page they are shown
(the words come from the catalogue's English messages, as in test_browser_languages)."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import time_machine
from django.urls import reverse

from agreements.models import Agreement
from tests.languages import world
from tests.languages.test_browser_languages import WORD, english_words

pytestmark = pytest.mark.django_db


class Reader(HTMLParser):
    """What a person reads or hears of a page: text and the names of elements, not `<code>` values,
    scripts or styles."""

    SKIP = {"code", "script", "style", "kbd", "samp"}
    NAMED = ("aria-label", "title", "placeholder", "alt")

    def __init__(self):
        super().__init__()
        self.parts, self.skipping = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        self.parts += [value for name, value in attrs if name in self.NAMED and value]
        if tag == "input" and dict(attrs).get("type") in ("submit", "button"):
            self.parts.append(dict(attrs).get("value") or "")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def english_on(response, expected: int = 200) -> set[str]:
    assert response.status_code == expected, (response.status_code, response.request["PATH_INFO"])
    reader = Reader()
    reader.feed(response.content.decode())
    return {w.lower() for w in WORD.findall(" ".join(reader.parts))} & ENGLISH


ENGLISH = english_words()


@pytest.fixture
def summit():
    with time_machine.travel(world.TODAY, tick=False):
        built = world.build()
    built.officer.language, built.manager.language = "ru", "ja"
    built.officer.save()
    built.manager.save()
    return built


def test_the_officers_day_in_russian_and_the_managers_in_japanese(client, summit):
    seen: dict[str, set[str]] = {}
    ref = summit.working.reference
    page = reverse("agreement-detail", args=[ref])

    client.force_login(summit.officer)
    for path in ("/", "/agreements/", page):
        seen[f"officer GET {path}"] = english_on(client.get(path))
    answer = client.post(reverse("agreement-progress", args=[ref]), follow=True, data={
        "percent_complete": "80", "health": "on_track", "summary": "Поставка завершена.", "next_steps": "",
        "health_reason": "Просроченные этапы переносятся по согласованию сторон."})
    seen["officer posts progress"] = english_on(answer)
    working = Agreement.objects.get(pk=summit.working.pk)
    for milestone in working.milestones.filter(state="planned"):
        answer = client.post(reverse("milestone-done", args=[ref, milestone.pk]), follow=True, data={
            f"done-{milestone.pk}-done_on": "2026-06-09", f"done-{milestone.pk}-evidence": "Акт",
            f"done-{milestone.pk}-version": Agreement.objects.get(pk=working.pk).version})
        seen[f"officer completes {milestone.pk}"] = english_on(answer)
    answer = client.post(reverse("agreement-transition", args=[ref, "pending_closure"]), follow=True, data={
        "t-pending_closure-comment": "", "t-pending_closure-version": Agreement.objects.get(pk=working.pk).version})
    seen["officer requests closure"] = english_on(answer)
    assert Agreement.objects.get(pk=working.pk).status == "pending_closure"

    client.force_login(summit.manager)
    for path in ("/", "/reports/", page):
        seen[f"manager GET {path}"] = english_on(client.get(path))
    answer = client.post(reverse("agreement-transition", args=[ref, "completed"]), follow=True, data={
        "t-completed-comment": "Утверждено", "t-completed-version": Agreement.objects.get(pk=working.pk).version,
        "t-completed-percent_complete": "100", "t-completed-health": "on_track"})
    seen["manager approves"] = english_on(answer)
    assert Agreement.objects.get(pk=working.pk).status == "completed"
    refused = client.post(reverse("agreement-transition", args=[summit.pending.reference, "completed"]), data={
        "t-completed-comment": "", "t-completed-version": summit.pending.version})
    assert refused.status_code == 400  # four eyes: this manager requested that closure himself
    seen["manager is refused (four eyes)"] = english_on(refused, 400)
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", refused.content.decode())
    assert client.get(reverse("agreement-export-xlsx")).status_code == 200

    assert {step: words for step, words in seen.items() if words} == {}
