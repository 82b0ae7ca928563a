"""The official IATI 2.03 schema and codelists, as pyIATI 0.4.1 ships them (requirements-iati.txt,
installed with --no-deps), read with lxml: `validate(xml)` fails the test with the schema's own
messages; `check_codes(xml)` fails with every code that is not on its codelist."""
from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import pytest

lxml_etree = pytest.importorskip("lxml.etree")


@functools.cache
def standard() -> Path:
    spec = importlib.util.find_spec("iati")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("pyIATI is not installed: make install-dev (pip install --no-deps -r requirements-iati.txt)")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "standard" / "2-03"


@functools.cache
def schema():
    return lxml_etree.XMLSchema(lxml_etree.parse(str(standard() / "schemas" / "iati-activities-schema.xsd")))


@functools.cache
def codelist(name: str) -> frozenset[str]:
    tree = lxml_etree.parse(str(standard() / "codelists" / f"{name}.xml"))
    return frozenset(code.text.strip() for code in tree.iter("code"))


def parse(xml: str | bytes):
    return lxml_etree.fromstring(xml.encode() if isinstance(xml, str) else xml)


def validate(xml: str | bytes):
    document = parse(xml)
    if not schema().validate(document):
        messages = "\n".join(f"line {e.line}: {e.message}" for e in schema().error_log)
        pytest.fail(f"The IATI export does not validate against the 2.03 schema:\n{messages}")
    return document


# (XPath of the attribute, codelist)
CODES = [
    ("//reporting-org/@type", "OrganisationType"),
    ("//participating-org/@role", "OrganisationRole"),
    ("//participating-org/@type", "OrganisationType"),
    ("//activity-status/@code", "ActivityStatus"),
    ("//activity-date/@type", "ActivityDateType"),
    ("//recipient-country/@code", "Country"),
    ("//sector/@vocabulary", "SectorVocabulary"),
    ("//sector[@vocabulary='1']/@code", "Sector"),
    ("//transaction-type/@code", "TransactionType"),
    ("//finance-type/@code", "FinanceType"),
    ("//value/@currency", "Currency"),
    ("//iati-activity/@default-currency", "Currency"),
    ("//document-link/@format", "FileFormat"),
    ("//document-link/category/@code", "DocumentCategory"),
    ("//description/@type", "DescriptionType"),
    ("//@xml:lang", "Language"),
]


def check_codes(document) -> None:
    wrong = []
    for path, name in CODES:
        allowed = codelist(name)
        values = document.xpath(path)
        if name == "Language":
            allowed = frozenset(code.lower() for code in allowed)
            values = [value.lower() for value in values]
        wrong += [f"{path} = {value!r} is not on the {name} codelist" for value in values if value not in allowed]
    assert not wrong, "\n".join(sorted(set(wrong)))


def validate_all(xml: str | bytes):
    document = validate(xml)
    check_codes(document)
    return document
