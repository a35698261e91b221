"""Property: whatever text is sent to the partner, campaign and customization API (any
Unicode, lone surrogates, control characters, NUL), the answer is never a 5xx, text that is
not text is refused with a 422, and the pages that show the partner and the campaign still
answer 200 afterwards. SQLite only: the point is the input, not the database."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import login
from tests.factories.campaigns import gold_push_with_tokens

# what is not text, spelled here as the specification: C0 and C1 controls but tab, newline
# and carriage return, DEL, and surrogates (in a Python string always lone)
NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# lone surrogates and control characters, often, among any other character
HOSTILE = ["\ud800", "\udbff\udc00"[0], "\udfff", "\x00", "\x01", "\x1b", "\x7f", "\x85"]
ALLOWED = ["\t", "\n", "\r", " ", "😀", "\u200b", "\u2028", "\ufeff", "ǅ", "İ"]
TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(HOSTILE),
        st.sampled_from(ALLOWED),
        st.characters(codec=None, exclude_categories=()),  # every code point, surrogates too
    ),
    max_size=40,
)
REQUESTS = [
    ("partner_admin", "PATCH", "/api/v1/partners/{partner}", lambda t: {"name": t}),
    ("partner_admin", "PATCH", "/api/v1/partners/{partner}", lambda t: {"specialties": [t]}),
    ("partner_admin", "PATCH", "/api/v1/partners/{partner}", lambda t: {"regions": [t, "x"]}),
    ("partner_admin", "PATCH", "/api/v1/partners/{partner}", lambda t: {"description": t}),
    ("cm", "POST", "/api/v1/partners", lambda t: {"name": t, "certifications": [t]}),
    ("marketer", "POST", "/api/v1/campaigns", lambda t: {"name": t, "description": t}),
    ("marketer", "PATCH", "/api/v1/campaigns/{campaign}", lambda t: {"name": t}),
    (
        "marketer",
        "PATCH",
        "/api/v1/campaigns/{campaign}",
        lambda t: {"targeting": {"min_tier": "Gold", "regions": [t]}},
    ),
    (
        "marketer",
        "PATCH",
        "/api/v1/campaigns/{campaign}/assets/{asset}",
        lambda t: {"presets": {"cta": t}},
    ),
    (
        "partner_admin",
        "PUT",
        "/api/v1/partner/assets/{asset}/customization",
        lambda t: {"values": {"headline": t}},
    ),
    (
        "partner_admin",
        "PUT",
        "/api/v1/partner/assets/{asset}/customization",
        lambda t: {"values": {t: "a field name"}},
    ),
]
TOKENS = {
    "cm": "cm@vendor.example",
    "marketer": "marketer@vendor.example",
    "partner_admin": "partner_admin@a.example",
}


@pytest.fixture
def db_url(sqlite_url):
    """This module runs on SQLite only."""
    return sqlite_url


@pytest.fixture
def seeded(app, nocsrf_app, world):
    with app.app_context(), app.test_request_context():
        headers, ids = gold_push_with_tokens(TOKENS, "property")
        ids["partner"] = world.a_id
    vendor, partner = app.test_client(), app.test_client()
    login(vendor, "cm@vendor.example")
    login(partner, "partner_admin@a.example")
    return SimpleNamespace(
        api=app.test_client(), h=headers, ids=ids, vendor=vendor, partner=partner
    )


def _pages(seeded) -> list[tuple[object, str]]:
    ids = seeded.ids
    return [
        (seeded.vendor, f"/admin/partners/{ids['partner']}"),
        (seeded.vendor, "/admin/partners/export.csv"),
        (seeded.vendor, f"/admin/campaigns/{ids['campaign']}"),
        (seeded.partner, "/portal/profile"),
        (seeded.partner, f"/portal/campaigns/{ids['campaign']}"),
        (seeded.partner, f"/portal/assets/{ids['asset']}"),
    ]


def test_any_text_to_the_api_is_never_a_server_error(app, seeded):
    @given(text=TEXT, which=st.integers(0, len(REQUESTS) - 1))
    @settings(
        max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def run(text, which):
        who, method, path, body = REQUESTS[which]
        response = seeded.api.open(
            path.format(**seeded.ids), method=method, json=body(text), headers=seeded.h[who]
        )
        answer = response.get_data(as_text=True)
        assert response.status_code < 500, (method, path, repr(text), answer[:500])
        if NOT_TEXT.search(text):
            assert response.status_code == 422, (method, path, repr(text), answer[:500])
        answer.encode("utf-8")  # whatever it says can be sent
        for client, page in _pages(seeded):
            shown = client.get(page)
            assert shown.status_code == 200, (page, repr(text), shown.status_code)

    run()
