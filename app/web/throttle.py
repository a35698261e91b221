"""Throttling of guesses at a secret, with Flask-Limiter: sign-in, password reset, invitation
links and API tokens.

Failures are counted by account (the email address typed, known or not: the same for both,
so the pause tells nothing about which addresses have an account) and by client address, in
a moving window; past a limit the answer is 429 with ``Retry-After`` until the oldest
failure leaves the window. The limits are settings (``app.config``); the counts live in Redis
when there is one, else in this app's memory (a new store per ``create_app``).
"""

from __future__ import annotations

import time

from flask import Flask, current_app, g, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import parse

limiter = Limiter(
    key_func=get_remote_address,
    strategy="moving-window",
    headers_enabled=True,
    key_prefix="tandem",
    # Redis gone for a moment: count in memory rather than fail every sign-in
    in_memory_fallback_enabled=True,
)
# answers that mean a guess failed: a wrong password (401), an unknown or expired link (404),
# a refused form on a link's page (400)
FAILED = frozenset({400, 401, 404})

__all__ = ["RateLimitExceeded", "init_app", "limiter", "retry_minutes"]


def init_app(app: Flask) -> None:
    settings = app.config["TANDEM"]
    for name in (
        "login_limit_per_account",
        "login_limit_per_address",
        "application_limit_per_address",
        "lead_limit_per_address",
    ):
        try:
            parse(getattr(settings, name))
        except ValueError as exc:
            raise RuntimeError(
                f"{name.upper()} = {getattr(settings, name)!r} is not a limit such as "
                f"'5 per 15 minutes': {exc}"
            ) from exc
    app.config.setdefault("RATELIMIT_STORAGE_URI", settings.ratelimit_storage_url)
    limiter.init_app(app)


def _per_account() -> str:
    return current_app.config["TANDEM"].login_limit_per_account


def _per_address() -> str:
    return current_app.config["TANDEM"].login_limit_per_address


def _account() -> str:
    """The account a form names, as typed (a known address or not: the same count)."""
    return "account:" + (request.form.get("email") or "").strip().lower()[:254]


def _failed(response) -> bool:
    return response.status_code in FAILED


ACCOUNT_PAUSED = "Too many failed attempts for this account."
ADDRESS_PAUSED = "Too many failed attempts from your network."


def sign_in(view):
    """POSTs of a wrong password count against the account and the client's address."""
    view = limiter.limit(
        _per_account,
        key_func=_account,
        methods=["POST"],
        deduct_when=_failed,
        error_message=ACCOUNT_PAUSED,
    )(view)
    return limiter.limit(
        _per_address, methods=["POST"], deduct_when=_failed, error_message=ADDRESS_PAUSED
    )(view)


def reset_requests(view):
    """Every request of a reset link counts (each one sends an email)."""
    view = limiter.limit(
        _per_account, key_func=_account, methods=["POST"], error_message=ACCOUNT_PAUSED
    )(view)
    return limiter.limit(_per_address, methods=["POST"], error_message=ADDRESS_PAUSED)(view)


def secret_links(view):
    """A link with a token (password reset, invitation): unknown tokens and refused forms
    count against the client's address."""
    return limiter.limit(_per_address, deduct_when=_failed, error_message=ADDRESS_PAUSED)(view)


def _per_address_applications() -> str:
    return current_app.config["TANDEM"].application_limit_per_address


def public_forms(view):
    """Every POST of a public form (an application) counts against the client's address."""
    return limiter.limit(
        _per_address_applications,
        methods=["POST"],
        error_message="Too many forms sent from your network.",
    )(view)


def token_failures(blueprint) -> None:
    """Requests to BLUEPRINT with a token that is not valid (see ``access.user_from_api_token``)
    count against the client's address; past the limit every request from it is refused."""
    limiter.limit(
        _per_address,
        deduct_when=lambda _response: g.get("api_token_failed", False),
        error_message="Too many requests with a token that is not valid.",
    )(blueprint)


def _per_address_leads() -> str:
    return current_app.config["TANDEM"].lead_limit_per_address


def lead_requests(view):
    """Every POST of a customer's request (a lead) counts against the client's address."""
    return limiter.limit(
        _per_address_leads,
        methods=["POST"],
        error_message="Too many requests from your network.",
    )(view)


def retry_minutes() -> int:
    """About how many minutes until the breached limit of this request lets the client in
    again (Retry-After has the seconds)."""
    current = limiter.current_limit
    if current is None:
        return 1
    return max(1, round((current.reset_at - time.time()) / 60))
