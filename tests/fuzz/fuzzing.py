"""Fuzzing support: hostile values, raw request bodies, and the count of cases sent.

Values are *bytes* put on the wire as they are (percent-encoded, or raw in a multipart
body), so the server sees what a browser, a script or an attacker could send: text in any
script, NUL bytes, right-to-left overrides, emoji, surrogate code points encoded anyway
(invalid UTF-8), random bytes, numbers of every size, dates in and out of range, empty
and huge values. Every field also draws plausible values, so a fuzzed request gets past
the first check and reaches the business code behind it.

The number of cases is counted here and printed at the end of the run (tests/conftest.py,
`pytest_terminal_summary`; with -v per endpoint and answer). FUZZ_SCALE=10 runs ten times as
many examples.
"""
from __future__ import annotations

import os
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable

from hypothesis import HealthCheck, settings, strategies as st

FUZZ_SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
CASES: Counter = Counter()  # endpoint → requests sent
STATUSES: Counter = Counter()  # (endpoint, status code) → responses
SERVER_ERRORS: list[str] = []

SPECIAL = [
    "", " ", "\x00", "a\x00b", "\u202eexe.fdp", "\u200f\u0627\u062a\u0641\u0627\u0642\u064a\u0629",
    "\U0001f1ef\U0001f1f5\U0001f1f0\U0001f1ff", "\U0001f468\u200d\U0001f469\u200d\U0001f467", "e\u0301\u0301\u0301",
    "\uffff", "\ufeff", "\r\n", "\t", "0", "-1", "-0", "1e309", "NaN", "-inf", "0x10", "1_000", "\u0663",
    "\uff11\uff19", str(2**31), str(2**63), str(-(2**63) - 1), "9" * 40, "0001-01-01", "9999-12-31",
    "10000-01-01", "0000-00-00", "2025-02-30", "-2025-01-01", "2025-12-19T25:61", "19/12/2025", "2025-W51",
    "\u0662\u0660\u0662\u0665-\u0661\u0662-\u0661\u0669", "null", "None", "true", "on", "me", "[]", "{}",
    "<script>alert(1)</script>", "' OR 1=1 --", "%s%n%x", "{{ 7*7 }}", "../../etc/passwd", "admin",
    "Europe/Moscow", "Asia/Kolkata", "Pacific/Kiritimati", "Etc/GMT+12", "UTC",
]


def fuzz_settings(examples: int):
    """Reproducible (derandomized, no example database), no deadline (the first request of a
    test warms caches), and function-scoped fixtures are fine: each example runs in a savepoint
    that is rolled back (`rolled_back`), so every example starts from the same data."""
    return settings(max_examples=max(1, int(examples * FUZZ_SCALE)), deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large, HealthCheck.large_base_example])


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # lone surrogates become invalid UTF-8, as some clients send


texts = st.text(max_size=60).map(_utf8)  # any code point but surrogates: NUL, controls, RTL, emoji, combining
surrogate_texts = st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF) | st.characters(),
                          min_size=1, max_size=12).map(_utf8)
numbers = st.one_of(st.integers(), st.floats(), st.decimals(allow_nan=True)).map(lambda n: str(n).encode())
dates = st.one_of(st.dates().map(lambda d: d.isoformat()), st.datetimes().map(lambda d: d.isoformat()),
                  st.dates().map(lambda d: d.strftime("%d.%m.%Y"))).map(str.encode)
# Huge values: a form field may be sent megabytes (a POST body up to DATA_UPLOAD_MAX_MEMORY_SIZE
# and beyond); a URL is cut by every proxy and browser long before that (nginx: 8 KB).
HUGE_POST, HUGE_URL = (300, 5_000, 120_000), (300, 5_000)


def huge(sizes: tuple[int, ...]) -> st.SearchStrategy[bytes]:
    return st.sampled_from(sizes).flatmap(
        lambda n: st.sampled_from(["x", "0", "\u00e9", "\U0001f1ef", "\x00", " ", "9"]).map(lambda c: _utf8(c * n)))


def hostile(sizes: tuple[int, ...] = HUGE_POST) -> st.SearchStrategy[bytes]:
    return st.one_of(st.sampled_from(SPECIAL).map(_utf8), texts, surrogate_texts, st.binary(max_size=40), numbers,
                     dates, huge(sizes))


def value(valid: Iterable[str] = (), sizes: tuple[int, ...] = HUGE_POST) -> st.SearchStrategy[bytes]:
    """A field's value: as often one of its plausible values as a hostile one."""
    valid = [_utf8(str(v)) for v in valid]
    return st.one_of(st.sampled_from(valid), hostile(sizes)) if valid else hostile(sizes)


