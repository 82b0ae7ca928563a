"""Helpers of the admin tests (tests/test_admin_matrix.py, tests/test_admin_history.py): the
form of a rendered admin page as a browser would submit it, and answers stripped of what differs
between any two responses, so "hidden" can be compared with "missing" byte for byte."""
from __future__ import annotations

import re
from html.parser import HTMLParser

# Requests the admin matrix made and the answers it did not expect, for the end of the run.
TALLY = {"requests": 0, "unexpected": 0}


class _FormReader(HTMLParser):
    """Collects the successful controls of one <form> (or every form): checked boxes, selected
    options, text areas, hidden and text inputs; not files, not submit buttons but `_save`."""

    def __init__(self, form_id: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside = form_id, form_id is None
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.form_id is not None:
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "name" not in attrs and tag != "option":
            return
        name = attrs.get("name")
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.add(name, attrs.get("value", "on"))
            elif kind == "submit":
                if name == "_save":
                    self.add(name, attrs.get("value", ""))
            elif kind not in ("file", "button", "image", "reset"):
                self.add(name, attrs.get("value", ""))
        elif tag == "select":
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self.add(self._select, attrs.get("value", ""))
        elif tag == "textarea":
            self._textarea, self._text = name, []

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.add(self._textarea, "".join(self._text).removeprefix("\n"))
            self._textarea = None
        elif tag == "form" and self.form_id is not None:
            self.inside = False

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)


def form_data(html: str, form_id: str | None = None) -> dict[str, list[str]]:
    """What submitting the page's form (by id, else every control of the page) would post."""
    reader = _FormReader(form_id)
    reader.feed(html)
    return {name: values for name, values in reader.data.items() if name != "csrfmiddlewaretoken"}


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def normalised(text: str, ids: dict[str, str]) -> str:
    """`text` without the masked CSRF token (new in every response) and with each id asked for
    replaced by its placeholder (a hidden object's page must differ from a missing one's by the
    id in the address only). Not a date-hierarchy link's day or month ("created_at__day=3"): on
    the 3rd of a month it equals an id of the test's world)."""
    text = CSRF.sub("", text)
    for value, placeholder in ids.items():  # in addresses, quoted in messages, as the selected row
        v = re.escape(value)
        text = re.sub(rf"(?<=/){v}(?=/)|(?<=“){v}(?=”)|(?<=name=\"_selected_action\" value=\"){v}(?=\")"
                      rf"|(?<!__day=)(?<!__month=)(?<!__year=)(?<==){v}(?=&|$)", placeholder, text)
    return text


def take_messages(client, response) -> list[str]:
    """The messages a response left for the next page (the admin's "does not exist", "no items
    selected"…), taken out of the client so they do not show on the next request's page."""
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpRequest

    morsel = response.cookies.get(CookieStorage.cookie_name)
    client.cookies.pop(CookieStorage.cookie_name, None)
    if morsel is None or not morsel.value:
        return []
    return [str(message) for message in CookieStorage(HttpRequest())._decode(morsel.value) or []]


def answer(response, ids: dict[str, str]) -> tuple[int, str, str, list[str]]:
    """(status, where it redirects, the body, the messages left) with `ids` replaced: equal
    answers are equal pages."""
    location = normalised(response.get("Location", ""), ids)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    content_type = response.get("Content-Type", "")
    if "text" in content_type or "json" in content_type:
        text = normalised(body.decode("utf-8", "replace"), ids)
    elif "spreadsheetml" in content_type:
        text = normalised(workbook_text(body), ids)
    else:
        text = f"<{len(body)} bytes of {content_type}>"
    messages = [normalised(message, ids) for message in getattr(response, "messages_left", [])]
    return response.status_code, location, text, messages


def workbook_text(body: bytes) -> str:
    """The cells of a workbook, sheet by sheet (its bytes also hold the time it was written)."""
    import io

    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    return "\n".join(f"{sheet.title}: {row}" for sheet in workbook for row in sheet.iter_rows(values_only=True))
