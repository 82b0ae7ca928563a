"""The dashboard at the edges: nothing to count, text typed by people, odd data."""
from __future__ import annotations

import datetime

import time_machine

from agreements.models import Agreement, Pillar
from tests.factories import AgreementFactory, MilestoneFactory
from tests.reports.reports_support import list_count, parse_links

NOW = datetime.datetime(2026, 6, 10, 9, tzinfo=datetime.timezone.utc)


def test_an_empty_database_shows_zeros_and_links_nothing(client, manager):
    client.force_login(manager)
    response = client.get("/reports/")
    assert response.status_code == 200
    dash = response.context["dash"]
    assert dash.headline["total"].count == 0 and not dash.headline["total"].linked
    assert dash.implementation_share == 0
    assert len(dash.months) == 1  # the current month only
    links = parse_links(response.content.decode()).links
    assert [link for link in links if link["data-counts"] != "link"] == []  # only "open as a list" remains


@time_machine.travel(NOW, tick=False)
def test_text_typed_by_people_is_escaped_in_tables_and_charts(client, manager):
    Pillar.objects.filter(code="connectivity").update(name="Rails <script>alert(1)</script>")
    agreement = AgreementFactory(pillar=Pillar.objects.get(code="connectivity"), title="<b>Bold</b> title")
    MilestoneFactory(agreement=agreement, due_on=datetime.date(2026, 6, 1), title="<i>late</i>")
    client.force_login(manager)
    html = client.get("/reports/").content.decode()
    assert "<script>alert(1)</script>" not in html and "Rails &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Bold</b>" not in html and "&lt;i&gt;late&lt;/i&gt;" in html


def test_a_currency_typed_in_lower_case_is_counted_with_the_same_currency(client, manager):
    AgreementFactory(value=100, currency="JPY")
    other = AgreementFactory(value=50, currency="JPY")
    Agreement.objects.filter(pk=other.pk).update(currency="jpy")  # e.g. a bulk import that skipped clean()
    client.force_login(manager)
    money = client.get("/reports/").context["dash"].money
    assert [(row.key, row.total.count, row.total.agreements) for row in money.rows] == [("JPY", 150, 2)]
    assert list_count(manager, money.rows[0].total.query) == 2
