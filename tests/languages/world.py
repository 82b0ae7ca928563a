"""A small tracker whose every piece of user text is Russian or Japanese: on its pages, any English
word left can only come from the interface (tests/languages/test_browser_languages.py)."""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from agreements import workflow
from agreements.actions.progress import record_progress
from agreements.models import Agreement, Milestone, Party, User
from tests.factories import AgreementFactory, MilestoneFactory, OrganizationFactory, UserFactory

TODAY = datetime.date(2026, 6, 10)


@dataclass
class World:
    officer: User
    manager: User
    second_manager: User
    viewer: User
    data_entry: User
    working: Agreement
    pending: Agreement
    milestone: Milestone


def person(username: str, first: str, last: str, role: str, language: str, **extra) -> User:
    return UserFactory(username=username, first_name=first, last_name=last, role=role, language=language,
                       email=f"{username}@example.org", **extra)


def build() -> World:
    officer = person("olga", "Ольга", "Иванова", "Officer", "ru", time_zone="Asia/Tashkent")
    manager = person("tanaka", "雅人", "田中", "Manager", "ja", is_staff=True, time_zone="Asia/Tokyo")
    second = person("sato", "健", "佐藤", "Manager", "ja", is_staff=True, time_zone="Asia/Tokyo")
    viewer = person("viktor", "Виктор", "Смирнов", "Viewer", "ru")
    entry = person("dana", "Дана", "Ахметова", "Data entry", "ru", is_staff=True)
    ministry = OrganizationFactory(name="Министерство энергетики Республики Казахстан", short_name="Минэнерго",
                                   country="KZ", kind="ministry")
    agency = OrganizationFactory(name="独立行政法人国際協力機構", short_name="国際協力機構", country="JP", kind="agency")
    working = agreement("CAJ-2025-101", "Меморандум о сотрудничестве в области возобновляемой энергетики",
                        officer, [ministry, agency], value=Decimal("1500000000"), currency="JPY")
    pending = agreement("CAJ-2025-102", "交換公文（防災能力強化計画）", officer, [agency, ministry])
    for target in ("signed", "in_progress"):
        workflow.transition(working, target, by=manager)
        workflow.transition(pending, target, by=manager)
    milestone = MilestoneFactory(agreement=working, title="Технико-экономическое обоснование", owner=officer,
                                 due_on=TODAY - datetime.timedelta(days=20))
    MilestoneFactory(agreement=working, title="入札の実施", owner=officer, due_on=TODAY + datetime.timedelta(days=5))
    MilestoneFactory(agreement=pending, title="機材の引渡し", owner=officer, state="done",
                     done_on=TODAY - datetime.timedelta(days=30), evidence="引渡し証明書")
    record_progress(working, by=officer, percent_complete=40, health="at_risk",
                    summary="Подрядчик задерживает поставку оборудования.", next_steps="Совещание в Астане.")
    record_progress(pending, by=officer, percent_complete=100, health="on_track", summary="全ての機材が引き渡された。")
    workflow.transition(pending, "pending_closure", by=manager)
    return World(officer, manager, second, viewer, entry, working, pending, milestone)


def agreement(reference: str, title: str, owner: User, parties, **fields) -> Agreement:
    made = AgreementFactory(reference=reference, title=title, owner=owner, parties=0, signed_at="Токио",
                            summary="Стороны договорились о сотрудничестве.", lead_organization=parties[0], **fields)
    for organization in parties:
        Party.objects.create(agreement=made, organization=organization)
    return made
