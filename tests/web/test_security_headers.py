"""Headers and markup of the signed-in pages: no-store caching (files and static files keep
theirs), the remember-me cookie's flags, and form attributes rendered as attributes."""

from __future__ import annotations

import re

import pytest

from app.db import session
from directory import brand_kits
from directory.demo_logos import generate_logo
from directory.models import Partner

PASSWORD = "correct-horse-battery"


def test_signed_in_pages_are_not_stored_by_any_cache(app, client, world, login_as):
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    vendor = login_as("cm@vendor.example")
    for path in ("/admin/", "/admin/partners", "/admin/partners/export.csv", "/account", "/"):
        response = vendor.get(path)
        assert response.status_code in (200, 302), path
        assert response.headers["Cache-Control"] == "no-store", path
    # an error page for a signed-in person too
    assert vendor.get("/admin/partners/999999").headers["Cache-Control"] == "no-store"
    static = vendor.get("/static/tandem.css")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


def test_files_keep_their_own_caching(app, client, world, login_as):
    with app.app_context():
        brand_kits.set_logo(session.get(Partner, world.a_id), generate_logo("Alpha"), "test")
        session.commit()
    partner = login_as("partner_admin@a.example")
    logo = partner.get("/portal/brand-kit/logo/thumb")
    assert logo.status_code == 200
    assert logo.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert partner.get("/portal/profile").headers["Cache-Control"] == "no-store"


def test_a_file_download_and_its_304_keep_their_caching(app, world, login_as):
    from brand_templates.library import load_starter
    from brand_templates.versions import import_template, publish
    from campaigns import assets, lifecycle

    with app.app_context(), app.test_request_context():
        square = publish(
            session, import_template(session, load_starter("social-square"), slug="social-square")
        )
        campaign = lifecycle.create_campaign(
            {"name": "Gold push", "targeting": {"min_tier": "Gold"}}, "test"
        )
        asset = assets.add_asset(campaign, {"template_version_id": square.id}, "test")
        session.commit()
        lifecycle.launch(campaign.id)
        asset_id = asset.id
    partner = login_as("partner_admin@a.example")
    download = partner.get(f"/portal/assets/{asset_id}/download/png")
    assert download.status_code == 200
    assert download.headers["Cache-Control"] == "private, max-age=0, must-revalidate"
    again = partner.get(
        f"/portal/assets/{asset_id}/download/png",
        headers={"If-None-Match": download.headers["ETag"]},
    )
    assert again.status_code == 304
    assert again.headers["Cache-Control"] == "private, max-age=0, must-revalidate"


def test_api_answers_to_a_token_are_not_stored(app, world):
    from directory import people

    with app.app_context():
        _row, token = people.create_api_token(people.find_user("cm@vendor.example"), "t")
        session.commit()
    client = app.test_client()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/api/openapi.json").headers.get("Cache-Control", "")


def test_remember_me_cookie_is_httponly_and_samesite(app, client, world):
    response = client.post(
        "/login", data={"email": "cm@vendor.example", "password": PASSWORD, "remember": "yes"}
    )
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    remember = next(c for c in cookies if c.startswith("remember_token="))
    assert "HttpOnly" in remember and "SameSite=Lax" in remember, remember
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/account", {"current": "current-password", "password": "new-password"}),
    ],
)
def test_autocomplete_is_an_attribute_not_escaped_text(app, world, login_as, path, fields):
    page = login_as("cm@vendor.example").get(path).get_data(as_text=True)
    assert "autocomplete=&#34;" not in page
    for name, value in fields.items():
        tag = re.search(rf'<input id="f-{name}"[^>]*>', page, re.S).group()
        assert f'autocomplete="{value}"' in tag, tag


def test_autocomplete_on_the_reset_and_invitation_pages(app, client, world, login_as):
    from app import runtime, security
    from directory import people

    with app.app_context():
        user = people.find_user("cm@vendor.example")
        token = security.sign(
            runtime.settings().secret_key, people.RESET_SALT, [user.id, user.session_nonce]
        )
    page = client.get(f"/reset-password/{token}").get_data(as_text=True)
    assert page.count('autocomplete="new-password"') == 2 and "=&#34;" not in page
    admin = login_as("admin@vendor.example")
    admin.post("/admin/users/invite", data={"email": "new@vendor.example", "role": "marketer"})
    with app.app_context():
        from sqlalchemy import select

        from app.models import MailMessage

        body = (
            session.execute(
                select(MailMessage).where(MailMessage.to_address == "new@vendor.example")
            )
            .scalar_one()
            .text_body
        )
    link = re.search(r"http://localhost(/invitation/\S+)", body).group(1)
    admin.post("/logout")
    page = admin.get(link).get_data(as_text=True)
    assert page.count('autocomplete="new-password"') == 2 and "=&#34;" not in page
