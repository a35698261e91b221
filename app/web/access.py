"""Who may reach what: login, role checks on every view, and the partner scope per request."""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from flask import abort, g, request
from flask_login import LoginManager, current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import security
from app.db import session, utcnow
from app.models import PARTNER_ROLES, VENDOR_ROLES, ApiToken, Role, User
from app.tenancy import scope_to_partner, unscoped

login_manager = LoginManager()
login_manager.login_view = "account.login"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"

ALL_ROLES = frozenset(Role)
VENDOR = VENDOR_ROLES
PARTNER = PARTNER_ROLES
VENDOR_MANAGERS = frozenset({Role.ADMIN, Role.CHANNEL_MANAGER})
MARKETERS = frozenset({Role.ADMIN, Role.MARKETER})
ADMIN = frozenset({Role.ADMIN})
PARTNER_ADMIN = frozenset({Role.PARTNER_ADMIN})


@login_manager.user_loader
def _load_user(user_key: str):
    user_id, _, nonce = user_key.partition(":")
    if not user_id.isdigit():
        return None
    with unscoped(session):
        # a partner user's partner comes in the same query: the portal reads it on every page
        user = session.get(User, int(user_id), options=[joinedload(User.partner)])
    if user is None or not user.active or user.session_nonce != nonce:
        return None
    return user


def user_from_api_token(header: str | None) -> User | None:
    """The user of a valid ``Bearer`` token. Credentials that are not valid mark the request
    (``g.api_token_failed``): such guesses are throttled by address (``app.web.throttle``)."""
    if not header:
        return None
    g.api_token_failed = True
    if not header.startswith("Bearer "):
        return None
    digest = security.token_digest(header[len("Bearer ") :].strip())
    with unscoped(session):
        token = session.execute(
            select(ApiToken).where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
        ).scalar_one_or_none()
        if token is None or not token.user.active:
            return None
        g.api_token_failed = False
        now = utcnow()
        # kept now: a read-only request commits nothing later (once a minute is precise enough)
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            token.last_used_at = now
            session.commit()
        return token.user


def apply_partner_scope(user) -> None:
    """Partner users see only their own partner's rows for the rest of the request."""
    if user is not None and getattr(user, "is_authenticated", False) and user.is_partner_user:
        scope_to_partner(session, user.partner_id)
    else:
        scope_to_partner(session, None)


def roles(*allowed):
    """Declare the roles a view admits. Every view of Tandem has one (public views: `public`)."""
    allowed_set = frozenset().union(*[a if isinstance(a, frozenset) else {a} for a in allowed])

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = acting_user()
            if user is None or not user.is_authenticated:
                if request.blueprint == "api":
                    abort(401, "Send a valid API token: Authorization: Bearer <token>.")
                return login_manager.unauthorized()
            if user.role not in allowed_set:
                # A partner user is never told that a vendor page exists.
                abort(404 if user.is_partner_user else 403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = allowed_set
        return wrapped

    return decorator


def public(view):
    """Declare a view open to everyone."""
    view.allowed_roles = None
    return view


def acting_user():
    """The user of this request. The API knows only tokens: a browser session never acts
    there, so a page elsewhere cannot make a signed-in browser call it."""
    if request.blueprint == "api":
        return g.get("api_user")
    return current_user
