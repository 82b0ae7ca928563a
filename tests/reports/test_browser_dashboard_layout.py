"""The dashboard in Chromium as a manager sees it on a laptop (1366 × 768), a phone (390) and on paper:
the headline figures and the pillar × status matrix on the first screen, checkboxes for every
choice, the filters folded once applied, and a print of at most four A4 pages where no heading is
parted from its chart or table."""
from __future__ import annotations

import io
import re
import unicodedata

import pypdf
import pytest

from agreements.demo import summit as demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
# Each printed panel: its heading's id and the table whose first row label must share its page.
PRINTED = {"glance-heading": None, "pillar-status-heading": "table-pillar-status", "health-heading": "table-health",
           "country-pillar-heading": "table-country-pillar", "focus-heading": "table-focus-areas",
           "money-heading": "table-money", "months-heading": "table-months", "overdue-heading": "table-overdue",
           "upcoming-heading": "table-upcoming", "risk-heading": "table-at-risk", "quality-heading": "table-quality",
           "definitions-heading": None}


@pytest.fixture
def summit(db):
    demo.seed()


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


@pytest.mark.parametrize("language,query", [("en", ""), ("en", "?pillar=connectivity&country=KZ"), ("ru", ""),
                                            ("ja", "")])
def test_the_first_screen_holds_the_headline_figures_and_the_matrix(live_page, summit, manager, language, query):
    manager.language = language
    manager.save(update_fields=["language"])
    live_page.set_viewport_size(LAPTOP)
    live_page.sign_in(manager)
    live_page.goto(live_page.url_for(f"/reports/{query}"))
    assert live_page.evaluate("window.scrollY") == 0
    matrix, kpis = box(live_page, "#table-pillar-status"), box(live_page, "ul.kpis")
    assert matrix["y"] + matrix["height"] <= LAPTOP["height"], matrix
    assert kpis["y"] + kpis["height"] <= matrix["y"]
    assert live_page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    # The secondary panels fold: the whole page is a little over two screens, not ~9,000 px.
    assert live_page.evaluate("document.documentElement.scrollHeight") < 2400


def test_every_choice_is_a_checkbox_and_the_applied_filters_fold_into_chips(live_page, summit, manager):
    live_page.set_viewport_size(LAPTOP)
    live_page.sign_in(manager)
    live_page.goto(live_page.url_for("/reports/"))
    filters = live_page.locator("details.report-filters")
    assert filters.get_attribute("open") is None  # a bar, so the first screen holds the figures
    assert "None: every agreement you may see." in filters.locator("summary").inner_text()
    filters.locator("summary").click()
    assert live_page.locator("details.report-filters select[multiple]").count() == 0
    matrix = box(live_page, "#table-pillar-status")  # opened, the filters are a sidebar beside the figures
    assert box(live_page, "details.report-filters")["x"] + 100 < matrix["x"]
    assert matrix["y"] + matrix["height"] <= LAPTOP["height"]
    for name in ("Capacity building", "Connectivity", "In progress", "Kazakhstan"):
        assert live_page.get_by_role("checkbox", name=name, exact=True).is_visible(), name
    live_page.get_by_role("checkbox", name="Capacity building").check()
    live_page.get_by_role("checkbox", name="Kazakhstan").check()
    live_page.get_by_role("button", name="Apply filters").click()
    live_page.wait_for_url("**/reports/?*focus_area=capacity-building*")

    assert filters.get_attribute("open") is None  # folded once applied
    summary = filters.locator("summary")
    assert "Focus area: Capacity building" in summary.inner_text()
    assert "Party country: Kazakhstan" in summary.inner_text()
    assert live_page.get_by_role("checkbox", name="Capacity building").is_hidden()
    matrix = box(live_page, "#table-pillar-status")
    assert matrix["y"] + matrix["height"] <= LAPTOP["height"]
    summary.click()  # unfolds, with the choices kept
    assert live_page.get_by_role("checkbox", name="Capacity building").is_checked()
    assert live_page.get_by_role("checkbox", name="Kazakhstan").is_checked()


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_signed_until_stays_inside_its_card(live_page, summit, manager, viewport):
    live_page.set_viewport_size(viewport)
    live_page.sign_in(manager)
    live_page.goto(live_page.url_for("/reports/"))
    filters = live_page.locator("details.report-filters")
    filters.locator("summary").click()
    card = box(live_page, "details.report-filters")
    for label in ("Signed from", "Signed until", "Owner"):
        field = live_page.get_by_label(label, exact=True).bounding_box()
        assert card["x"] <= field["x"] and field["x"] + field["width"] <= card["x"] + card["width"], label
    assert live_page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text without white space (text extraction breaks lines anywhere), ligatures undone."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [re.sub(r"\s+", "", unicodedata.normalize("NFKC", page.extract_text())) for page in reader.pages]


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.mark.parametrize("language", ["en", "ru"])
def test_print_is_four_a4_pages_at_most_with_each_heading_beside_its_table(live_page, summit, manager, language):
    manager.language = language
    manager.save(update_fields=["language"])
    live_page.sign_in(manager)
    live_page.goto(live_page.url_for("/reports/"))
    expected = {}
    for heading, table in PRINTED.items():
        title = live_page.locator(f"#{heading}").inner_text()
        first_row = table and live_page.locator(f"#{table} tbody tr").first.locator("th, td").first.text_content()
        expected[heading] = (squeezed(title), squeezed(first_row)[:14] if first_row else None)
    live_page.emulate_media(media="print")
    pdf = live_page.pdf(format="A4")
    pages = page_texts(pdf)
    assert 1 <= len(pages) <= 4, f"{len(pages)} pages"
    for heading, (title, first_row) in expected.items():
        found = [number for number, text in enumerate(pages) if title in text]
        assert found, f"{heading} ({title}) is not printed"
        if first_row:
            assert any(first_row in pages[number] for number in found), (
                f"{heading}: the first row of its table ({first_row}) is not on the heading's page {found}")
    # Headings in their panel, panels whole: the last heading on a page is never the last line of it.
    for text in pages[:-1]:
        assert not any(text.endswith(title) for title, _row in expected.values())
