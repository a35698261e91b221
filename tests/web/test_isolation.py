"""The isolation walk: every registered route, as a user of partner B, against partner A's objects.

Routes come from the URL map, so a new route is walked without editing this test. A route
parameter this test cannot fill fails the test, so that nobody adds a route it does not cover.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.db import session
from app.models import ApiToken, AuditEntry, Invitation, MailMessage, Role, User
from campaigns.journeys import lifecycle as journey_lifecycle
from campaigns.journeys.models import Application, Prospect
from directory import brand_kits, people
from directory.demo_logos import generate_logo
from directory.leads.models import Lead, PartnerLeadSettings
from directory.models import Location, Partner
from tests.factories.leads import assigned_lead
from tests.factories.recruitment import make_application, make_prospect
from tests.factories.scorecards import scored_with_a_recommendation

MARKERS = [
    b"Alpha Secret Partner",
    b"Alpha Secret Campaign",
    b"partner_admin@a.example",
    b"partner_member@a.example",
    b"alpha.example",
    b"Alpha Secret Journey",
    b"Secret Prospect Co",
    b"Secret Applicant Co",
]
HOSTILE_FORM = {
    "name": "HACKED",
    "email": "hacker@b.example",
    "active": "no",
    "status": "terminated",
    "city": "Nowhere",
    "country_code": "DE",
    "primary_color": "#ff0000",
    "tagline": "HACKED",
    "role": "partner_member",
    "action": "save",
    "note": "x",
}


@pytest.fixture
def a_objects(world, app):
    """Objects that belong to partner A, by route parameter name."""
    with app.app_context(), app.test_request_context():
        a = session.get(Partner, world.a_id)
        brand_kits.set_logo(a, generate_logo("Alpha"), "test")
        a_admin = session.get(User, world.users["a_partner_admin"].id)
        invitation, _token = people.invite(
            "new@a.example", Role.PARTNER_MEMBER, a_admin, partner_id=a.id
        )
        api_token, _ = people.create_api_token(a_admin, "a token")
        session.commit()
        campaign, asset = _campaign_for_a_only(a)
        card, recommendation = scored_with_a_recommendation(a.id)
        lead = assigned_lead(a)
        message = session.execute(select(MailMessage)).scalars().first()
        journey = journey_lifecycle.create_journey(
            {
                "name": "Alpha Secret Journey",
                "definition": {"audience": {"kind": "partners", "rules": {"min_tier": "Gold"}}},
            },
            "test",
        )
        prospect = make_prospect("Secret Prospect Co")
        application = make_application(
            company="Secret Applicant Co", email="applicant@secret-applicant.example"
        )
        session.commit()
        return {
            "partner_id": a.id,
            "location_id": a.locations[0].id,
            "user_id": a_admin.id,
            "invitation_id": invitation.id,
            "token_id": api_token.id,
            "message_id": message.id,
            "tier_id": a.tier_id,
            # vendor-only objects: a partner user must not learn they exist
            "template_id": asset.template_version.template_id,
            "version_id": asset.template_version_id,
            "campaign_id": campaign.id,
            "journey_id": journey.id,
            "prospect_id": prospect.id,
            "application_id": application.id,
            "asset_id": asset.id,
            "scorecard_id": card,
            "recommendation_id": recommendation,
            "lead_id": lead.id,
            "slug": "product-flyer",
            "fmt": "pdf",
            "variant": "original",
            "which": "regions",
            "token": "not-a-valid-token",
            "ext": "png",
            "filename": "leaflet.js",
            "change_id": _profile_change(a),
        }


def _profile_change(a) -> int:
    from directory.locator.models import ProfileChange

    change = ProfileChange(partner_id=a.id, changes={"description": "Alpha Secret"}, note="")
    session.add(change)
    session.commit()
    return change.id


def _campaign_for_a_only(a):
    """A live campaign targeted at partner A alone (Gold and above), with one asset."""
    from brand_templates.library import load_starter
    from brand_templates.versions import import_template, publish
    from campaigns import assets, lifecycle

    version = import_template(session, load_starter("social-square"), slug="social-square")
    publish(session, version)
    campaign = lifecycle.create_campaign(
        {"name": "Alpha Secret Campaign", "targeting": {"min_tier": "Gold"}}, "test"
    )
    asset = assets.add_asset(campaign, {"template_version_id": version.id}, "test")
    session.commit()
    lifecycle.launch(campaign.id)
    return campaign, asset


def _urls(app, values):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        missing = [arg for arg in rule.arguments if arg not in values]
        assert not missing, f"the isolation walk cannot fill {missing} of {rule.rule}: add it"
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, url


def _state(app, world):
    with app.app_context():
        a = session.get(Partner, world.a_id)
        return {
            "partner": (a.name, a.status, a.email, a.website, a.description),
            "kit": (
                a.brand_kit.primary_color,
                a.brand_kit.tagline,
                a.brand_kit.logo_key,
                a.brand_kit.version,
            ),
            "locations": [(loc.id, loc.city) for loc in a.locations],
            "users": [
                (u.email, u.active, u.name)
                for u in session.execute(
                    select(User).where(User.partner_id == a.id).order_by(User.id)
                ).scalars()
            ],
            "invitations": [
                (i.id, i.revoked_at)
                for i in session.execute(
                    select(Invitation).where(Invitation.partner_id == a.id)
                ).scalars()
            ],
            "leads": [
                (lead.id, lead.status, lead.partner_id, lead.email, lead.sla_state)
                for lead in session.execute(select(Lead).order_by(Lead.id)).scalars()
            ],
            "lead_settings": session.execute(
                select(PartnerLeadSettings.id).where(PartnerLeadSettings.partner_id == a.id)
            ).all(),
            "tokens": [
                (t.id, t.revoked_at)
                for t in session.execute(select(ApiToken)).scalars()
                if t.partner_id == a.id
            ],
            "prospects": session.execute(
                select(Prospect.id, Prospect.company, Prospect.status, Prospect.notes)
            ).all(),
            "applications": session.execute(
                select(Application.id, Application.status, Application.partner_id)
            ).all(),
        }


@pytest.mark.parametrize("who", ["b_partner_admin", "b_partner_member"])
def test_partner_b_reaches_nothing_of_partner_a(app, client, world, a_objects, who):
    before = _state(app, world)
    email = world.users[who].email
    assert (
        client.post(
            "/login", data={"email": email, "password": "correct-horse-battery"}
        ).status_code
        == 302
    )

    with app.app_context():
        b_user = session.get(User, world.users[who].id)
        _row, b_token = people.create_api_token(b_user, "b token")
        session.commit()
    walked = 0
    for rule, method, url in _urls(app, a_objects):
        if rule.endpoint in ("account.logout",):
            continue
        kwargs = {"data": HOSTILE_FORM} if method == "POST" else {}
        if rule.endpoint.startswith("api."):
            kwargs = (
                {"json": {"name": "HACKED", "description": "HACKED"}}
                if method in ("POST", "PATCH")
                else {}
            )
            kwargs["headers"] = {"Authorization": f"Bearer {b_token}"}
        response = client.open(url, method=method, **kwargs)
        walked += 1
        body = response.get_data()
        for marker in MARKERS:
            assert marker not in body, f"{method} {url} leaks {marker!r} to {who}"
        takes_a_object = any(arg.endswith("_id") for arg in rule.arguments)
        if takes_a_object:
            assert response.status_code in (404, 403, 405), (
                f"{method} {url} answered {response.status_code} to a user of partner B"
            )
        assert response.status_code < 500, f"{method} {url} answered {response.status_code}"
        # the walk must stay signed in as B (a 302 to the login page would hide leaks)
        is_public = app.view_functions[rule.endpoint].allowed_roles is None
        if response.status_code == 302 and not is_public:
            assert "/login" not in response.headers["Location"], f"{method} {url} signed B out"
    assert walked > 40
    assert _state(app, world) == before, "partner A's data changed"
    with app.app_context():
        by_b = session.execute(
            select(AuditEntry).where(
                AuditEntry.partner_id == world.a_id, AuditEntry.actor_id == world.users[who].id
            )
        ).all()
        assert by_b == []


def test_partner_a_reaches_its_own_objects(app, client, world, a_objects):
    """The positive control: the same URLs work for partner A, so the walk's 404s mean something."""
    client.post(
        "/login", data={"email": "partner_admin@a.example", "password": "correct-horse-battery"}
    )
    assert client.get(f"/portal/locations/{a_objects['location_id']}").status_code == 200
    assert client.get("/portal/brand-kit/logo/original").status_code == 200
    assert (
        b"Alpha Secret Campaign" in client.get(f"/portal/campaigns/{a_objects['campaign_id']}").data
    )
    assert client.get(f"/portal/assets/{a_objects['asset_id']}/download/png").status_code == 200
    page = client.get("/portal/team").get_data()
    assert b"partner_member@a.example" in page and b"partner_member@b.example" not in page


def test_scope_hides_rows_in_domain_queries(app, world):
    """The mechanism itself: under a scope, queries and session.get find only the partner's rows."""
    from app.tenancy import scope_to_partner

    with app.app_context():
        scope_to_partner(session, world.b_id)
        try:
            assert session.execute(select(Partner.name)).scalars().all() == ["Bravo Partner"]
            assert session.get(Partner, world.a_id) is None
            assert all(
                loc.partner_id == world.b_id for loc in session.execute(select(Location)).scalars()
            )
            assert {u.partner_id for u in session.execute(select(User)).scalars()} == {world.b_id}
        finally:
            scope_to_partner(session, None)
            session.remove()