@st.composite
def pairs(draw, fields: dict[str, Iterable[str]], sizes: tuple[int, ...] = HUGE_POST) -> list[tuple[bytes, bytes]]:
    """Form or query pairs: each field valid, hostile, missing or repeated, plus stray keys.

    Half the time one field is picked and every other field gets a plausible value, so the
    hostile value gets past the form's other checks into the code behind it."""
    out: list[tuple[bytes, bytes]] = []
    focus = draw(st.sampled_from([None, *fields]))
    for name, valid in fields.items():
        if focus is not None and name != focus and valid:
            out.append((name.encode(), draw(st.sampled_from([_utf8(str(v)) for v in valid]))))
            continue
        how = draw(st.sampled_from(["one", "one", "one", "missing", "several"]))
        count = {"one": 1, "missing": 0, "several": draw(st.integers(2, 4))}[how]
        out += [(name.encode(), draw(value(valid, sizes))) for _ in range(count)]
    out += draw(st.lists(st.tuples(hostile(HUGE_URL), hostile(sizes)), max_size=2))
    return draw(st.permutations(out))


def query(fields: dict[str, Iterable[str]]) -> st.SearchStrategy[list[tuple[bytes, bytes]]]:
    return pairs(fields, HUGE_URL)


def urlencoded(items: list[tuple[bytes, bytes]]) -> str:
    return "&".join(f"{urllib.parse.quote_from_bytes(k)}={urllib.parse.quote_from_bytes(v)}" for k, v in items)


BOUNDARY = b"----fuzz-boundary-7MA4YWxkTrZu0gW"


def multipart(fields: list[tuple[bytes, bytes]], files: list[tuple[bytes, bytes, bytes]]) -> tuple[bytes, str]:
    """(body, content type) of a multipart form; names, values and file names are raw bytes."""
    parts = []
    for name, data in fields:
        parts.append(b'Content-Disposition: form-data; name="%s"\r\n\r\n%s' % (_header_safe(name), data))
    for name, filename, content in files:
        parts.append(b'Content-Disposition: form-data; name="%s"; filename="%s"\r\n'
                     b"Content-Type: application/octet-stream\r\n\r\n%s" % (name, _header_safe(filename), content))
    body = b"".join(b"--" + BOUNDARY + b"\r\n" + part + b"\r\n" for part in parts) + b"--" + BOUNDARY + b"--\r\n"
    return body, f"multipart/form-data; boundary={BOUNDARY.decode()}"


def _header_safe(text: bytes) -> bytes:
    """A header value cannot hold CR/LF or a quote (the browser escapes them): keep the rest raw."""
    return text.replace(b"\r", b"%0D").replace(b"\n", b"%0A").replace(b'"', b"%22")


# --- Sending and judging ---------------------------------------------------------------------

ERROR_MARKERS = (b'class="errorlist', b'role="alert"', b'class="errornote', b"error-page__code")


def judge(label: str, response, allowed: Iterable[int]) -> None:
    """Count the case; fail on a 500 or an unexpected status; a 400 must say what is wrong."""
    CASES[label] += 1
    body = b"".join(response.streaming_content) if response.streaming else response.content
    status = response.status_code
    STATUSES[label, status] += 1
    if status >= 500:
        SERVER_ERRORS.append(f"{label}: {status}")
    assert status in set(allowed), f"{label}: {status}\n{body[:2000]!r}"
    if status == 400 and response.get("Content-Type", "").startswith("text/html"):
        assert any(marker in body for marker in ERROR_MARKERS), f"{label}: a 400 without a message\n{body[:3000]!r}"


def summary(detailed: bool = False) -> str:
    total = sum(CASES.values())
    by_status = Counter()
    for (_label, status), count in STATUSES.items():
        by_status[status] += count
    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(by_status.items()))
    per = ", ".join(f"{name} {count} ({' '.join(f'{s}×{n}' for (l, s), n in sorted(STATUSES.items()) if l == name)})"
                    for name, count in sorted(CASES.items()))
    line = f"{total} fuzz cases, {len(SERVER_ERRORS)} server errors; answers {statuses}"
    return f"{line}\n{per}" if detailed else line


def rolled_back(run: Callable[[], None]) -> None:
    """Run one example in a savepoint that is rolled back, whatever the request changed."""
    from django.db import transaction

    with transaction.atomic():
        try:
            run()
        finally:
            transaction.set_rollback(True)
