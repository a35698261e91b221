"""Guessing a secret is throttled: wrong passwords by account and by client address, reset
requests, reset and invitation links, and API tokens; each pause is a 429 with Retry-After
and a message, and an address with no account costs a password hash like one with it."""

from __future__ import annotations

import html
import uuid
from dataclasses import replace

import pytest

from app import security
from app.db import session
from app.models import MailMessage
from app.web import throttle
from directory import people
from tests.conftest import REDIS_URL, need, port_open

PASSWORD = "correct-horse-battery"
WRONG = "not-the-password-1"
PAUSED = "Too many failed attempts for this account."


def sign_in(client, email: str, password: str = WRONG, address: str = "127.0.0.1"):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def retry_after(response) -> int:
    seconds = int(response.headers["Retry-After"])
    assert 0 < seconds <= 15 * 60 + 1, seconds
    return seconds


def test_sixth_wrong_password_pauses_the_account_even_for_the_right_one(app, client, world):
    for attempt in range(5):
        response = sign_in(client, "cm@vendor.example")
        assert response.status_code == 401, attempt
    paused = sign_in(client, "cm@vendor.example")
    assert paused.status_code == 429
    retry_after(paused)
    page = html.unescape(paused.get_data(as_text=True))
    assert PAUSED in page and "please wait 15 minutes before you try again" in page
    assert 'name="password"' in page  # the sign-in page itself, with its form
    # the right password does not get through the pause
    right = sign_in(client, "CM@vendor.example ", PASSWORD)
    assert right.status_code == 429
    assert client.get("/admin/").status_code == 302  # not signed in
    # another account from the same address is not paused
    assert sign_in(client, "admin@vendor.example", PASSWORD).status_code == 302


def test_an_address_with_no_account_is_paused_the_same(app, client, world):
    answers = [sign_in(client, "nobody@vendor.example").status_code for _ in range(6)]
    assert answers == [401] * 5 + [429]


def test_the_client_address_is_paused_across_accounts(app, client, world, monkeypatch):
    monkeypatch.setattr(app.config["TANDEM"], "login_limit_per_address", "8 per 15 minutes")
    for n in range(8):
        assert sign_in(client, f"guess{n}@vendor.example").status_code == 401
    paused = sign_in(client, "admin@vendor.example", PASSWORD)
    assert paused.status_code == 429
    retry_after(paused)
    assert "Too many failed attempts from your network." in paused.get_data(as_text=True)
    # another address is not
    elsewhere = sign_in(client, "admin@vendor.example", PASSWORD, address="192.0.2.7")
    assert elsewhere.status_code == 302


def test_a_successful_sign_in_is_not_a_failure(app, client, world):
    for _ in range(8):
        assert sign_in(client, "cm@vendor.example", PASSWORD).status_code == 302
        client.post("/logout")
    assert sign_in(client, "cm@vendor.example", PASSWORD).status_code == 302


def test_an_unknown_or_inactive_address_costs_a_password_hash(app, client, world, monkeypatch):
    checked: list[str] = []
    verify = security.verify_password

    def spy(password_hash, password):
        checked.append(password_hash)
        return verify(password_hash, password)

    monkeypatch.setattr(security, "verify_password", spy)
    assert sign_in(client, "nobody@vendor.example").status_code == 401
    assert len(checked) == 1 and checked[0].startswith(security.PASSWORD_METHOD + "$")
    assert checked[0] == security.dummy_hash()
    assert sign_in(client, "cm@vendor.example").status_code == 401
    assert len(checked) == 2 and checked[1] != checked[0]  # the account's own hash
    with app.app_context():
        user = people.find_user("marketer@vendor.example")
        user.active = False
        session.commit()
    # an inactive account with its right password: a hash is checked, and it is refused
    assert sign_in(client, "marketer@vendor.example", PASSWORD).status_code == 401
    assert len(checked) == 3 and checked[2] == security.dummy_hash()


def test_reset_requests_are_paused_per_account(app, client, world):
    def request_reset():
        return client.post("/forgot-password", data={"email": "cm@vendor.example"})

    assert [request_reset().status_code for _ in range(5)] == [302] * 5
    paused = request_reset()
    assert paused.status_code == 429
    retry_after(paused)
    assert PAUSED in paused.get_data(as_text=True)
    with app.app_context():
        sent = session.query(MailMessage).filter_by(to_address="cm@vendor.example").count()
        assert sent == 5


