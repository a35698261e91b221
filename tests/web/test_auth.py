"""Sign-in, CSRF, password reset, invitations, API tokens and passwords, end to end.

Mail is read from the outbox table (the default MAIL_URL): the links in it are followed as a
person would follow them.
"""

from __future__ import annotations

import hashlib
import html
import re
import time
from urllib.parse import urljoin, urlsplit

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from app.db import session
from app.models import ApiToken, AuditEntry, Invitation, MailMessage, User
from directory import people
from directory.models import Partner

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "a-brand-new-passphrase"
LOGIN_ERROR = "The email address or password is not right."


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def sign_in(client, email: str, password: str = PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def user_row(app, email: str) -> User:
    with app.app_context():
        user = people.find_user(email)
        session.expunge(user)
        return user


def last_mail(app, to: str) -> MailMessage:
    with app.app_context():
        message = (
            session.execute(
                select(MailMessage)
                .where(MailMessage.to_address == to)
                .order_by(MailMessage.id.desc())
            )
            .scalars()
            .first()
        )
        assert message is not None, f"no mail to {to}"
        session.expunge(message)
        return message


def mail_count(app) -> int:
    with app.app_context():
        return session.scalar(select(func.count(MailMessage.id)))


def link_path(message: MailMessage, route: str) -> str:
    """The path of the one link to `route` in a mail, checked in both the text and HTML parts."""
    links = re.findall(rf"http://localhost(/{route}/[A-Za-z0-9_.\-]+)", message.text_body)
    assert len(links) == 1, message.text_body
    assert links[0] in html.unescape(message.html_body)
    return links[0]


def is_signed_in(client, home: str = "/account") -> bool:
    response = client.get(home)
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


# --- sign in and out -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "home"),
    [("admin@vendor.example", "/admin/"), ("Partner_Admin@A.example ", "/portal/")],
)
def test_login_lands_on_the_home_of_the_role(app, client, world, email, home):
    assert client.get("/login").status_code == 200
    response = sign_in(client, email)
    assert response.status_code == 302 and response.headers["Location"] == home
    assert client.get(home).status_code == 200
    # signed in, /login and / lead home
    assert client.get("/login").headers["Location"] == home
    assert client.get("/").headers["Location"] == home
    assert user_row(app, email.strip()).last_login_at is not None


def test_logout(app, client, world):
    sign_in(client, "cm@vendor.example")
    assert is_signed_in(client)
    assert client.get("/logout").status_code == 405  # a link cannot sign anyone out
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "You are signed out." in text(client.get("/login"))
    assert not is_signed_in(client)
    assert client.get("/admin/partners").headers["Location"].startswith("/login?next=")


def test_wrong_credentials_get_one_message_and_401(app, client, world):
    for email, password in [
        ("admin@vendor.example", "wrong-password-123"),
        ("admin@vendor.example", ""),
        ("nobody@vendor.example", PASSWORD),
        ("", ""),
    ]:
        response = sign_in(client, email, password)
        assert response.status_code == 401, email
        page = text(response)
        assert LOGIN_ERROR in page
        assert f'value="{email}"' in page  # the address is kept, the password is not
        assert PASSWORD not in page
        assert not is_signed_in(client)
    # a NUL byte is a wrong address too, not a database error
    assert sign_in(client, "admin@vendor.example\x00").status_code == 401
    assert (
        client.post("/forgot-password", data={"email": "admin\x00@vendor.example"}).status_code
        == 302
    )


