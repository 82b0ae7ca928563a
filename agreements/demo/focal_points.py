"""Focal points for the demo (issue 19, "both sides confirm"): every third summit document in progress
has one per side — a Japanese officer of the tracker and a named contact of the Central Asian party,
who has no account — and its next planned milestone needs the counterpart's confirmation. Synthetic
like the rest of the follow-up (README, "The demo"): the names and addresses are invented."""
from __future__ import annotations

import random

from agreements.models import FocalPoint, Origin, Status, User

# (given name, family name) by country; e-mail addresses on example domains (RFC 2606).
CONTACTS = {
    "KZ": [("Aigul", "Seitkali"), ("Daniyar", "Omarov")],
    "KG": [("Nurlan", "Abdyldaev"), ("Aizada", "Toktogulova")],
    "TJ": [("Farrukh", "Rahimov"), ("Madina", "Nazarova")],
    "TM": [("Serdar", "Annayev"), ("Ogulgerek", "Berdiyeva")],
    "UZ": [("Dilnoza", "Karimova"), ("Jasur", "Tursunov")],
}


def chosen(built: list, every: int = 3) -> list:
    """The summit documents in progress, every `every`-th of them (in reference order)."""
    summit = [b for b in built if b.agreement.origin == Origin.SUMMIT and b.agreement.status == Status.IN_PROGRESS]
    return summit[::every]


def flag_next_milestones(chosen_built: list) -> None:
    """Before the rows are written: the next planned milestone of each waits for the counterpart's word."""
    for item in chosen_built:
        planned = sorted((m for m in item.milestones if m.state == "planned"), key=lambda m: m.due_on)
        if planned:
            planned[0].needs_counterpart_confirmation = True


def rows(chosen_built: list, officers: list[User], rng: random.Random) -> list[FocalPoint]:
    """Unsaved focal points for agreements already written (their pk set)."""
    japanese = [user for user in officers if user.time_zone == "Asia/Tokyo"]
    points = []
    for item in chosen_built:
        agreement = item.agreement
        country = next((p.organization.country.code for p in item.parties
                        if p.organization.country.code in CONTACTS), None)
        user = rng.choice([u for u in japanese if u.pk != agreement.owner_id] or japanese)
        points.append(FocalPoint(agreement=agreement, side=FocalPoint.Side.JAPANESE, user=user))
        if country:
            given, family = rng.choice(CONTACTS[country])
            points.append(FocalPoint(
                agreement=agreement, side=FocalPoint.Side.CENTRAL_ASIAN, name=f"{given} {family}",
                email=f"{given[0].lower()}.{family.lower()}@ministry.example.{country.lower()}", language="ru"))
    return points