@pytest.mark.parametrize("link", ["/reset-password/forged-token", "/invitation/guessed-token"])
def test_guessed_links_are_paused_per_address(app, client, world, monkeypatch, link):
    monkeypatch.setattr(app.config["TANDEM"], "login_limit_per_address", "3 per 15 minutes")
    assert [client.get(link).status_code for _ in range(3)] == [404] * 3
    paused = client.get(link)
    assert paused.status_code == 429
    retry_after(paused)
    assert "Too many failed attempts from your network." in paused.get_data(as_text=True)
    # and a POST to the same page too
    assert client.post(link, data={"password": "x", "confirm": "x"}).status_code == 429


def test_api_token_failures_are_paused_per_address(app, world, monkeypatch):
    monkeypatch.setattr(app.config["TANDEM"], "login_limit_per_address", "3 per 15 minutes")
    with app.app_context():
        _row, token = people.create_api_token(people.find_user("cm@vendor.example"), "t")
        session.commit()
    client = app.test_client()
    # no token at all is not a guess
    assert [client.get("/api/v1/me").status_code for _ in range(5)] == [401] * 5
    for bad in ("Bearer tdm_guess-1", "Bearer tdm_guess-2", "Basic YWRtaW46YWRtaW4="):
        assert client.get("/api/v1/me", headers={"Authorization": bad}).status_code == 401
    paused = client.get("/api/v1/me", headers={"Authorization": "Bearer tdm_guess-4"})
    assert paused.status_code == 429
    retry_after(paused)
    error = paused.get_json()["error"]
    assert error["code"] == 429 and "token that is not valid" in error["message"]
    # the address is paused, even with a valid token; another address is not
    valid = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=valid).status_code == 429
    elsewhere = client.get("/api/v1/me", headers=valid, environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert elsewhere.status_code == 200


def test_each_app_counts_in_its_own_memory(app, client, world, settings):
    from app import create_app

    first = client
    assert [sign_in(first, "cm@vendor.example").status_code for _ in range(6)][-1] == 429
    again = create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False)
    assert sign_in(again.test_client(), "cm@vendor.example", PASSWORD).status_code == 302
    assert throttle.limiter.storage.__class__.__name__ == "MemoryStorage"


@pytest.mark.redis
def test_with_redis_the_counts_are_kept_in_redis(app, world, settings):
    need(port_open(REDIS_URL, 6379), "Redis", f"start it on {REDIS_URL} or set TEST_REDIS_URL")
    from app import create_app

    # many runs share this Redis: a fresh address and account, and a roomy address limit
    redis_settings = replace(
        settings, ratelimit_storage_url=REDIS_URL, login_limit_per_address="1000 per 15 minutes"
    )
    redis_app = create_app(redis_settings, TESTING=True, WTF_CSRF_ENABLED=False)
    assert throttle.limiter.storage.__class__.__name__ == "RedisStorage"
    client = redis_app.test_client()
    address = f"198.51.100.{uuid.uuid4().int % 250 + 1}"
    email = f"nobody-{uuid.uuid4().hex}@vendor.example"
    answers = [sign_in(client, email, address=address).status_code for _ in range(6)]
    assert answers == [401] * 5 + [429]
    keys = throttle.limiter.storage.storage.keys(f"*{email}*")
    assert keys, "the failures are counted in Redis"
    throttle.limiter.storage.storage.delete(*keys)


def test_limits_are_settings_read_in_one_place(settings, tmp_path):
    from app import create_app
    from app.config import load_settings

    env = {
        "TANDEM_INSTANCE": str(tmp_path / "i"),
        "SECRET_KEY": "k",
        "LOGIN_LIMIT_PER_ACCOUNT": "3 per 10 minutes",
        "LOGIN_LIMIT_PER_ADDRESS": "20 per hour",
        "REDIS_URL": "redis://127.0.0.1:6379/5",
    }
    loaded = load_settings(env)
    assert loaded.login_limit_per_account == "3 per 10 minutes"
    assert loaded.login_limit_per_address == "20 per hour"
    assert loaded.ratelimit_storage_url == "redis://127.0.0.1:6379/5"
    plain = load_settings({"TANDEM_INSTANCE": str(tmp_path / "j"), "SECRET_KEY": "k"})
    assert (plain.login_limit_per_account, plain.login_limit_per_address) == (
        "5 per 15 minutes",
        "30 per 15 minutes",
    )
    assert plain.ratelimit_storage_url == "memory://"
    with pytest.raises(RuntimeError, match="LOGIN_LIMIT_PER_ACCOUNT = 'often'"):
        create_app(replace(settings, login_limit_per_account="often"), TESTING=True)