def test_deactivated_user_cannot_sign_in_and_is_signed_out(app, client, world, login_as):
    member = app.test_client()
    sign_in(member, "partner_member@a.example")
    assert is_signed_in(member)

    admin = login_as("admin@vendor.example")
    member_id = world.users["a_partner_member"].id
    assert admin.post(f"/admin/users/{member_id}/active", data={"active": "no"}).status_code == 302
    assert user_row(app, "partner_member@a.example").active is False

    assert not is_signed_in(member)  # the open session ends at once
    response = sign_in(app.test_client(), "partner_member@a.example")
    assert response.status_code == 401 and LOGIN_ERROR in text(response)
    # no reset link for a deactivated account either
    before = mail_count(app)
    app.test_client().post("/forgot-password", data={"email": "partner_member@a.example"})
    assert mail_count(app) == before
    # an admin cannot lock themselves out
    admin_id = world.users["admin"].id
    admin.post(f"/admin/users/{admin_id}/active", data={"active": "no"})
    assert user_row(app, "admin@vendor.example").active is True

    assert admin.post(f"/admin/users/{member_id}/active", data={"active": "yes"}).status_code == 302
    assert sign_in(app.test_client(), "partner_member@a.example").status_code == 302


def browser_destination(location: str) -> str:
    """Where a browser goes for a Location header seen on http://localhost/login.

    Browsers drop tabs and newlines from URLs and read a backslash as a slash.
    """
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    return urljoin("http://localhost/login", cleaned)


OFF_SITE = [
    "https://evil.example/phish",
    "//evil.example/phish",
    "/\\evil.example/phish",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "javascript:alert(1)",
    "http:/evil.example",
    "https:evil.example",
    " //evil.example",
    "/%2F/evil.example",
]


def test_next_refuses_open_redirects(app, client, world):
    for target in OFF_SITE:
        client.post("/logout")
        response = client.post(
            "/login",
            query_string={"next": target},
            data={"email": "cm@vendor.example", "password": PASSWORD},
        )
        assert response.status_code == 302
        destination = urlsplit(browser_destination(response.headers["Location"]))
        assert destination.netloc == "localhost", (target, response.headers["Location"])
        assert destination.scheme == "http"


def test_next_goes_back_to_the_page_asked_for(app, client, world):
    response = client.get("/admin/partners?tier=Gold")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert login_url.startswith("/login?next=")
    response = client.post(login_url, data={"email": "cm@vendor.example", "password": PASSWORD})
    assert response.headers["Location"] == "/admin/partners?tier=Gold"


# --- CSRF ------------------------------------------------------------------------------------


