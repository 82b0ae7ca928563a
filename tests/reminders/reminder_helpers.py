"""Helpers of the tests that run a real Celery worker and SMTP server (test_celery_integration,
test_faults_broker). Time runs for real there: dates are taken in ZONE as it is now."""
from __future__ import annotations

import datetime
import zoneinfo
from collections import Counter

from django.utils import timezone

from agreements.models import Reminder
from tests.factories import AgreementFactory, MilestoneFactory, UserFactory
from tests.services import wait_until

ZONE = "Asia/Tokyo"
SENT = Reminder.State.SENT


def local_today(zone: str = ZONE) -> datetime.date:
    """Today where `zone`'s people are: Tokyo's date runs ahead of Tashkent's from 15:00 to 19:00 UTC."""
    return timezone.now().astimezone(zoneinfo.ZoneInfo(zone)).date()


def zone_officer(name: str, **fields):
    """An officer in ZONE who gets only the reminders the test sets up."""
    return UserFactory(username=name, role="Officer", **{"time_zone": ZONE, "notify_stale": False, **fields})


def due_soon_for(user, days: int = 7):
    agreement = AgreementFactory(owner=user)
    return MilestoneFactory(agreement=agreement, owner=user, due_on=local_today() + datetime.timedelta(days=days))


def tasks():
    from agreements.reminders import tasks as module

    return module


def all_sent(count: int):
    return lambda: Reminder.objects.filter(state=SENT).count() == count and Reminder.objects.count() == count


def dispatch_until(cluster, condition, timeout: float = 45, what: str = "every reminder sent") -> None:
    """Run the dispatcher (beat does every minute) every half second until `condition` holds."""
    wait_until(lambda: cluster.run(tasks().dispatch_reminders) or condition(), timeout, what, interval=0.5)


def settle_down(cluster) -> None:
    """One more sweep and dispatch, waited for: a late duplicate would show after these."""
    cluster.run(tasks().sweep_reminders)
    cluster.run(tasks().dispatch_reminders)


def tally(inbox, expected: list[str]) -> tuple[int, int]:
    """(e-mails duplicated, e-mails lost) at the SMTP server, against one e-mail per expected address."""
    got, wanted = Counter(m["To"] for m in inbox.snapshot()), Counter(expected)
    return sum((got - wanted).values()), sum((wanted - got).values())
