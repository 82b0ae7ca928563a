"""Compile every locale/<language>/LC_MESSAGES/django.po into its .mo with polib (pure Python), so
neither the app nor a translator needs GNU gettext to compile. `make messages` runs it; the .mo files
are committed (tests/languages/test_catalogues.py checks they match their .po)."""
from pathlib import Path

import polib

for po_path in sorted(Path(__file__).resolve().parent.glob("*/LC_MESSAGES/django.po")):
    polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
    print(f"compiled {po_path.parent.parent.name}")
