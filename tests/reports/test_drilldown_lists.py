"""Every link the reports dashboard and the weekly digest render opens an agreement list that
names every filter in force — one removable chip per value, in words — and counts what the link's
sentence counts: the agreements, and the milestones, status changes or progress updates when the
sentence counts those ("61 overdue milestones" opens 54 agreements and says "61 overdue milestones")."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest

from agreements.reminders import emails
from agreements.web.list_links import NOT_FILTERS
from tests.reports.reports_support import NOW, frozen_summit, number, parse_links  # noqa: F401 (fixture)

RANGES = ("milestone_due", "milestone_done", "status_changed", "progress_posted")
COUNTS_ROWS = {"milestones": ("overdue", "due_within", "milestone_due", "milestone_done"),
               "changes": ("status_changed",), "updates": ("progress_posted",)}


class ListPage(HTMLParser):
    """What a person reads off the list: the count line, its tallies, the chips."""

    def __init__(self, html: str):
        super().__init__()
        self.chips: list[str] = []
        self.tallies: dict[str, int] = {}
        self._chip = None
        self.feed(html)
        self.count = int(re.search(r'id="result-count"[^>]*>\s*([\d,]+) agreement', html).group(1).replace(",", ""))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "li" and "chip" in (attrs.get("class") or "").split():
            self._chip = ""
        elif tag == "a" and self._chip is not None:
            self.chips.append(" ".join(self._chip.split()))
            self._chip = None
        elif tag == "span" and "data-tally" in attrs:
            self.tallies[attrs["data-tally"]] = int(attrs["data-count"])

    def handle_data(self, data):
        if self._chip is not None:
            self._chip += data


def filters_in_force(query: str) -> list[str]:
    """One entry per chip the list must show: each value, and each date range once."""
    names = []
    for key, value in parse_qsl(query):
        base = re.sub(r"_(after|before)$", "", key)
        if key in NOT_FILTERS or not value.strip() or (base in RANGES and base in names):
            continue
        names.append(base if base in RANGES else key)
    return names


def check_list(client, href: str, *, agreements: int, rows: int | None, counts: str) -> ListPage:
    response = client.get(href)
    assert response.status_code == 200, href
    page = ListPage(response.content.decode())
    in_force = filters_in_force(urlsplit(href).query)
    assert len(page.chips) == len(in_force), (href, page.chips)
    assert not any(re.search(r"_(after|before)\b|=", chip) for chip in page.chips), page.chips
    assert page.count == agreements, href
    if counts in COUNTS_ROWS:
        [tally] = [page.tallies[name] for name in COUNTS_ROWS[counts] if name in page.tallies]
        assert tally == rows, (href, page.tallies)
    return page


@pytest.mark.usefixtures("frozen_summit")
@pytest.mark.parametrize("query", ["", "pillar=green-resilience&country=UZ&signed_after=2025-12-01"])
def test_every_dashboard_link_opens_a_list_naming_its_filters_and_counting_its_figure(client, manager, query):
    client.force_login(manager)
    links = parse_links(client.get(f"/reports/?{query}").content.decode()).links
    assert len(links) > 40
    kinds = set()
    for link in links:
        counts = link["data-counts"]
        kinds.add(counts)
        rows = number(link["text"]) if counts in COUNTS_ROWS else None
        check_list(client, link["href"], agreements=int(link["data-agreements"]), rows=rows, counts=counts)
    assert {"agreements", "milestones", "changes"} <= kinds  # every kind of figure was tried


# Acknowledged milestones link to the overdue list (which also holds the unacknowledged ones) and
# "reported better than the data suggests" to the reports' panel: no list counts exactly those.
NOT_A_LIST = {"acknowledged", "rosier"}
SECTION_COUNTS = {"updates": "updates", "overdue": "milestones", "upcoming": "milestones",
                  "at_risk": "agreements", "closures": "agreements"}


@pytest.mark.usefixtures("frozen_summit")
@pytest.mark.parametrize("zone", ["Asia/Tokyo", "Asia/Tashkent"])
def test_every_digest_link_opens_a_list_counting_what_its_section_counts(client, manager, zone, settings):
    manager.time_zone = zone
    manager.save()
    message = emails.digest_message(manager, [], NOW)
    html = message.message.alternatives[0][0]  # emails.Composed: the message and its notes
    client.force_login(manager)
    checked = set()
    for section in emails.digest.summary(manager, NOW).sections:
        if not section.count:
            continue
        assert f'href="{section.link}"' in html.replace("&amp;", "&")  # the link the e-mail carries
        if section.name in NOT_A_LIST:
            continue
        href = section.link.removeprefix(settings.SITE_URL)
        counts = SECTION_COUNTS[section.name]
        page = ListPage(client.get(href).content.decode())
        expected_agreements = section.count if counts == "agreements" else page.count
        check_list(client, href, agreements=expected_agreements, rows=section.count, counts=counts)
        checked.add(section.name)
    assert {"updates", "overdue", "at_risk"} <= checked


class FilterForm(HTMLParser):
    """The name=value pairs the filter form submits as the page renders it (what a browser sends)."""

    def __init__(self, html: str):
        super().__init__()
        self.pairs: list[tuple[str, str]] = []
        self._inside = False
        self._select = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("role") == "search":
            self._inside = True
        elif not self._inside:
            return
        elif tag == "input" and attrs.get("name"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.pairs.append((attrs["name"], attrs.get("value", "on")))
        elif tag == "select":
            self._select = attrs.get("name")
        elif tag == "option" and self._select and "selected" in attrs:
            self.pairs.append((self._select, attrs.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        elif tag == "select":
            self._select = None


@pytest.mark.usefixtures("frozen_summit")
def test_a_drill_down_filter_survives_applying_another_filter(client, manager):
    client.force_login(manager)
    opened = client.get("/agreements/?milestone_done_after=2026-01-01&milestone_done_before=2026-01-31&currency=JPY")
    pairs = FilterForm(opened.content.decode()).pairs + [("pillar", "green-resilience")]
    applied = ListPage(client.get("/agreements/", dict_of(pairs)).content.decode())
    assert "Milestone done 1–31 Jan 2026" in applied.chips
    assert "Currency: JPY" in applied.chips and "Pillar: Green and Resilience" in applied.chips


def dict_of(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for name, value in pairs:
        result.setdefault(name, []).append(value)
    return result
