"""Fill the catalogues from translations written beside the code (locale/pending/*.json), so work on
several branches never edits the same .po lines: each branch writes its own JSON, and after
`makemessages` this script puts every translation in place. `make messages` runs it before compiling.

Each JSON file is a list of entries:
  {"msgid": "...", "msgctxt": "optional", "ru": "...", "ja": "..."}
  {"msgid": "...", "msgid_plural": "...", "ru": ["one", "few", "many", "other"], "ja": ["..."]}
"""
import json
import sys
from pathlib import Path

import polib

HERE = Path(__file__).resolve().parent


def entries() -> list[dict]:
    found = []
    for path in sorted((HERE / "pending").glob("*.json")):
        found.extend(json.loads(path.read_text(encoding="utf-8")))
    return found


def fill(language: str, pending: list[dict]) -> tuple[int, list[str]]:
    po_path = HERE / language / "LC_MESSAGES" / "django.po"
    catalogue = polib.pofile(str(po_path))
    index = {(entry.msgctxt, entry.msgid): entry for entry in catalogue}
    filled, unknown = 0, []
    for item in pending:
        entry = index.get((item.get("msgctxt"), item["msgid"]))
        text = item.get(language)
        if entry is None or text is None:
            unknown.append(item["msgid"])
            continue
        if entry.msgid_plural:
            forms = text if isinstance(text, list) else [text]
            entry.msgstr_plural = {i: forms[min(i, len(forms) - 1)] for i in range(len(entry.msgstr_plural) or len(forms))}
        else:
            entry.msgstr = text
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        filled += 1
    catalogue.save(str(po_path))
    return filled, unknown


if __name__ == "__main__":
    pending = entries()
    for language in ("ru", "ja"):
        filled, unknown = fill(language, pending)
        print(f"{language}: {filled} filled" + (f", not in the catalogue: {unknown[:5]}…" if unknown else ""))
    sys.exit(0)