def csrf_token(client, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert match, path
    return match.group(1)


def test_csrf_is_enforced_on_forms(app, world):
    """The `app` fixture as configured: CSRF protection on (the `client` fixture turns it off)."""
    assert app.config.get("WTF_CSRF_ENABLED", True)
    client = app.test_client()
    response = sign_in(client, "partner_admin@a.example")
    assert response.status_code == 400
    assert "The form expired or was sent from elsewhere. Reload and try again." in text(response)
    response = sign_in(client, "partner_admin@a.example", csrf_token="forged")
    assert response.status_code == 400
    assert not is_signed_in(client)

    response = sign_in(client, "partner_admin@a.example", csrf_token=csrf_token(client, "/login"))
    assert response.status_code == 302

    before = user_row(app, "partner_admin@a.example")
    attempts = [
        ("/account", {"action": "profile", "name": "CSRF victim"}),
        ("/portal/profile", {"description": "defaced"}),
        ("/portal/brand-kit", {"action": "save", "tagline": "defaced"}),
        ("/portal/team/invite", {"email": "attacker@evil.example", "role": "partner_admin"}),
        ("/logout", {}),
    ]
    for path, data in attempts:
        assert client.post(path, data=data).status_code == 400, path
    assert user_row(app, "partner_admin@a.example").name == before.name
    with app.app_context():
        assert session.scalar(select(func.count(Invitation.id))) == 0
        assert session.get(Partner, world.a_id).description == ""
    assert is_signed_in(client)

    token = csrf_token(client, "/account")
    response = client.post(
        "/account", data={"action": "profile", "name": "Real change", "csrf_token": token}
    )
    assert response.status_code == 302
    assert user_row(app, "partner_admin@a.example").name == "Real change"


def test_api_takes_tokens_not_csrf(app, world):
    with app.app_context():
        _row, token = people.create_api_token(people.find_user("cm@vendor.example"), "ci")
        session.commit()
    response = app.test_client().post(
        "/api/v1/partners",
        json={"name": "Made by the API"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201 and response.json["slug"] == "made-by-the-api"


# --- password reset --------------------------------------------------------------------------


def request_reset(app, email: str) -> str:
    response = app.test_client().post("/forgot-password", data={"email": email})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    message = last_mail(app, email.strip().lower())
    assert message.subject == "Reset your password"
    return link_path(message, "reset-password")


def test_password_reset_by_emailed_link(app, client, world):
    other_session = app.test_client()
    sign_in(other_session, "partner_admin@a.example")
    link = request_reset(app, "partner_admin@a.example")

    client = app.test_client()
    page = client.get(link)
    assert page.status_code == 200 and "For partner_admin@a.example" in text(page)

    for password, confirm, message in [
        ("short", "short", "Use at least 10 characters."),
        ("aaaaaaaaaaaa", "aaaaaaaaaaaa", "The password is too simple."),
        (
            "partner_admin@a.example",
            "partner_admin@a.example",
            "The password must not be your email address.",
        ),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "The two passwords differ."),
    ]:
        response = client.post(link, data={"password": password, "confirm": confirm})
        assert response.status_code == 400 and message in text(response), message
    assert sign_in(app.test_client(), "partner_admin@a.example").status_code == 302  # unchanged

    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert sign_in(app.test_client(), "partner_admin@a.example").status_code == 401
    assert sign_in(app.test_client(), "partner_admin@a.example", NEW_PASSWORD).status_code == 302
    assert not is_signed_in(other_session)  # a reset signs out every other session

    # the link works once
    again = client.get(link)
    assert again.status_code == 404
    assert "This reset link has expired or was already used." in text(again)
    assert (
        client.post(
            link, data={"password": "another-passphrase-9", "confirm": "another-passphrase-9"}
        ).status_code
        == 404
    )
    with app.app_context():
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "user.password_reset")
        ).scalar_one()
        assert entry.actor_label == "partner_admin@a.example"


def test_reset_for_an_unknown_address_says_the_same_and_sends_nothing(app, client, world):
    before = mail_count(app)
    client = app.test_client()
    response = client.post("/forgot-password", data={"email": "nobody@nowhere.example"})
    assert response.status_code == 302
    assert "If that address has an account, a reset link is on its way." in text(
        client.get("/login")
    )
    assert mail_count(app) == before


class _BackdatedSigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - people.RESET_MAX_AGE - 60


def _reset_token(payload, key="test-secret-key", salt=people.RESET_SALT, signer=TimestampSigner):
    return URLSafeTimedSerializer(key, salt=salt, signer=signer).dumps(payload)


def test_expired_or_forged_reset_link_is_404(app, client, world):
    user = user_row(app, "partner_admin@a.example")
    good = [user.id, user.session_nonce]
    tokens = {
        "expired": _reset_token(good, signer=_BackdatedSigner),
        "forged key": _reset_token(good, key="another-key"),
        "other salt": _reset_token(good, salt="unsubscribe"),
        "old nonce": _reset_token([user.id, "stale-nonce"]),
        "other user": _reset_token([user.id + 1, user.session_nonce]),
        "wrong payload": _reset_token({"user": user.id}),
        "garbage": "not-a-token",
    }
    for case, token in tokens.items():
        link = f"/reset-password/{token}"
        assert client.get(link).status_code == 404, case
        response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert response.status_code == 404, case
    assert user_row(app, "partner_admin@a.example").password_hash == user.password_hash
    # the control: the same payload, signed now with the right key, opens the form
    assert client.get(f"/reset-password/{_reset_token(good)}").status_code == 200


# --- invitations -----------------------------------------------------------------------------


