"""The search box is answered from PostgreSQL's trigram indexes, one per searched column of the
agreements and their milestones (migration 0025): an index whose expression differs by a cast from
the SQL Django writes is never used, and a single index over three ORed columns was costed above
reading every milestone (README, "Performance", seventh pass). What the search finds is the same on
both engines: by the reference, title and summary, any searched column of a milestone or a progress
update, each agreement once (a party's name: tests/web/test_list_views.py)."""
from __future__ import annotations

import pytest
from django.db import connection, transaction

from agreements.filters import search_condition
from agreements.models import Agreement
from tests.conftest import needs_postgres
from tests.factories import AgreementFactory, MilestoneFactory, ProgressUpdateFactory


def search_plan(value: str) -> str:
    """The plan of the list's count for a search (agreements.filters.search_condition)."""
    sql, params = Agreement.objects.filter(search_condition(value)).values("pk").query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test database is small enough to read whole
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
def test_each_searched_column_has_an_index_the_search_uses():
    needs_postgres("trigram indexes are PostgreSQL's (pg_trgm)")
    plan = search_plan("JICA")
    for index in ("agreements_agreement_reference_trgm", "agreements_agreement_title_trgm",
                  "agreements_agreement_summary_trgm", "agreements_milestone_title_trgm",
                  "agreements_milestone_evidence_trgm", "agreements_milestone_waiver_trgm",
                  "agreements_progressupdate_search_trgm"):
        assert index in plan, plan
    assert "agreements_milestone_search_trgm" not in plan


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["title", "evidence", "waiver_reason"])
def test_the_search_finds_an_agreement_by_any_searched_milestone_column(field):
    wanted, other = AgreementFactory(), AgreementFactory()
    MilestoneFactory(agreement=wanted, **{field: "Signed with the Samarkand regional hokimiyat"})
    MilestoneFactory(agreement=other)
    found = Agreement.objects.filter(search_condition("samarkand REGIONAL"))
    assert list(found) == [wanted]


@pytest.mark.django_db
def test_the_search_finds_each_agreement_once_by_its_own_columns_parties_and_updates():
    by_title = AgreementFactory(title="Tashkent metro signalling")
    by_summary = AgreementFactory(summary="Signalling for the Tashkent metro's new line")
    by_reference = AgreementFactory()
    by_update, neither = AgreementFactory(), AgreementFactory()
    ProgressUpdateFactory(agreement=by_update, summary="Signalling trial done", next_steps="More signalling")
    MilestoneFactory(agreement=by_title, title="Signalling design")  # a second match: still one row
    found = Agreement.objects.filter(search_condition("SIGNALLING")).order_by("pk")
    assert list(found) == [by_title, by_summary, by_update]
    assert list(Agreement.objects.filter(search_condition(by_reference.reference.lower()))) == [by_reference]
    assert neither not in Agreement.objects.filter(search_condition("signalling"))
