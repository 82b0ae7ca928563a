"""Both sides confirm, in the browser (issue 19): a contact opens the link signed out, disputes with a
comment, and the owner sees the dispute on the agreement page."""
from __future__ import annotations

import pytest

from agreements import confirming, workflow
from agreements.models import Status
from tests.factories import AgreementFactory, FocalPointFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_contact_disputes_by_the_link_and_the_owner_reads_it(live_page):
    owner = UserFactory(username="owner", role="Officer")
    manager = UserFactory(username="boss", role="Manager")
    agreement = AgreementFactory(owner=owner, title="Solar plant in Navoi")
    for step in (Status.SIGNED, Status.IN_PROGRESS):
        workflow.transition(agreement, step, by=manager)
    FocalPointFactory(agreement=agreement, language="en")
    workflow.transition(agreement, Status.PENDING_CLOSURE, by=owner)
    [row] = agreement.confirmations.all()

    page = live_page
    page.goto(page.url_for(f"/confirm/{confirming.token_for(row)}/"))
    assert "Solar plant in Navoi" in page.content()
    page.get_by_label("I dispute").check()
    page.get_by_role("button", name="Send my answer").click()
    assert "Say what is not right" in page.content()
    page.get_by_label("I dispute").check()
    page.get_by_label("Comment").fill("The handover report is not signed yet.")
    page.get_by_role("button", name="Send my answer").click()
    page.get_by_text("your dispute is recorded").wait_for()

    page.sign_in(owner)
    page.goto(page.url_for(agreement.get_absolute_url()))
    panel = page.locator("#confirmations")
    assert panel.get_by_text("Comment: The handover report is not signed yet.").is_visible()
    assert panel.get_by_text("the Central Asian side disputed the closure").is_visible()