def test_vendor_invites_a_partner_admin_who_accepts(app, world, login_as):
    cm = login_as("cm@vendor.example")
    before = mail_count(app)
    response = cm.post(
        f"/admin/partners/{world.a_id}/invite",
        data={"email": "New.Admin@A.example", "name": "Nora New"},
    )
    assert response.status_code == 302
    # the address as it is stored and written to
    assert "Invitation sent to new.admin@a.example." in text(cm.get(response.headers["Location"]))
    assert mail_count(app) == before + 1
    message = last_mail(app, "new.admin@a.example")
    assert message.subject == "You are invited to the partner program"
    assert "Alpha Secret Partner" in message.text_body
    link = link_path(message, "invitation")
    token = link.rsplit("/", 1)[1]

    with app.app_context():
        invitation = session.execute(select(Invitation)).scalar_one()
        assert (invitation.email, invitation.role, invitation.partner_id, invitation.state) == (
            "new.admin@a.example",
            "partner_admin",
            world.a_id,
            "pending",
        )
        assert invitation.invited_by_id == world.users["channel_manager"].id
        assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in repr([getattr(invitation, c.key) for c in Invitation.__table__.c])
    detail = text(cm.get(f"/admin/partners/{world.a_id}"))
    assert "new.admin@a.example — pending" in detail

    invitee = app.test_client()
    page = invitee.get(link)
    assert page.status_code == 200
    assert "Join Alpha Secret Partner" in text(page) and 'value="Nora New"' in text(page)
    response = invitee.post(link, data={"name": "Nora", "password": "short", "confirm": "short"})
    assert response.status_code == 400 and "Use at least 10 characters." in text(response)
    response = invitee.post(link, data={"name": "Nora", "password": NEW_PASSWORD, "confirm": "x"})
    assert response.status_code == 400 and "The two passwords differ." in text(response)
    with app.app_context():
        assert people.find_user("new.admin@a.example") is None

    response = invitee.post(
        link, data={"name": "Nora New", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/portal/"
    home = invitee.get("/portal/")
    assert home.status_code == 200 and "Alpha Secret Partner" in text(home)
    assert "Welcome! Your account is ready." in text(home)

    with app.app_context():
        user = people.find_user("new.admin@a.example")
        assert (user.role, user.partner_id, user.name, user.active) == (
            "partner_admin",
            world.a_id,
            "Nora New",
            True,
        )
        assert user.password_hash.startswith("scrypt:")
        invitation = session.execute(select(Invitation)).scalar_one()
        assert invitation.state == "accepted" and invitation.accepted_at is not None
        created = session.execute(
            select(AuditEntry).where(
                AuditEntry.action == "user.create", AuditEntry.object_id == str(user.id)
            )
        ).scalar_one()
        assert created.actor_label == "new.admin@a.example" and created.partner_id == world.a_id
    # the link is not reusable
    stranger = app.test_client()
    assert stranger.get(link).status_code == 404
    response = stranger.post(
        link, data={"name": "Mallory", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 404
    assert "This invitation has expired, was revoked or was already used." in text(response)
    assert sign_in(app.test_client(), "new.admin@a.example", NEW_PASSWORD).status_code == 302


def test_partner_admin_invites_a_colleague(app, world, login_as):
    client = login_as("partner_admin@a.example")
    response = client.post(
        "/portal/team/invite", data={"email": "colleague@a.example", "name": "Col League"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/portal/team"
    team = text(client.get("/portal/team"))
    assert "colleague@a.example — pending" in team
    link = link_path(last_mail(app, "colleague@a.example"), "invitation")

    invitee = app.test_client()
    response = invitee.post(
        link, data={"name": "Col", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    with app.app_context():
        user = people.find_user("colleague@a.example")
        assert (user.role, user.partner_id) == ("partner_member", world.a_id)
    # the colleague sees its own partner only
    assert "Alpha Secret Partner" in text(invitee.get("/portal/"))
    with app.app_context():
        _row, token = people.create_api_token(people.find_user("colleague@a.example"), "t")
        session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert invitee.get(f"/api/v1/partners/{world.b_id}", headers=headers).status_code == 404

    # a partner admin cannot invite vendor staff, or into another partner
    before = mail_count(app)
    for role in ("admin", "channel_manager", "marketer", "bogus"):
        response = client.post(
            "/portal/team/invite", data={"email": f"{role}@evil.example", "role": role}
        )
        assert response.status_code == 400, role
        assert "Choose partner admin or partner member." in text(response)
    response = client.post(
        "/portal/team/invite", data={"email": "x@b.example", "partner_id": str(world.b_id)}
    )
    assert response.status_code == 302
    with app.app_context():
        invitation = session.execute(
            select(Invitation).where(Invitation.email == "x@b.example")
        ).scalar_one()
        assert invitation.partner_id == world.a_id
    assert mail_count(app) == before + 1


@pytest.mark.parametrize("who", ["vendor", "partner"])
def test_revoked_invitation_link_is_404(app, world, login_as, who):
    if who == "vendor":
        client = login_as("cm@vendor.example")
        client.post(f"/admin/partners/{world.a_id}/invite", data={"email": "late@a.example"})
    else:
        client = login_as("partner_admin@a.example")
        client.post("/portal/team/invite", data={"email": "late@a.example"})
    link = link_path(last_mail(app, "late@a.example"), "invitation")
    assert app.test_client().get(link).status_code == 200
    with app.app_context():
        invitation_id = session.execute(select(Invitation.id)).scalar_one()
    revoke = (
        f"/admin/invitations/{invitation_id}/revoke"
        if who == "vendor"
        else f"/portal/team/invitations/{invitation_id}/revoke"
    )
    assert client.post(revoke).status_code == 302
    invitee = app.test_client()
    assert invitee.get(link).status_code == 404
    response = invitee.post(
        link, data={"name": "Late", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 404
    with app.app_context():
        assert people.find_user("late@a.example") is None
        invitation = session.get(Invitation, invitation_id)
        assert invitation.state == "revoked"
        assert (
            session.execute(select(AuditEntry).where(AuditEntry.action == "invitation.revoke"))
            .scalar_one()
            .partner_id
            == world.a_id
        )


def test_expired_invitation_link_is_404(app, world, login_as):
    client = login_as("partner_admin@a.example")
    client.post("/portal/team/invite", data={"email": "slow@a.example"})
    link = link_path(last_mail(app, "slow@a.example"), "invitation")
    with app.app_context():
        invitation = session.execute(select(Invitation)).scalar_one()
        invitation.expires_at = invitation.created_at.replace(year=2000)
        session.commit()
    assert app.test_client().get(link).status_code == 404
    assert "slow@a.example — expired" in text(client.get("/portal/team"))


@pytest.mark.parametrize(
    ("inviter", "path_for", "email", "role"),
    [
        (
            "cm@vendor.example",
            lambda w: f"/admin/partners/{w.a_id}/invite",
            "partner_member@a.example",
            None,
        ),
        (
            "cm@vendor.example",
            lambda w: f"/admin/partners/{w.a_id}/invite",
            "MARKETER@vendor.example",
            None,
        ),
        (
            "partner_admin@a.example",
            lambda w: "/portal/team/invite",
            "Partner_Member@A.example",
            "partner_member",
        ),
        (
            "partner_admin@a.example",
            lambda w: "/portal/team/invite",
            "partner_admin@b.example",
            "partner_admin",
        ),
        ("admin@vendor.example", lambda w: "/admin/users/invite", "cm@vendor.example", "marketer"),
    ],
)
def test_invitation_to_an_existing_account_is_refused(
    app, world, login_as, inviter, path_for, email, role
):
    client = login_as(inviter)
    before = mail_count(app)
    data = {"email": email, **({"role": role} if role else {})}
    response = client.post(path_for(world), data=data)
    # the form again, with the address typed and the reason beside it
    assert response.status_code == 400
    page = text(response)
    assert f"{email.lower()} already has an account." in page
    assert f'value="{email}"' in page
    assert "Invitation sent" not in page
    with app.app_context():
        assert session.scalar(select(func.count(Invitation.id))) == 0
    assert mail_count(app) == before


def test_invitation_with_a_bad_address_is_refused(app, world, login_as):
    client = login_as("admin@vendor.example")
    for email in ("", "not-an-address", "two@@example.com"):
        response = client.post("/admin/users/invite", data={"email": email, "role": "marketer"})
        assert response.status_code == 400
        assert 'id="error-summary"' in response.get_data(as_text=True), email
    response = client.post(
        "/admin/users/invite", data={"email": "p@vendor.example", "role": "partner_admin"}
    )
    assert response.status_code == 400
    assert "A partner role needs a partner." in text(response)
    with app.app_context():
        assert session.scalar(select(func.count(Invitation.id))) == 0


# --- API tokens ------------------------------------------------------------------------------


def create_token(client, name: str = "CRM sync") -> str:
    response = client.post("/account", data={"action": "token", "name": name})
    assert response.status_code == 200
    page = text(response)
    assert "Copy the token now: it is shown only once." in page
    match = re.search(r'id="new-token" type="text" readonly value="(tdm_[A-Za-z0-9_-]+)"', page)
    assert match, page[-3000:]
    return match.group(1)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_api_token_is_shown_once_and_stored_as_a_digest(app, world, login_as):
    client = login_as("partner_admin@a.example")
    token = create_token(client)
    assert token not in client.get("/account").get_data(as_text=True)  # shown once
    assert token[:8] in client.get("/account").get_data(as_text=True)  # its prefix identifies it
    with app.app_context():
        row = session.execute(select(ApiToken)).scalar_one()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert row.prefix == token[:8] and row.name == "CRM sync"
        assert row.partner_id == world.a_id
        stored = repr([getattr(row, c.key) for c in ApiToken.__table__.c])
        assert token not in stored and token[8:] not in stored
        for entry in session.execute(select(AuditEntry)).scalars():
            assert token[8:] not in repr(entry.changes)

    api = app.test_client()  # no cookies: the token alone
    me = api.get("/api/v1/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.json == {
        "id": world.users["a_partner_admin"].id,
        "email": "partner_admin@a.example",
        "name": "a partner_admin",
        "role": "partner_admin",
        "partner_id": world.a_id,
    }
    with app.app_context():
        assert session.execute(select(ApiToken)).scalar_one().last_used_at is not None

    # an empty name is refused
    response = client.post("/account", data={"action": "token", "name": " "})
    assert response.status_code == 400 and "The name is required." in text(response)


def test_revoked_token_is_401(app, world, login_as):
    client = login_as("cm@vendor.example")
    token = create_token(client)
    api = app.test_client()
    assert api.get("/api/v1/me", headers=bearer(token)).status_code == 200
    with app.app_context():
        token_id = session.execute(select(ApiToken.id)).scalar_one()
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 302
    assert "revoked" in text(client.get("/account"))
    response = api.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401 and response.json["error"]["code"] == 401
    assert api.get("/api/v1/partners", headers=bearer(token)).status_code == 401


def test_a_token_is_revoked_by_its_owner_only(app, world, login_as):
    owner = login_as("admin@vendor.example")
    token = create_token(owner)
    with app.app_context():
        token_id = session.execute(select(ApiToken.id)).scalar_one()
    for email in ("cm@vendor.example", "partner_admin@a.example"):
        other = login_as(email)
        assert other.post(f"/account/tokens/{token_id}/revoke").status_code == 404
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 200


def test_deactivated_users_token_stops_working(app, world, login_as):
    token = create_token(login_as("cm@vendor.example"))
    admin = login_as("admin@vendor.example")
    admin.post(f"/admin/users/{world.users['channel_manager'].id}/active", data={"active": "no"})
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_partner_token_sees_only_its_own_partner(app, world, login_as):
    token = create_token(login_as("partner_member@b.example"))
    api = app.test_client()
    listing = api.get("/api/v1/partners", headers=bearer(token))
    assert listing.status_code == 200
    assert listing.json["total"] == 1
    assert [p["name"] for p in listing.json["items"]] == ["Bravo Partner"]
    assert api.get("/api/v1/partners?q=alpha", headers=bearer(token)).json["total"] == 0
    assert api.get(f"/api/v1/partners/{world.a_id}", headers=bearer(token)).status_code == 404
    assert api.get(f"/api/v1/partners/{world.b_id}", headers=bearer(token)).json["name"] == (
        "Bravo Partner"
    )
    # a vendor token sees all of them
    vendor = create_token(login_as("marketer@vendor.example"))
    assert api.get("/api/v1/partners", headers=bearer(vendor)).json["total"] == 2


def test_partner_admin_patch_is_limited_to_its_own_fields(app, world, login_as):
    token = create_token(login_as("partner_admin@a.example"))
    api = app.test_client()
    url = f"/api/v1/partners/{world.a_id}"

    def snapshot():
        with app.app_context():
            a = session.get(Partner, world.a_id)
            return (
                a.name,
                a.tier_id,
                a.status,
                a.description,
                a.website,
                a.email,
                session.scalar(select(func.count(AuditEntry.id))),
            )

    before = snapshot()
    for body in (
        {"tier": "Platinum"},
        {"status": "terminated"},
        {"slug": "hijack"},
        {"description": "ok", "listed_in_locator": True},
        {"certifications": ["Fake certified"]},
    ):
        response = api.patch(url, json=body, headers=bearer(token))
        assert response.status_code == 403, body
        refused = sorted(set(body) - {"description"})
        assert response.json["error"]["message"] == (
            f"A partner may not change: {', '.join(refused)}."
        )
    assert snapshot() == before

    # the shape is checked first (JSON Schema), then every value
    response = api.patch(
        url, json={"countries": "DE", "website": 5, "colour": "red"}, headers=bearer(token)
    )
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"countries", "website", "body"}
    response = api.patch(
        url,
        json={
            "website": "ftp://files.example",
            "email": "nope",
            "phone": "call me",
            "countries": ["Atlantis"],
        },
        headers=bearer(token),
    )
    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert set(fields) == {"website", "email", "phone", "countries"}
    assert "'ftp://files.example' is not a web address" in fields["website"]
    assert "'Atlantis' is not a country" in fields["countries"]
    assert snapshot() == before

    assert api.patch(url, data="not json", headers=bearer(token)).status_code == 400
    assert api.patch(url, json=["a", "list"], headers=bearer(token)).status_code == 422
    assert snapshot() == before

    response = api.patch(
        url,
        json={"description": "We install heat pumps.", "specialties": ["Heat pumps", "Solar"]},
        headers=bearer(token),
    )
    assert response.status_code == 200
    assert response.json["description"] == "We install heat pumps."
    assert response.json["specialties"] == ["Heat pumps", "Solar"]
    assert response.json["tier"] == "Gold"
    # the other partner stays out of reach
    response = api.patch(
        f"/api/v1/partners/{world.b_id}", json={"description": "x"}, headers=bearer(token)
    )
    assert response.status_code == 404


def test_vendor_api_validation_errors_are_422_with_fields(app, world, login_as):
    token = create_token(login_as("cm@vendor.example"))
    api = app.test_client()
    with app.app_context():
        count = session.scalar(select(func.count(Partner.id)))
    response = api.post(
        "/api/v1/partners", json={"name": "", "type": "shop"}, headers=bearer(token)
    )
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"name", "type"}
    response = api.post(
        "/api/v1/partners",
        json={"name": "X", "tier": "Diamond", "channel_manager": "partner_admin@a.example"},
        headers=bearer(token),
    )
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {
        "tier": "'Diamond' is not a tier (tiers: Registered, Silver, Gold, Platinum).",
        "channel_manager": "'partner_admin@a.example' is not a vendor user.",
    }
    response = api.patch(
        f"/api/v1/partners/{world.a_id}",
        json={"tier": "Platinum", "status": "inactive"},
        headers=bearer(token),
    )
    assert response.status_code == 200
    assert (response.json["tier"], response.json["status"]) == ("Platinum", "inactive")
    response = api.patch(
        f"/api/v1/partners/{world.a_id}", json={"status": "onboarding"}, headers=bearer(token)
    )
    assert response.status_code == 422 and "status" in response.json["error"]["fields"]
    assert api.get("/api/v1/partners?status=bogus", headers=bearer(token)).status_code == 400
    with app.app_context():
        assert session.scalar(select(func.count(Partner.id))) == count


# --- passwords -------------------------------------------------------------------------------


def test_passwords_are_stored_hashed_with_scrypt(app, client, world):
    with app.app_context():
        users = session.execute(select(User)).scalars().all()
        assert len(users) == 7
        hashes = [u.password_hash for u in users]
    assert all(h.startswith("scrypt:") for h in hashes)
    assert all(PASSWORD not in h for h in hashes)
    assert len(set(hashes)) == len(hashes)  # a salt per hash


def test_password_change_signs_out_other_sessions(app, world, login_as):
    client = login_as("marketer@vendor.example")
    other = app.test_client()
    sign_in(other, "marketer@vendor.example", remember="yes")  # even a remembered one
    assert other.get_cookie("remember_token") is not None
    assert is_signed_in(other)
    reset_link = request_reset(app, "marketer@vendor.example")

    for data, message in [
        (
            {"current": "wrong-password-1", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
            "The current password is not right.",
        ),
        (
            {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": "different-one-123"},
            "The two passwords differ.",
        ),
        (
            {"current": PASSWORD, "password": "tiny", "confirm": "tiny"},
            "Use at least 10 characters.",
        ),
    ]:
        response = client.post("/account", data={"action": "password", **data})
        assert response.status_code == 400 and message in text(response), message
    assert is_signed_in(other)
    old_hash = user_row(app, "marketer@vendor.example").password_hash

    response = client.post(
        "/account",
        data={
            "action": "password",
            "current": PASSWORD,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert "other sessions are signed out" in text(client.get("/account"))
    assert is_signed_in(client)  # this session stays
    assert not is_signed_in(other)
    new_hash = user_row(app, "marketer@vendor.example").password_hash
    assert new_hash != old_hash and new_hash.startswith("scrypt:")
    assert sign_in(app.test_client(), "marketer@vendor.example").status_code == 401
    assert sign_in(app.test_client(), "marketer@vendor.example", NEW_PASSWORD).status_code == 302
    assert app.test_client().get(reset_link).status_code == 404  # an older reset link is void
    with app.app_context():
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "user.password_change")
        ).scalar_one()
        assert entry.actor_label == "marketer@vendor.example"


def test_api_ignores_the_browser_session(app, client, world):
    """Only a token acts in the API: a signed-in browser alone gets 401, a revoked token too."""
    assert (
        client.post(
            "/login", data={"email": "admin@vendor.example", "password": "correct-horse-battery"}
        ).status_code
        == 302
    )
    assert client.get("/admin/").status_code == 200
    assert client.get("/api/v1/me").status_code == 401
    assert client.post("/api/v1/partners", json={"name": "CSRF Co"}).status_code == 401
    assert (
        client.get("/api/v1/me", headers={"Authorization": "Bearer tdm_revoked"}).status_code == 401
    )
