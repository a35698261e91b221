"""Who may use what: every (endpoint, method) of the app against each of the five roles.

The table below is the specification. A role in ``allowed`` must get a 2xx, or a 3xx that does
not send it to the sign-in page; every other signed-in role is refused with 403 (vendor users)
or 404 (partner users, who are never told that a page exists). Anonymous visitors are sent to
/login (pages) or get 401 (the API). A route that is missing from the table fails the test.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pytest
from flask import Blueprint, Flask
from sqlalchemy import func, select

from app.db import session
from app.models import ApiToken, AuditEntry, Invitation, MailMessage, ProgramSettings, Role, User
from app.web.access import public, roles
from brand_templates.library import load_starter
from brand_templates.versions import import_template, publish
from campaigns import assets, lifecycle
from campaigns.journeys import lifecycle as journey_lifecycle
from directory import brand_kits, people
from directory.demo_logos import generate_logo
from directory.models import Location, Partner
from tests.factories.leads import assigned_lead
from tests.factories.scorecards import scored_with_a_recommendation

ADMIN = frozenset({"admin"})
MANAGERS = frozenset({"admin", "channel_manager"})
AUTHORS = frozenset({"admin", "marketer"})  # brand-template authors
MARKETERS = frozenset({"admin", "marketer"})  # campaign builders
VENDOR = frozenset({"admin", "marketer", "channel_manager"})
PARTNER = frozenset({"partner_admin", "partner_member"})
PARTNER_ADMIN = frozenset({"partner_admin"})
EVERYONE = VENDOR | PARTNER

# one user per role; partner users belong to partner A, whose objects the table targets
USERS = {
    "admin": "admin@vendor.example",
    "marketer": "marketer@vendor.example",
    "channel_manager": "cm@vendor.example",
    "partner_admin": "partner_admin@a.example",
    "partner_member": "partner_member@a.example",
}
PUBLIC_ENDPOINTS = {
    "static",
    "public.home",
    "public.health",
    "public.favicon",
    "public.program_logo",
    "public.email_image",
    "public.unsubscribe",
    "public.journey_open",
    "public.journey_click",
    "account.login",
    "account.logout",
    "account.forgot_password",
    "account.reset_password",
    "account.accept_invitation",
    "api_docs.openapi",
    "public.become_a_partner",
    "public.application_thanks",
    "public.lead_request",
    "public.lead_sent",
    "public.where_to_buy",
    "public.place_suggestions",
    "public.partner_profile",
    "public.partner_logo",
    "public.sitemap",
    "public.robots",
    "public.widget_script",
    "public.leaflet",
    "public_api.locator",
    "public_api.partner",
}
PROSPECT_CSV = b"company,email,country\nProbe Prospects,probe@prospects.example,FR\n"
CSV = b"name,slug,type,tier,countries\nPermission Probe,permission-probe,reseller,Gold,DE\n"
# a journey for partners of tier Gold and partner A, whatever the walk did to it: an email
JOURNEY_DEFINITION = {
    "audience": {"kind": "partners", "rules": {"min_tier": "Gold"}},
    "steps": [{"id": "welcome", "type": "email", "subject": "Hello", "body": "Welcome."}],
}
# the journey's settings form, keeping it aimed at partner A (Gold and included)
JOURNEY_SETTINGS = {
    "name": "Alpha Secret Journey",
    "audience_kind": "partners",
    "min_tier": "Gold",
    "include_partner_ids": "{partner_id}",
    "trigger_kind": "manual",
}
SCORECARD_JSON = {
    "name": "API Probe Card",
    "lines": [{"metric": "revenue", "weight": 1, "method": "percentile"}],
}
METRICS_JSON = {
    "items": [
        {
            "partner_id": "{partner_id}",
            "metric": "revenue",
            "period_start": "2026-01-01",
            "period_end": "2026-03-31",
            "value": 10,
        }
    ]
}
# campaign form fields that keep the targets' campaign aimed at partner A (Gold) only
CAMPAIGN_FORM = {"objective": "promotion", "min_tier": "Gold", "statuses": "active"}


@dataclass(frozen=True)
class Rule:
    method: str
    path: str  # formatted with the ids of the `targets` fixture; may carry a query string
    allowed: frozenset
    data: dict | None = None  # its string values are formatted with the ids too
    json: dict | None = None  # a value "{name}" is replaced by that id (an integer)
    upload: bytes | None = None
    raw: tuple[str, bytes] | None = None  # (content type, bytes): a file as the whole body
    # a refusal that the view itself answers (not the role check), by role
    refused_with: dict = field(default_factory=dict)

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")

    def request_kwargs(self, role_token: str | None, ids: dict) -> dict:
        kwargs: dict = {}
        data = None
        if self.data is not None:
            data = {k: v.format(**ids) if isinstance(v, str) else v for k, v in self.data.items()}
        if self.upload is not None:
            kwargs["data"] = {**(data or {}), "file": (io.BytesIO(self.upload), "p.csv")}
            kwargs["content_type"] = "multipart/form-data"
        elif data is not None:
            kwargs["data"] = data
        if self.raw is not None:
            kwargs["content_type"], kwargs["data"] = self.raw
        if self.json is not None:
            kwargs["json"] = {k: _id_or_value(v, ids) for k, v in self.json.items()}
        if self.api and role_token:
            kwargs["headers"] = {"Authorization": f"Bearer {role_token}"}
        return kwargs


def _id_or_value(value, ids: dict):
    if isinstance(value, list):
        return [_id_or_value(item, ids) for item in value]
    if isinstance(value, dict):
        return {k: _id_or_value(item, ids) for k, item in value.items()}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids.get(value[1:-1], value)
    return value


# Ordered: the walk runs top to bottom, so deletions come last.
TABLE = [
    Rule("GET", "/account", EVERYONE),
    Rule("POST", "/account", EVERYONE, data={"action": "profile", "name": "Renamed"}),
    Rule("POST", "/account/tokens/{own_token_id}/revoke", EVERYONE),
    Rule("GET", "/admin/", VENDOR),
    Rule("GET", "/admin/partners", VENDOR),
    Rule("GET", "/admin/partners/export.csv", VENDOR),
    Rule("GET", "/admin/partners/new", MANAGERS),
    Rule("POST", "/admin/partners/new", MANAGERS, data={"name": "Permission New Partner"}),
    Rule("GET", "/admin/partners/{partner_id}", VENDOR),
    Rule("GET", "/admin/partners/{partner_id}/edit", MANAGERS),
    Rule(
        "POST",
        "/admin/partners/{partner_id}/edit",
        MANAGERS,
        data={"name": "Alpha Secret Partner", "description": "edited by a manager"},
    ),
    Rule(
        "POST",
        "/admin/partners/{partner_id}/status",
        MANAGERS,
        data={"status": "inactive", "note": "probe"},
    ),
    Rule("GET", "/admin/partners/{partner_id}/locations/new", MANAGERS),
    Rule(
        "POST",
        "/admin/partners/{partner_id}/locations/new",
        MANAGERS,
        data={"city": "Hamburg", "country_code": "DE"},
    ),
    Rule("GET", "/admin/locations/{location_id}", MANAGERS),
    Rule(
        "POST",
        "/admin/locations/{location_id}",
        MANAGERS,
        data={"city": "Munich", "country_code": "DE"},
    ),
    Rule("GET", "/admin/partners/{partner_id}/logo/thumb", VENDOR),
    Rule(
        "POST",
        "/admin/partners/{partner_id}/invite",
        MANAGERS,
        data={"email": "probe-admin@a.example", "name": "Probe"},
    ),
    Rule("GET", "/admin/partners/import", MANAGERS),
    Rule("POST", "/admin/partners/import", MANAGERS, data={"action": "preview"}, upload=CSV),
    Rule("GET", "/admin/partners/import/sample.csv", MANAGERS),
    # an import's report, once gone, sends back to the import page
    Rule("GET", "/admin/partners/import/report?key=imports/reports/00/gone.json", MANAGERS),
    Rule("GET", "/admin/partners/search.json?q=alpha", VENDOR),
    Rule("GET", "/admin/users", ADMIN),
    Rule(
        "POST",
        "/admin/users/invite",
        ADMIN,
        data={"email": "probe-staff@vendor.example", "role": "marketer"},
    ),
    Rule("POST", "/admin/users/{user_id}/active", ADMIN, data={"active": "yes"}),
    Rule("POST", "/admin/invitations/{invitation_id}/revoke", MANAGERS),
    Rule("GET", "/admin/settings", ADMIN),
    Rule(
        "POST",
        "/admin/settings",
        ADMIN,
        data={"vendor_name": "Probe Vendor", "program_name": "Probe Program"},
    ),
    Rule("POST", "/admin/tiers", ADMIN, data={"name": "Diamond", "rank": "50", "color": "#123456"}),
    Rule("POST", "/admin/tiers/{tier_id}", ADMIN, data={"action": "save", "color": "#654321"}),
    Rule("GET", "/admin/templates", VENDOR),
    Rule("POST", "/admin/templates/starters/social-square", AUTHORS),
    Rule("POST", "/admin/templates/upload", AUTHORS, data={"slug": "no-file"}),
    Rule("GET", "/admin/templates/{template_id}", VENDOR),
    Rule("POST", "/admin/templates/versions/{version_id}/publish", AUTHORS),
    Rule("GET", "/admin/templates/versions/{version_id}/preview", VENDOR),
    Rule("GET", "/admin/templates/versions/{version_id}/thumbnail.png", VENDOR),
    Rule("GET", "/admin/templates/versions/{version_id}/sample.html", VENDOR),
    Rule("GET", "/admin/campaigns", VENDOR),
    Rule("GET", "/admin/campaigns/new", MARKETERS),
    Rule(
        "POST", "/admin/campaigns/new", MARKETERS, data={"name": "Probe Campaign", **CAMPAIGN_FORM}
    ),
    Rule("POST", "/admin/campaigns/targeting-preview", VENDOR, data={"min_tier": "Gold"}),
    Rule("GET", "/admin/campaigns/{campaign_id}", VENDOR),
    Rule("GET", "/admin/campaigns/{campaign_id}/edit", MARKETERS),
    Rule(
        "POST",
        "/admin/campaigns/{campaign_id}/edit",
        MARKETERS,
        data={"name": "Alpha Secret Campaign", "description": "edited", **CAMPAIGN_FORM},
    ),
    Rule(
        "POST",
        "/admin/campaigns/{campaign_id}/assets",
        MARKETERS,
        data={"template_version_id": "{square_version_id}", "title": "Second square"},
    ),
    Rule("GET", "/admin/campaigns/assets/{asset_id}", VENDOR),
    Rule("GET", "/admin/campaigns/assets/{asset_id}/preview?partner_id={partner_id}", VENDOR),
    Rule(
        "POST",
        "/admin/campaigns/{campaign_id}/launch",
        MARKETERS,
        data={"action": "now", "confirmed": "yes"},
    ),
    Rule("POST", "/admin/campaigns/{campaign_id}/retry", MARKETERS),
    Rule("GET", "/admin/campaigns/{campaign_id}/progress.json", VENDOR),
    Rule("GET", "/admin/campaigns/{campaign_id}/dashboard", VENDOR),
    Rule("GET", "/admin/campaigns/{campaign_id}/dashboard/regions", VENDOR),
    Rule("GET", "/admin/campaigns/{campaign_id}/engagement.csv", VENDOR),
    Rule("GET", "/admin/outbox", VENDOR),
    Rule("GET", "/admin/outbox/{message_id}", ADMIN),
    Rule("GET", "/admin/audit", VENDOR),
    Rule("GET", "/admin/scorecards", VENDOR),
    Rule("POST", "/admin/scorecards/run?scorecard={scorecard_id}", MANAGERS),
    Rule("POST", "/admin/scorecards/starter", MANAGERS),
    Rule("GET", "/admin/scorecards/export.csv?scorecard={scorecard_id}", VENDOR),
    Rule("GET", "/admin/scorecards/partners/{partner_id}?scorecard={scorecard_id}", VENDOR),
    Rule("GET", "/admin/scorecards/recommendations?scorecard={scorecard_id}", VENDOR),
    Rule(
        "POST",
        "/admin/scorecards/recommendations/{recommendation_id}/dismiss",
        MANAGERS,
        data={"note": "Not this year"},
    ),
    Rule("POST", "/admin/scorecards/recommendations/{recommendation_id}/accept", MANAGERS),
    Rule("GET", "/admin/scorecards/pareto?scorecard={scorecard_id}", VENDOR),
    Rule(
        "POST",
        "/admin/scorecards/action-plan?scorecard={scorecard_id}",
        MANAGERS,
        data={"quadrant": "steady", "target": "campaign:{draft_campaign_id}"},
    ),
    Rule("GET", "/admin/scorecards/{scorecard_id}/edit", MANAGERS),
    Rule(
        "POST",
        "/admin/scorecards/{scorecard_id}/edit",
        MANAGERS,
        data={
            "name": "Probe card",
            "metric_0": "revenue",
            "weight_0": "1",
            "method_0": "percentile",
        },
    ),
    Rule("GET", "/admin/scorecards/metrics/import", MANAGERS),
    Rule(
        "POST",
        "/admin/scorecards/metrics/import",
        MANAGERS,
        data={"action": "preview"},
        upload=b"partner,metric,period_start,period_end,value\n1,revenue,2026-01-01,2026-03-31,9\n",
    ),
    Rule("GET", "/admin/scorecards/metrics/sample.csv", MANAGERS),
    Rule("GET", "/admin/leads", VENDOR),
    Rule("GET", "/admin/leads/export.csv", VENDOR),
    Rule("GET", "/admin/leads/map.json", VENDOR),
    Rule("GET", "/admin/leads/{lead_id}", VENDOR),
    Rule("POST", "/admin/leads/{lead_id}/conflict", MANAGERS, data={"note": "Looked at"}),
    Rule("POST", "/admin/leads/{lead_id}/assign", MANAGERS, data={"partner_id": "{partner_id}"}),
    Rule("GET", "/admin/leads/reports", VENDOR),
    Rule("GET", "/admin/leads/reports/conversion.csv", VENDOR),
    Rule("GET", "/admin/leads/settings", ADMIN),
    Rule(
        "POST",
        "/admin/leads/settings",
        ADMIN,
        data={"sla_hours": "48", "consent_text": "I agree to be contacted."},
    ),
    Rule("GET", "/admin/leads/privacy", ADMIN),
    Rule(
        "POST",
        "/admin/leads/privacy",
        ADMIN,
        data={"email": "nobody@customer.example", "action": "export"},
    ),
    Rule("GET", "/admin/partners/{partner_id}/lead-settings", MANAGERS),
    Rule(
        "POST",
        "/admin/partners/{partner_id}/lead-settings",
        MANAGERS,
        data={"accepts_leads": "yes", "postcodes": "101"},
    ),
    Rule("GET", "/portal/", PARTNER),
    Rule("GET", "/portal/scorecard", PARTNER),
    Rule("GET", "/portal/leads", PARTNER),
    Rule("GET", "/portal/leads/{lead_id}", PARTNER),
    Rule("POST", "/portal/leads/{lead_id}", PARTNER, data={"action": "accept"}),
    Rule("GET", "/portal/lead-settings", PARTNER),
    Rule(
        "POST",
        "/portal/lead-settings",
        PARTNER_ADMIN,
        data={"accepts_leads": "yes", "products": "Solar panels"},
        refused_with={"partner_member": 403},
    ),
    Rule("GET", "/portal/profile", PARTNER),
    Rule(
        "POST",
        "/portal/profile",
        PARTNER_ADMIN,
        data={"description": "edited by the partner"},
        refused_with={"partner_member": 403},
    ),
    Rule("GET", "/portal/locations", PARTNER),
    Rule("GET", "/portal/public-profile", PARTNER),
    Rule(
        "POST",
        "/portal/public-profile",
        PARTNER_ADMIN,
        data={"description": "We install", "services": "Installation", "languages": "de, en"},
        refused_with={"partner_member": 403},
    ),
    Rule("GET", "/portal/public-profile/locations/{location_id}", PARTNER_ADMIN),
    Rule(
        "POST",
        "/portal/public-profile/locations/{location_id}",
        PARTNER_ADMIN,
        data={"opening_hours": "Mo-Fr 09:00-17:00", "latitude": "52.5", "longitude": "13.4"},
    ),
    Rule("GET", "/admin/locator", VENDOR),
    Rule(
        "POST",
        "/admin/locator/settings",
        ADMIN,
        data={"locator_sort": "tier", "locator_tier_boost_km": "5", "locator_radius_km": "50"},
    ),
    Rule("POST", "/admin/locator/changes/{change_id}", MANAGERS, data={"decision": "reject"}),
    Rule("POST", "/admin/locator/partners/{partner_id}/listed", MANAGERS, data={"listed": "yes"}),
    Rule("POST", "/admin/locator/locations/{location_id}/geocode", MANAGERS),
    Rule("GET", "/portal/locations/new", PARTNER_ADMIN),
    Rule(
        "POST",
        "/portal/locations/new",
        PARTNER_ADMIN,
        data={"city": "Cologne", "country_code": "DE"},
    ),
    Rule("GET", "/portal/locations/{location_id}", PARTNER_ADMIN),
    Rule(
        "POST",
        "/portal/locations/{location_id}",
        PARTNER_ADMIN,
        data={"city": "Leipzig", "country_code": "DE"},
    ),
    Rule("GET", "/portal/brand-kit", PARTNER),
    Rule(
        "POST",
        "/portal/brand-kit",
        PARTNER_ADMIN,
        data={"action": "save", "tagline": "Probe"},
        refused_with={"partner_member": 403},
    ),
    Rule("GET", "/portal/brand-kit/logo/thumb", PARTNER),
    Rule("GET", "/portal/team", PARTNER),
    Rule(
        "POST",
        "/portal/team/invite",
        PARTNER_ADMIN,
        data={"email": "probe-colleague@a.example", "role": "partner_member"},
    ),
    Rule("POST", "/portal/team/{user_id}/active", PARTNER_ADMIN, data={"active": "yes"}),
    Rule("POST", "/portal/team/invitations/{invitation_id}/revoke", PARTNER_ADMIN),
    Rule("GET", "/portal/campaigns/{campaign_id}", PARTNER),
    Rule("GET", "/portal/assets/{asset_id}", PARTNER),
    Rule("GET", "/portal/assets/{asset_id}/preview", PARTNER),
    Rule("GET", "/portal/assets/{asset_id}/thumbnail.png", PARTNER),
    Rule("POST", "/portal/assets/{asset_id}/preview", PARTNER, data={"field_headline": "Live"}),
    Rule("POST", "/portal/assets/{asset_id}", PARTNER, data={"field_headline": "Our offer"}),
    Rule("GET", "/portal/assets/{asset_id}/download/png", PARTNER),
    Rule("GET", "/portal/campaigns/{campaign_id}/download.zip", PARTNER),
    Rule("GET", "/api/v1/me", EVERYONE),
    Rule("GET", "/api/v1/partners", EVERYONE),
    Rule("POST", "/api/v1/partners", MANAGERS, json={"name": "API Probe Partner"}),
    Rule("GET", "/api/v1/partners/{partner_id}", EVERYONE),
    Rule(
        "PATCH",
        "/api/v1/partners/{partner_id}",
        MANAGERS | PARTNER_ADMIN,
        json={"description": "patched"},
    ),
    Rule("GET", "/api/v1/tiers", EVERYONE),
    # recruitment: vendor staff; approving and declining, managers
    Rule("GET", "/admin/prospects", VENDOR),
    Rule("GET", "/admin/prospects/new", VENDOR),
    Rule(
        "POST",
        "/admin/prospects/new",
        VENDOR,
        data={"company": "Probe Prospect", "email": "probe@probe-prospect.example"},
    ),
    Rule("GET", "/admin/prospects/{prospect_id}", VENDOR),
    Rule(
        "POST",
        "/admin/prospects/{prospect_id}",
        VENDOR,
        data={"company": "Probe Renamed", "email": "renamed@probe-prospect.example"},
    ),
    Rule("GET", "/admin/prospects/import", VENDOR),
    Rule(
        "POST", "/admin/prospects/import", VENDOR, data={"action": "preview"}, upload=PROSPECT_CSV
    ),
    Rule("GET", "/admin/prospects/import/sample.csv", VENDOR),
    Rule("GET", "/admin/applications", VENDOR),
    Rule("GET", "/admin/applications/{application_id}", VENDOR),
    Rule(
        "POST", "/admin/applications/{application_id}/approve", MANAGERS, data={"confirmed": "yes"}
    ),
    Rule(
        "POST",
        "/admin/applications/{declined_application_id}/decline",
        MANAGERS,
        data={"confirmed": "yes", "reason": "probe"},
    ),
    Rule("GET", "/api/v1/prospects", VENDOR),
    Rule(
        "POST",
        "/api/v1/prospects",
        VENDOR,
        json={"company": "API Probe Prospect", "email": "api@probe-prospect.example"},
    ),
    Rule("GET", "/api/v1/prospects/{prospect_id}", VENDOR),
    Rule("PATCH", "/api/v1/prospects/{prospect_id}", VENDOR, json={"notes": "probe"}),
    Rule("GET", "/api/v1/applications", VENDOR),
    Rule("GET", "/api/v1/applications/{application_id}", VENDOR),
    Rule("POST", "/api/v1/applications/{api_application_id}/approve", MANAGERS, json={}),
    Rule(
        "POST",
        "/api/v1/applications/{api_declined_application_id}/decline",
        MANAGERS,
        json={"reason": "probe"},
    ),
    Rule("GET", "/api/v1/campaigns", VENDOR),
    Rule(
        "POST",
        "/api/v1/campaigns",
        MARKETERS,
        json={"name": "API Probe Campaign", "targeting": {"min_tier": "Gold"}},
    ),
    Rule("GET", "/api/v1/campaigns/{campaign_id}", VENDOR),
    Rule("PATCH", "/api/v1/campaigns/{campaign_id}", MARKETERS, json={"description": "via API"}),
    Rule(
        "POST",
        "/api/v1/campaigns/{campaign_id}/assets",
        MARKETERS,
        json={"template_version_id": "{square_version_id}", "title": "API square"},
    ),
    Rule(
        "PATCH",
        "/api/v1/campaigns/{campaign_id}/assets/{asset_id}",
        MARKETERS,
        json={"title": "Renamed via API"},
    ),
    Rule("POST", "/api/v1/campaigns/{campaign_id}/launch", MARKETERS),
    Rule(
        "POST",
        "/api/v1/campaigns/{draft_campaign_id}/schedule",
        MARKETERS,
        json={"at": "2099-01-01T09:00:00Z"},
    ),
    Rule("GET", "/api/v1/campaigns/{campaign_id}/progress", VENDOR),
    Rule("GET", "/api/v1/campaigns/{campaign_id}/dashboard", VENDOR),
    Rule("POST", "/api/v1/targeting/preview", VENDOR, json={"targeting": {"min_tier": "Gold"}}),
    Rule("GET", "/api/v1/templates", VENDOR),
    Rule("GET", "/api/v1/scorecards", VENDOR),
    Rule("POST", "/api/v1/scorecards", MANAGERS, json=SCORECARD_JSON),
    Rule("GET", "/api/v1/scorecards/{scorecard_id}", VENDOR),
    Rule("PATCH", "/api/v1/scorecards/{scorecard_id}", MANAGERS, json={"period_days": 200}),
    Rule("POST", "/api/v1/scorecards/{scorecard_id}/runs", MANAGERS),
    Rule("GET", "/api/v1/scorecards/{scorecard_id}/scores", VENDOR),
    Rule("GET", "/api/v1/partners/{partner_id}/scores", EVERYONE),
    Rule("GET", "/api/v1/imported-metrics", VENDOR),
    Rule("PUT", "/api/v1/imported-metrics", MANAGERS, json=METRICS_JSON),
    Rule("GET", "/api/v1/leads", EVERYONE),
    Rule(
        "POST",
        "/api/v1/leads",
        MANAGERS,
        json={"name": "API Customer", "email": "api@customer.example", "consent": True},
    ),
    Rule("GET", "/api/v1/leads/{lead_id}", EVERYONE),
    Rule("POST", "/api/v1/leads/{lead_id}/answer", PARTNER, json={"action": "contacted"}),
    Rule("GET", "/api/v1/partner/campaigns", PARTNER),
    Rule("GET", "/api/v1/partner/campaigns/{campaign_id}", PARTNER),
    Rule("GET", "/api/v1/partner/assets/{asset_id}", PARTNER),
    Rule(
        "PUT",
        "/api/v1/partner/assets/{asset_id}/customization",
        PARTNER,
        json={"values": {"headline": "Our API offer"}},
    ),
    Rule("GET", "/api/v1/partner/assets/{asset_id}/renders/png", PARTNER),
    Rule("GET", "/api/v1/partner/assets/{asset_id}/renders/png/file", PARTNER),
    Rule("POST", "/api/v1/partner/pictures", PARTNER, raw=("image/png", generate_logo("Pic"))),
    Rule("GET", "/api/v1/partner/pictures", PARTNER),
    Rule("DELETE", "/api/v1/partner/assets/{asset_id}/customization", PARTNER),
    # the journey screens, before the API's journey rules (which end by stopping it)
    Rule("GET", "/admin/journeys", VENDOR),
    Rule("POST", "/admin/journeys/new", MARKETERS, data={"starter": "onboarding"}),
    Rule("GET", "/admin/journeys/{journey_id}", VENDOR),
    Rule("GET", "/admin/journeys/{journey_id}/edit", MARKETERS),
    Rule("POST", "/admin/journeys/{journey_id}/edit", MARKETERS, data=JOURNEY_SETTINGS),
    Rule(
        "POST",
        "/admin/journeys/{journey_id}/steps",
        MARKETERS,
        data={"action": "save", "step": "welcome", "subject": "Hello", "body": "Welcome."},
    ),
    Rule(
        "POST",
        "/admin/journeys/{journey_id}/simulate",
        VENDOR,
        data={"sim_partner_ids": "{partner_id}"},
    ),
    Rule(
        "POST",
        "/admin/journeys/{journey_id}/test-send",
        MARKETERS,
        data={"step": "welcome", "test_partner_ids_welcome": "{partner_id}"},
    ),
    Rule("POST", "/admin/journeys/{journey_id}/publish", MARKETERS),
    Rule(
        "POST",
        "/admin/journeys/{journey_id}/enrollments",
        MARKETERS,
        data={"partner_ids": "{partner_id}"},
    ),
    Rule("GET", "/admin/journeys/{journey_id}/enrollments", VENDOR),
    Rule("GET", "/admin/journeys/{journey_id}/export.csv", VENDOR),
    # without confirmation: the question, nothing paused
    Rule("POST", "/admin/journeys/{journey_id}/status", MARKETERS, data={"action": "pause"}),
    Rule("GET", "/api/v1/journeys", VENDOR),
    Rule("POST", "/api/v1/journeys", MARKETERS, json={"starter": "onboarding"}),
    Rule("GET", "/api/v1/journeys/{journey_id}", VENDOR),
    Rule("PATCH", "/api/v1/journeys/{journey_id}", MARKETERS, json={"description": "via API"}),
    Rule(
        "POST",
        "/api/v1/journeys/{journey_id}/simulate",
        VENDOR,
        json={"partner_id": "{partner_id}"},
    ),
    Rule("POST", "/api/v1/journeys/{journey_id}/publish", MARKETERS, json={}),
    Rule(
        "POST",
        "/api/v1/journeys/{journey_id}/enrollments",
        MARKETERS,
        json={"partner_ids": ["{partner_id}"]},
        # a channel manager may enroll, but could not publish the draft before
        refused_with={"channel_manager": 422},
    ),
    Rule("GET", "/api/v1/journeys/{journey_id}/enrollments", VENDOR),
    Rule("POST", "/api/v1/journeys/{journey_id}/pause", MARKETERS),
    Rule("POST", "/api/v1/journeys/{journey_id}/resume", MARKETERS),
    Rule("POST", "/api/v1/journeys/{journey_id}/stop", MARKETERS),
    Rule("DELETE", "/api/v1/campaigns/{draft_campaign_id}/assets/{draft_asset_id}", MARKETERS),
    Rule("POST", "/admin/locations/{location_id}/delete", MANAGERS),
    Rule("POST", "/portal/locations/{location_id}/delete", PARTNER_ADMIN),
    # the asset screen's POST also saves; its role check is the same for both actions
    Rule(
        "POST",
        "/admin/campaigns/assets/{asset_id}",
        MARKETERS,
        data={"action": "remove", "confirmed": "yes"},
        refused_with={"channel_manager": 403},
    ),
    Rule("POST", "/admin/campaigns/{campaign_id}/status", MARKETERS, data={"status": "ended"}),
]


@pytest.fixture
def targets(app, world):
    """Ids of partner A's objects (a logo, an invitation and its mail, a member, a location),
    of an unpublished brand-template version (an email: quick to render) and of a live
    campaign targeted at A alone (Gold and above) with one asset (an image: quick too), and
    of a draft campaign with one asset of its own (to schedule, and to remove an asset from)."""
    with app.app_context(), app.test_request_context():
        version = import_template(
            session, load_starter("monthly-newsletter"), slug="monthly-newsletter"
        )
        square = publish(
            session, import_template(session, load_starter("social-square"), slug="social-square")
        )
        campaign = lifecycle.create_campaign(
            {"name": "Alpha Secret Campaign", "targeting": {"min_tier": "Gold"}}, "test"
        )
        asset = assets.add_asset(campaign, {"template_version_id": square.id}, "test")
        a = session.get(Partner, world.a_id)
        brand_kits.set_logo(a, generate_logo("Alpha"), "test")
        a_admin = session.get(User, world.users["a_partner_admin"].id)
        invitation, _token = people.invite(
            "invitee@a.example", Role.PARTNER_MEMBER, a_admin, partner_id=a.id
        )
        session.commit()
        draft = lifecycle.create_campaign({"name": "Alpha Draft Campaign"}, "test")
        draft_asset = assets.add_asset(draft, {"template_version_id": square.id}, "test")
        session.commit()
        ids = {
            "campaign_id": campaign.id,
            "asset_id": asset.id,
            "square_version_id": square.id,
            "draft_campaign_id": draft.id,
            "draft_asset_id": draft_asset.id,
        }
        assert lifecycle.launch(campaign.id).partners_added == 1  # A, not B
        journey = journey_lifecycle.create_journey(
            {
                "name": "Alpha Secret Journey",
                "definition": {
                    **JOURNEY_DEFINITION,
                    "audience": {**JOURNEY_DEFINITION["audience"], "include_partner_ids": [a.id]},
                },
            },
            "test",
        )
        session.commit()
        card, recommendation = scored_with_a_recommendation(a.id)
        assigned_lead(a)
        lead = assigned_lead(a)  # the same customer again: a possible conflict
        return {
            **ids,
            "journey_id": journey.id,
            "lead_id": lead.id,
            "scorecard_id": card,
            "recommendation_id": recommendation,
            "partner_id": a.id,
            "location_id": a.locations[0].id,
            "user_id": world.users["a_partner_member"].id,
            "invitation_id": invitation.id,
            "tier_id": a.tier_id,
            "template_id": version.template_id,
            "version_id": version.id,
            "message_id": session.execute(select(MailMessage.id)).scalars().first(),
            **_recruitment_targets(),
            "change_id": _profile_change(a),
        }


def _recruitment_targets() -> dict:
    """A prospect and four applications waiting for review (approved or declined on the walk)."""
    from tests.factories.recruitment import make_application, make_prospect

    prospect = make_prospect("Probe Target Prospect")
    made = [
        make_application(company=f"Applicant {n}", email=f"applicant{n}@apply{n}.example")
        for n in range(4)
    ]
    session.commit()
    return {
        "prospect_id": prospect.id,
        "application_id": made[0].id,
        "declined_application_id": made[1].id,
        "api_application_id": made[2].id,
        "api_declined_application_id": made[3].id,
    }


def _profile_change(partner) -> int:
    from directory.locator.models import ProfileChange

    change = ProfileChange(partner_id=partner.id, changes={"description": "New"}, note="")
    session.add(change)
    session.commit()
    return change.id


def _api_token(app, email: str) -> tuple[int, str]:
    with app.app_context():
        user = people.find_user(email)
        row, token = people.create_api_token(user, "permission walk")
        session.commit()
        return row.id, token


def _expected_refusal(rule: Rule, role: str) -> int:
    if role in rule.refused_with:
        return rule.refused_with[role]
    return 404 if role in PARTNER else 403


def test_table_covers_every_route(app):
    """Every non-public (endpoint, method) of the URL map is in the table, and nothing else."""
    adapter = app.url_map.bind("localhost")
    values = {
        "partner_id": 1,
        "location_id": 1,
        "user_id": 1,
        "invitation_id": 1,
        "message_id": 1,
        "own_token_id": 1,
        "tier_id": 1,
        "template_id": 1,
        "version_id": 1,
        "campaign_id": 1,
        "asset_id": 1,
        "draft_campaign_id": 1,
        "draft_asset_id": 1,
        "journey_id": 1,
        "prospect_id": 1,
        "application_id": 1,
        "declined_application_id": 1,
        "api_application_id": 1,
        "api_declined_application_id": 1,
        "scorecard_id": 1,
        "recommendation_id": 1,
        "lead_id": 1,
        "change_id": 1,
    }

    def endpoint(rule: Rule) -> str:
        path = rule.path.format(**values).partition("?")[0]
        return adapter.match(path, method=rule.method)[0]

    in_table = {(endpoint(r), r.method) for r in TABLE}
    assert len(in_table) == len(TABLE), "a route appears twice in the table"
    in_app = set()
    for url_rule in app.url_map.iter_rules():
        view = app.view_functions[url_rule.endpoint]
        if url_rule.endpoint == "static" or view.allowed_roles is None:
            continue
        for method in url_rule.methods - {"HEAD", "OPTIONS"}:
            in_app.add((url_rule.endpoint, method))
    assert in_table == in_app
    # and the table agrees with the declarations on the views
    for rule in TABLE:
        name = endpoint(rule)
        declared = {str(r) for r in app.view_functions[name].allowed_roles}
        assert declared == set(rule.allowed) | set(rule.refused_with), name


@pytest.mark.parametrize("role", sorted(USERS))
def test_each_role_reaches_exactly_its_routes(app, client, world, targets, login_as, role):
    token_id, _revoked_during_the_walk = _api_token(app, USERS[role])
    _id, token = _api_token(app, USERS[role])
    ids = {**targets, "own_token_id": token_id}
    login_as(USERS[role])
    problems = []
    for rule in TABLE:
        path = rule.path.format(**ids)
        response = client.open(path, method=rule.method, **rule.request_kwargs(token, ids))
        status = response.status_code
        location = response.headers.get("Location", "")
        if role in rule.allowed:
            ok = 200 <= status < 300 or (300 <= status < 400 and "/login" not in location)
            if not ok:
                problems.append(f"{rule.method} {path}: {status} {location} (allowed)")
        else:
            expected = _expected_refusal(rule, role)
            if status != expected:
                problems.append(f"{rule.method} {path}: {status}, expected {expected}")
    assert not problems, f"{role}:\n" + "\n".join(problems)


def test_anonymous_is_sent_to_login_or_gets_401(app, world, targets):
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False  # the refusal, not the CSRF check, is under test
    ids = {**targets, "own_token_id": 1}
    problems = []
    for rule in TABLE:
        path = rule.path.format(**ids)
        response = client.open(path, method=rule.method, **rule.request_kwargs(None, ids))
        if rule.api:
            if response.status_code != 401 or response.json["error"]["code"] != 401:
                problems.append(f"{rule.method} {path}: {response.status_code}")
        elif response.status_code != 302 or "/login?next=" not in response.headers["Location"]:
            problems.append(
                f"{rule.method} {path}: {response.status_code} {response.headers.get('Location')}"
            )
    assert not problems, "\n".join(problems)
    for path in (
        "/",
        "/healthz",
        "/favicon.ico",
        "/login",
        "/forgot-password",
        "/api/openapi.json",
    ):
        assert client.get(path).status_code == 200, path


def test_api_with_an_unknown_token_is_401(app, world):
    client = app.test_client()
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer tdm_not-a-token"})
    assert response.status_code == 401
    response = client.get("/api/v1/me", headers={"Authorization": "Basic YWRtaW46YWRtaW4="})
    assert response.status_code == 401


def _counts(app) -> dict:
    with app.app_context():
        a = session.execute(
            select(Partner).where(Partner.name == "Alpha Secret Partner")
        ).scalar_one()
        program = session.execute(select(ProgramSettings)).scalars().first()
        return {
            "partners": session.scalar(select(func.count(Partner.id))),
            "a": (a.name, a.status, a.description, a.tier_id),
            "locations": session.scalar(select(func.count(Location.id))),
            "audit": session.scalar(select(func.count(AuditEntry.id))),
            "invitations": session.scalar(select(func.count(Invitation.id))),
            "users": [
                (u.email, u.active)
                for u in session.execute(select(User).order_by(User.id)).scalars()
            ],
            "program": program and (program.vendor_name, program.program_name),
            "tokens": session.scalar(select(func.count(ApiToken.id))),
            "kit": (a.brand_kit.tagline, a.brand_kit.version),
        }


def test_marketer_views_partners_but_cannot_change_them(app, world, login_as):
    bearer = {"Authorization": f"Bearer {_api_token(app, 'marketer@vendor.example')[1]}"}
    client = login_as("marketer@vendor.example")
    a = world.a_id
    for path in (
        "/admin/partners",
        f"/admin/partners/{a}",
        "/admin/partners/export.csv",
        "/admin/partners?q=alpha",
        "/admin/audit",
        "/admin/outbox",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
    page = client.get(f"/admin/partners/{a}").get_data(as_text=True)
    assert "Alpha Secret Partner" in page
    # the page offers no management actions to a marketer
    assert f"/admin/partners/{a}/edit" not in page and f"/admin/partners/{a}/status" not in page
    assert "/admin/partners/new" not in client.get("/admin/partners").get_data(as_text=True)

    before = _counts(app)
    attempts = [
        ("/admin/partners/new", {"name": "Marketer Made"}),
        (f"/admin/partners/{a}/edit", {"name": "Marketer Renamed", "tier": "Platinum"}),
        (f"/admin/partners/{a}/status", {"status": "inactive"}),
        (f"/admin/partners/{a}/locations/new", {"city": "Bonn", "country_code": "DE"}),
        (f"/admin/partners/{a}/invite", {"email": "x@a.example"}),
        ("/admin/partners/import", {"action": "commit"}),
    ]
    for path, data in attempts:
        assert client.post(path, data=data).status_code == 403, path
        assert client.get(path).status_code in (403, 405), path
    upload = {"action": "commit", "file": (io.BytesIO(CSV), "p.csv")}
    response = client.post(
        "/admin/partners/import", data=upload, content_type="multipart/form-data"
    )
    assert response.status_code == 403
    api = client.post("/api/v1/partners", json={"name": "Marketer via API"}, headers=bearer)
    assert api.status_code == 403
    assert (
        client.patch(f"/api/v1/partners/{a}", json={"name": "x"}, headers=bearer).status_code == 403
    )
    assert _counts(app) == before


@pytest.mark.parametrize("email", ["cm@vendor.example", "marketer@vendor.example"])
def test_only_admin_manages_users_and_settings(app, world, login_as, email):
    client = login_as(email)
    before = _counts(app)
    member = world.users["a_partner_member"].id
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/settings").status_code == 403
    assert (
        client.post(
            "/admin/users/invite", data={"email": "staff@vendor.example", "role": "admin"}
        ).status_code
        == 403
    )
    assert client.post(f"/admin/users/{member}/active", data={"active": "no"}).status_code == 403
    assert (
        client.post(
            "/admin/settings", data={"vendor_name": "Hijacked", "program_name": "Hijacked"}
        ).status_code
        == 403
    )
    assert client.get("/admin/outbox/1").status_code == 403
    assert _counts(app) == before

    admin = login_as("admin@vendor.example")
    assert admin.post(f"/admin/users/{member}/active", data={"active": "no"}).status_code == 302
    assert (
        admin.post(
            "/admin/settings", data={"vendor_name": "Acme", "program_name": "Acme Partners"}
        ).status_code
        == 302
    )
    after = _counts(app)
    assert after["program"] == ("Acme", "Acme Partners")
    assert ("partner_member@a.example", False) in after["users"]


def test_partner_member_views_but_cannot_edit(app, world, targets, login_as):
    member_bearer = {"Authorization": f"Bearer {_api_token(app, 'partner_member@a.example')[1]}"}
    client = login_as("partner_member@a.example")
    for path in (
        "/portal/",
        "/portal/profile",
        "/portal/locations",
        "/portal/brand-kit",
        "/portal/team",
        "/portal/brand-kit/logo/thumb",
    ):
        assert client.get(path).status_code == 200, path
    assert b"Only your partner admin can change the profile" in client.get("/portal/profile").data
    assert (
        b"Only your partner admin can change the brand kit" in client.get("/portal/brand-kit").data
    )
    team = client.get("/portal/team").get_data(as_text=True)
    assert "Invite a colleague" not in team and "Deactivate" not in team
    assert "Add a location" not in client.get("/portal/locations").get_data(as_text=True)

    before = _counts(app)
    location = targets["location_id"]
    admin_id = world.users["a_partner_admin"].id
    # the profile and the brand kit pages are the member's too: the edit is refused as such
    assert client.post("/portal/profile", data={"name": "Member Renamed"}).status_code == 403
    for action in ("save", "remove_logo"):
        response = client.post("/portal/brand-kit", data={"action": action, "tagline": "Member"})
        assert response.status_code == 403
    # the admin-only pages are not shown to a member at all
    refused = [
        ("/portal/locations/new", {"city": "Bonn", "country_code": "DE"}),
        (f"/portal/locations/{location}", {"city": "Bonn", "country_code": "DE"}),
        (f"/portal/locations/{location}/delete", {}),
        ("/portal/team/invite", {"email": "friend@a.example", "role": "partner_admin"}),
        (f"/portal/team/{admin_id}/active", {"active": "no"}),
        (f"/portal/team/invitations/{targets['invitation_id']}/revoke", {}),
    ]
    for path, data in refused:
        assert client.post(path, data=data).status_code == 404, path
    assert (
        client.patch(
            f"/api/v1/partners/{world.a_id}",
            json={"description": "by a member"},
            headers=member_bearer,
        ).status_code
        == 404
    )
    assert _counts(app) == before


def test_partner_user_is_not_told_that_vendor_pages_exist(app, world, login_as):
    client = login_as("partner_admin@a.example")
    for path in ("/admin/", "/admin/partners", "/admin/users", "/admin/settings"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"Not found" in response.data


# --- every view declares its roles -----------------------------------------------------------


def test_every_view_of_the_app_declares_its_roles(app):
    public_views = set()
    for endpoint, view in app.view_functions.items():
        if endpoint == "static":
            continue
        assert hasattr(view, "allowed_roles"), endpoint
        if view.allowed_roles is None:
            public_views.add(endpoint)
        else:
            assert view.allowed_roles and view.allowed_roles <= set(Role), endpoint
    assert public_views == PUBLIC_ENDPOINTS - {"static"}


def _blueprint_with_undeclared_view() -> Blueprint:
    bp = Blueprint("careless", __name__)

    @bp.get("/declared")
    @roles(VENDOR)
    def declared():
        return "ok"

    @bp.get("/open")
    @public
    def open_page():
        return "ok"

    @bp.get("/forgotten")
    def forgotten():
        return "secret"

    return bp


def test_role_check_refuses_a_view_without_a_declaration():
    from app.web import _check_every_view_declares_roles

    flask_app = Flask(__name__)
    flask_app.register_blueprint(_blueprint_with_undeclared_view())
    with pytest.raises(
        RuntimeError, match=r"views without a role declaration: careless\.forgotten$"
    ):
        _check_every_view_declares_roles(flask_app)

    fine = Flask(__name__)
    bp = Blueprint("careful", __name__)
    bp.add_url_rule("/p", "p", public(lambda: "ok"))
    fine.register_blueprint(bp)
    _check_every_view_declares_roles(fine)  # no error


def test_create_app_refuses_to_start_with_an_undeclared_view(settings, monkeypatch):
    import app as app_package
    from app import web

    register = web._register_blueprints

    def register_with_a_careless_blueprint(flask_app):
        register(flask_app)
        flask_app.register_blueprint(_blueprint_with_undeclared_view(), url_prefix="/careless")

    monkeypatch.setattr(web, "_register_blueprints", register_with_a_careless_blueprint)
    with pytest.raises(RuntimeError, match="careless.forgotten"):
        app_package.create_app(settings, TESTING=True)
