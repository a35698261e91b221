"""Passwords, random tokens and signed links."""

from __future__ import annotations

import functools
import hashlib
import secrets

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

MIN_PASSWORD_LENGTH = 10
# scrypt (memory-hard) with werkzeug's default cost and a random salt per hash; the test suite
# lowers the cost, as Django's test settings do, to keep thousands of logins fast
PASSWORD_METHOD = "scrypt"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_METHOD)


def verify_password(password_hash: str, password: str) -> bool:
    return bool(password_hash) and check_password_hash(password_hash, password)


@functools.cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def dummy_hash() -> str:
    """A hash of a random password (made once per method): checking a password against it
    costs what checking a real one costs, and never succeeds."""
    return _dummy_hash(PASSWORD_METHOD)


def password_problem(password: str, email: str = "") -> str | None:
    """Why a new password is unacceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > 200:
        return "Use at most 200 characters."
    if email and password.lower() == email.lower():
        return "The password must not be your email address."
    if len(set(password)) < 4:
        return "The password is too simple."
    return None


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Tokens are stored as SHA-256 digests: a leaked table reveals no usable token."""
    return hashlib.sha256(token.encode()).hexdigest()


@functools.lru_cache(maxsize=32)
def _serializer(secret_key: str, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=salt)


def sign(secret_key: str, salt: str, payload) -> str:
    return _serializer(secret_key, salt).dumps(payload)


def unsign(secret_key: str, salt: str, token: str, max_age: int):
    """The payload of a signed token, or None when it is forged or expired."""
    try:
        return _serializer(secret_key, salt).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
