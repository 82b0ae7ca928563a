"""python manage.py import_agreements: the same import from a terminal, with an exit status."""
from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from agreements.models import Agreement, Milestone
from tests.imports.import_files import MILESTONE_HEADER, csv_bytes, milestone, row

pytestmark = pytest.mark.usefixtures("import_orgs", "officer")


def command(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_agreements", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def files(tmp_path):
    agreements = tmp_path / "agreements.csv"
    agreements.write_bytes(csv_bytes([row(title="First"), row(title="Second")], delimiter=";"))
    milestones = tmp_path / "milestones.csv"
    milestones.write_bytes(csv_bytes([milestone(reference="Second")], MILESTONE_HEADER))
    return agreements, milestones


def test_it_imports_agreements_and_milestones_and_says_what_it_did(data_entry, files):
    out, err = command(str(files[0]), "--milestones", str(files[1]), "--user", data_entry.username)
    assert "Agreements: 2 created, 0 updated, 0 unchanged. Milestones: 1 created" in out
    assert "agreements.csv read as semicolon-separated." in out and err == ""
    assert Agreement.objects.count() == 2 and Milestone.objects.get().agreement.title == "Second"


def test_a_dry_run_writes_nothing(data_entry, files):
    out, _err = command(str(files[0]), "--user", data_entry.username, "--dry-run")
    assert out.startswith("agreements.csv read as")
    assert "Dry run, nothing was written. It would give: Agreements: 2" in out
    assert not Agreement.objects.exists()


def test_problems_go_to_stderr_and_fail_the_command(data_entry, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([row(pillar="?"), row(title="Other", owner="nobody")]))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="2 problem\\(s\\) found in bad.csv: nothing was written"):
        call_command("import_agreements", str(path), "--user", data_entry.username, stdout=out, stderr=err)
    assert err.getvalue().splitlines() == [
        "row 2, column pillar: “?” is not a known pillar.",
        "row 3, column owner: no user “nobody”: give a username or an e-mail address."]
    assert not Agreement.objects.exists()


def test_unknown_organizations_are_created_on_request(data_entry, tmp_path):
    path = tmp_path / "new-orgs.csv"
    path.write_bytes(csv_bytes([row(parties="Navoi Mining (UZ); Sojitz Corporation (JP)", lead_organization="")]))
    with pytest.raises(CommandError):
        command(str(path), "--user", data_entry.username)
    out, _err = command(str(path), "--user", data_entry.username, "--create-organizations")
    assert "Organizations created: 2." in out


def test_the_encoding_option_reads_windows_1251(data_entry, tmp_path):
    path = tmp_path / "cyrillic.csv"
    path.write_bytes(csv_bytes([row(title="Соглашение о займе")], encoding="cp1251"))
    command(str(path), "--user", data_entry.username, "--encoding", "cp1251")
    assert Agreement.objects.get().title == "Соглашение о займе"


def test_it_needs_a_known_user_and_a_readable_file(data_entry, tmp_path):
    with pytest.raises(CommandError, match="No active user “ghost”"):
        command(str(tmp_path / "x.csv"), "--user", "ghost")
    with pytest.raises(CommandError, match="Cannot open .*missing.csv"):
        command(str(tmp_path / "missing.csv"), "--user", data_entry.username)


def test_a_viewer_cannot_import(viewer, files):
    with pytest.raises(CommandError):
        command(str(files[0]), "--user", viewer.username)
    assert not Agreement.objects.exists()
