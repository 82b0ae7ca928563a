"""factory-boy factories: small, valid defaults; tests override what they care about."""
from __future__ import annotations

import datetime

import factory
from django.contrib.auth.models import Group

from agreements.models import Agreement, FocalPoint, Milestone, Organization, Party, Pillar, ProgressUpdate, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    country = "JP"
    kind = "ministry"


class AgreementFactory(factory.django.DjangoModelFactory):
    """A signed agreement with an owner and two parties unless told otherwise.

    Status is not a field you can pass: build the state through agreements.workflow
    (tests/conftest.py has `move_to`)."""

    class Meta:
        model = Agreement
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"T-{n:05d}")
    title = factory.Sequence(lambda n: f"Memorandum on cooperation no. {n}")
    pillar = factory.LazyFunction(lambda: Pillar.objects.get(code="green-resilience"))
    signed_on = datetime.date(2025, 12, 19)
    owner = factory.SubFactory(UserFactory, role="Officer")

    @factory.post_generation
    def parties(self, create, extracted, **kwargs):
        if not create:
            return
        count = 2 if extracted is None else extracted
        for index in range(count):
            country = "JP" if index == 0 else "UZ"
            Party.objects.create(agreement=self, organization=OrganizationFactory(country=country))


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    agreement = factory.SubFactory(AgreementFactory)
    title = factory.Sequence(lambda n: f"Milestone {n}")
    due_on = datetime.date(2026, 6, 1)


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressUpdate

    agreement = factory.SubFactory(AgreementFactory)
    author = factory.LazyAttribute(lambda u: u.agreement.owner)
    percent_complete = 10
    health = "on_track"
    summary = "Work proceeds."


class FocalPointFactory(factory.django.DjangoModelFactory):
    """A side's focal point (issue 19): a contact without an account unless `user=` is given."""

    class Meta:
        model = FocalPoint

    agreement = factory.SubFactory(AgreementFactory)
    side = FocalPoint.Side.CENTRAL_ASIAN
    name = factory.LazyAttribute(lambda p: "" if p.user else "Dilnoza Karimova")
    email = factory.LazyAttribute(lambda p: "" if p.user else "d.karimova@mininvest.example.uz")
    language = factory.LazyAttribute(lambda p: "" if p.user else "ru")
    user = None
