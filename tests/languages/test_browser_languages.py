"""Each main page, in Russian and in Japanese, in a real browser: no word of the English interface
left (the words come from the English messages of the catalogue, not from a hand list; every piece
of user text here is Russian or Japanese, see tests/languages/world.py), and no page wider than the
window at 1366 and 390 px."""
from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
import time_machine

from tests.languages import world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
WORD = re.compile(r"[A-Za-z][A-Za-z']{2,}")
WIDTHS = (1366, 390)


def english_words() -> set[str]:
    """Words of the English interface: those of every message, less the ones a translation keeps
    (codes, formats and names such as CSV, XLSX, JPY, CA+JAD)."""
    words, kept = set(), set()
    for code in ("ru", "ja"):
        for entry in polib.pofile(str(ROOT / "locale" / code / "LC_MESSAGES" / "django.po")):
            words |= {w.lower() for w in WORD.findall(entry.msgid + " " + entry.msgid_plural)}
            translations = [entry.msgstr, *entry.msgstr_plural.values()]
            kept |= {w.lower() for text in translations for w in WORD.findall(re.sub(r"%\(\w+\)\w", "", text))}
    return words - kept - {"caj"}


def visible_words(page) -> set[str]:
    """Words a person reads or hears: the text (hidden-to-the-eye text for screen readers included)
    and the labels, titles, placeholders and alternative texts of elements — not what is set as
    code (`<code>`: the values a file must hold, such as `mou` or `signed`)."""
    text = page.evaluate("""() => {
        document.querySelectorAll('details').forEach(el => { el.open = true; });  // menus and folded panels too
        const body = document.body.cloneNode(true);
        body.querySelectorAll('code, kbd, samp').forEach(el => el.remove());
        document.body.appendChild(body); body.hidden = false;
        const parts = [document.title, body.innerText];
        body.remove();
        document.querySelectorAll('[aria-label], [title], [placeholder], [alt], .visually-hidden').forEach(el => {
            for (const name of ['aria-label', 'title', 'placeholder', 'alt']) if (el.getAttribute(name)) parts.push(el.getAttribute(name));
            if (el.classList.contains('visually-hidden')) parts.push(el.textContent);
        });
        document.querySelectorAll('option').forEach(el => parts.push(el.textContent));
        return parts.join(' ');
    }""")
    return {w.lower() for w in WORD.findall(text)}


def overflow(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def pages(summit) -> dict[str, list[str]]:
    ref, milestone = summit.working.reference, summit.milestone
    return {
        "officer": ["/", "/agreements/", f"/agreements/{ref}/", f"/agreements/{ref}/milestones/{milestone.pk}/edit/",
                    "/preferences/", "/accounts/password/", "/agreements/?overdue=1&milestone_done_after=2025-12-01"],
        "manager": ["/", "/reports/", f"/agreements/{summit.pending.reference}/", f"/agreements/{ref}/reassign/"],
        "data_entry": ["/admin/", "/admin/agreements/agreement/", f"/admin/agreements/agreement/{summit.working.pk}/change/",
                       "/admin/agreements/agreement/import/"],
    }


@pytest.fixture
def summit():
    with time_machine.travel(world.TODAY, tick=False):
        built = world.build()
    return built


@pytest.mark.parametrize("language", ["ru", "ja"])
def test_every_main_page_speaks_only_the_readers_language_and_fits_the_window(live_page, summit, language):
    page, english = live_page, english_words()
    assert {"milestone", "agreement", "overdue", "approve"} <= english  # the list is the catalogue's
    left, wide = {}, {}
    for role, paths in pages(summit).items():
        person = getattr(summit, role)
        person.language = language
        person.save()
        page.context.clear_cookies()
        page.sign_in(person)
        for path in paths:
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(page.url_for(path))
                assert page.locator("html").get_attribute("lang") == language, path
                if found := visible_words(page) & english:
                    left[f"{role} {path}"] = sorted(found)
                if (extra := overflow(page)) > 0:
                    wide[f"{role} {path} @{width}"] = extra
    assert left == {}, f"English left on the page: {left}"
    assert wide == {}, f"pages wider than the window (px): {wide}"
