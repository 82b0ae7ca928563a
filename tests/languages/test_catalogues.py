"""Every message catalogue is complete and compiled: nothing untranslated or fuzzy, placeholders
that match, `msgfmt --check` clean, the committed .mo files equal to their .po files, and every
string of the code and templates in the catalogues (a string added without `makemessages` fails)."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdfir]|%[sd]")
# Patterns made of placeholders only (date ranges): a language may use a subset of what they offer.
PATTERN = re.compile(r"^[\W\d_]*(%\(\w+\)[sd][\W\d_]*)+$")
MAKEMESSAGES_IGNORE = [".venv", "tests", "bench", "staticfiles", "var", "test-artifacts"]


def catalogue(code: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / code / "LC_MESSAGES" / "django.po"))


def placeholders(text: str) -> set[str]:
    return {match.group(0) for match in PLACEHOLDER.finditer(text)}


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(code):
    po = catalogue(code)
    assert len(po) > 800
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert not po.metadata_is_fuzzy and po.metadata["Language"] == code


@pytest.mark.parametrize("code", LANGUAGES)
def test_translations_keep_the_placeholders_of_their_message(code):
    wrong = []
    for entry in catalogue(code).translated_entries():
        sources = [entry.msgid] if not entry.msgid_plural else [entry.msgid_plural]
        for translation in ([entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())):
            expected, found = placeholders(sources[0]), placeholders(translation)
            if PATTERN.match(entry.msgid) and found:  # a date-range pattern: any of its parts
                continue
            if entry.msgid_plural:  # a singular may say "one" instead of the number
                expected |= placeholders(entry.msgid)
                if found <= expected and found >= placeholders(entry.msgid_plural) - {"%(count)d", "%(n)d"}:
                    continue
            if found != expected:
                wrong.append((entry.msgid, translation))
    assert wrong == []


@pytest.mark.parametrize("code", LANGUAGES)
def test_msgfmt_checks_the_catalogue(code, tmp_path):
    if shutil.which("msgfmt") is None:
        skip_or_fail("GNU gettext's msgfmt is not installed (apt-get install gettext)")
    done = subprocess.run(["msgfmt", "--check", "-o", str(tmp_path / "out.mo"),
                           str(ROOT / "locale" / code / "LC_MESSAGES" / "django.po")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_committed_compiled_catalogue_is_up_to_date(code):
    """The .mo files are committed (no gettext needed to run the app); they must say what the .po says."""
    compiled = polib.mofile(str(ROOT / "locale" / code / "LC_MESSAGES" / "django.mo"))
    wanted = {(e.msgctxt, e.msgid, e.msgid_plural): (e.msgstr, dict(e.msgstr_plural))
              for e in catalogue(code).translated_entries()}
    found = {(e.msgctxt, e.msgid, e.msgid_plural): (e.msgstr, {int(k): v for k, v in e.msgstr_plural.items()})
             for e in compiled if e.msgid}
    wanted = {key: (single, {int(k): v for k, v in plural.items()}) for key, (single, plural) in wanted.items()}
    assert found == wanted, "run `make messages` (it compiles the catalogues) and commit the .mo files"


def test_every_string_of_the_code_is_in_the_catalogues(tmp_path, monkeypatch):
    """makemessages over a copy of the code finds exactly the catalogue's messages: none missing (a
    string added without updating the catalogues) and none obsolete. (A copy: makemessages writes
    into the `locale` folder nearest to the files it reads.)"""
    if shutil.which("xgettext") is None:
        skip_or_fail("GNU gettext's xgettext is not installed (apt-get install gettext)")
    copy = tmp_path / "project"
    for folder in ("agreements", "tracker", "templates"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "locale").mkdir()
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[copy / "locale"]):
        call_command("makemessages", locale=[LANGUAGES[0]], ignore_patterns=MAKEMESSAGES_IGNORE, no_location=True,
                     verbosity=0)
    fresh = {(e.msgctxt, e.msgid, e.msgid_plural)
             for e in polib.pofile(str(copy / "locale" / LANGUAGES[0] / "LC_MESSAGES" / "django.po"))}
    for code in LANGUAGES:
        kept = {(e.msgctxt, e.msgid, e.msgid_plural) for e in catalogue(code) if not e.obsolete}
        assert fresh - kept == set(), f"not in the {code} catalogue: run `make messages` and translate"
        assert kept - fresh == set(), f"obsolete in the {code} catalogue: run `make messages`"
