"""Demo journeys: the onboarding and recruitment starters running, with people at different
steps, opens and clicks, and two applications waiting for review.

The engine runs here on the injectable clock, set back to the past weeks, so that what the
screens show is what the engine did, not rows written by hand."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.db import session
from app.models import User
from campaigns.journeys import lifecycle, starters, store, triggers
from campaigns.journeys.models import Application, JourneySend, Prospect
from directory.models import Partner

PROSPECTS = [
    ("Nordlicht Solar GmbH", "Jana Weber", "DE", "nordlicht-solar.example"),
    ("Helios Install BV", "Daan de Vries", "NL", "helios-install.example"),
    ("SunRoof Lyon SARL", "Claire Martin", "FR", "sunroof-lyon.example"),
    ("Alpine Heat AG", "Lukas Huber", "AT", "alpine-heat.example"),
    ("GreenWatt Ltd", "Oliver Smith", "GB", "greenwatt.example"),
    ("Brabant Energie", "Sanne Jansen", "NL", "brabant-energie.example"),
    ("Rhein Power KG", "Felix Becker", "DE", "rhein-power.example"),
    ("Soleil Services", "Emma Dubois", "FR", "soleil-services.example"),
]


def _engage(journey_id: int, rng: random.Random, open_share: float, click_share: float) -> None:
    """Some of the journey's emails opened, fewer clicked (and a few opens by proxies)."""
    for send in session.execute(
        select(JourneySend).where(JourneySend.journey_id == journey_id)
    ).scalars():
        if rng.random() < open_share:
            send.opened_at = send.sent_at + timedelta(hours=rng.randint(1, 30))
            send.opens = rng.randint(1, 3)
            send.opened_by_proxy = rng.random() < 0.15
            if rng.random() < click_share / open_share:
                send.clicked_at = send.opened_at + timedelta(minutes=rng.randint(1, 90))
                send.clicks = 1
                send.opened_by_proxy = False
    session.commit()


def _with_tags(definition: dict) -> dict:
    """The onboarding starter as the demo runs it: a VIP partner (tag "vip") gets its channel
    manager told, and a partner that saw the first campaign is tagged "onboarded" (no longer
    "new"), so the tag condition and the tag action show on the flow and the partners."""
    steps = {step["id"]: step for step in definition["steps"]}
    steps["welcome"]["next"] = "vip"
    steps["first-campaign"]["next"] = "tag-onboarded"
    extra = [
        {"id": "vip", "type": "condition", "title": "A VIP partner?", "yes": "tell-manager",
         "no": "wait-3-days", "if": {"fact": "partner", "field": "tags", "values": ["vip"]}},
        {"id": "tell-manager", "type": "notify", "title": "Tell the channel manager",
         "subject": "A VIP partner is onboarding: {{ name }}",
         "body": "{{ name }} (tagged vip) started onboarding: a call this week helps.",
         "next": "wait-3-days"},
        {"id": "tag-onboarded", "type": "update_partner", "title": "Tag it onboarded",
         "tag": "onboarded", "remove_tag": "new", "next": "goal"},
    ]  # fmt: skip
    return {**definition, "steps": [*definition["steps"], *extra]}


def _run_until(when) -> None:
    clock.set(when)
    store.run_until_idle()


def load_journeys(author: User, rng: random.Random) -> dict[str, int]:
    """Copy, publish and run two starters over the past two weeks; what was made."""
    now = clock.now()
    try:
        onboarding = starters.copy_starter("onboarding", author)
        lifecycle.update_journey(onboarding, {"definition": _with_tags(onboarding.draft)}, author)
        recruitment = starters.copy_starter("recruitment", author)
        prospects = []
        for company, contact, country, domain in PROSPECTS:
            prospect = Prospect(
                company=company,
                contact_name=contact,
                email=f"{contact.split()[0].lower()}@{domain}",
                country=country,
                website=f"https://www.{domain}",
                domain=domain,
                source="trade fair",
            )
            session.add(prospect)
            prospects.append(prospect)
        session.flush()
        # the engine runs twice a day (09:00 and 15:00 UTC: in the business hours of the
        # starters' send window) over the past two weeks; never past now
        start = (now - timedelta(days=14)).replace(hour=8, minute=0, second=0, microsecond=0)
        clock.set(start)
        lifecycle.publish(onboarding, author)
        lifecycle.publish(recruitment, author)
        session.commit()
        partner_ids = list(
            session.execute(
                select(Partner.id)
                .where(Partner.status.in_(("onboarding", "active")))
                .order_by(Partner.id)
            ).scalars()
        )
        # onboarding: a first wave two weeks ago, a second one five days ago
        split = max(1, len(partner_ids) * 3 // 5)
        first_wave, second_wave = partner_ids[:split][:8], partner_ids[split:][:5]
        lifecycle.enroll_many(onboarding, author, partner_ids=first_wave, source="manual")
        lifecycle.enroll_many(recruitment, author, prospect_ids=[p.id for p in prospects[:6]])
        session.commit()
        for day in range(0, 15):
            for hour in (9, 15):
                when = start.replace(hour=hour) + timedelta(days=day)
                if when <= now:
                    _run_until(when)
            if day == 2:
                _engage(onboarding.id, rng, 0.7, 0.35)
                _engage(recruitment.id, rng, 0.6, 0.3)
            if day == 3:
                # two prospects apply: their applications wait for review
                for prospect in prospects[:2]:
                    session.add(
                        Application(
                            company=prospect.company,
                            contact_name=prospect.contact_name,
                            email=prospect.email,
                            country=prospect.country,
                            website=prospect.website,
                            domain=prospect.domain,
                            partner_type="installer",
                            specialties=["Solar"],
                            message="We install 300 systems a year and would like to join.",
                            consent_text="I agree to be contacted about the partner program.",
                            consent_given_at=clock.now(),
                            prospect_id=prospect.id,
                            created_at=clock.now(),
                        )
                    )
                    prospect.status = "applied"
                    triggers.fire("application_submitted", prospect_id=prospect.id)
                session.commit()
            if day == 9:
                lifecycle.enroll_many(onboarding, author, partner_ids=second_wave)
                lifecycle.enroll_many(
                    recruitment, author, prospect_ids=[p.id for p in prospects[6:]]
                )
                session.commit()
            if day == 11:
                _engage(onboarding.id, rng, 0.5, 0.25)
        _run_until(now)
        _engage(recruitment.id, rng, 0.5, 0.2)
    finally:
        clock.reset()
    return {"journeys": 2, "prospects": len(prospects), "applications": 2}
