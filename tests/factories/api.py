"""A caller of the REST API as one user: a token made for them, the test client, JSON in."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from app.db import session
from app.models import User
from directory import people


def api_caller(app, email: str, token_name: str = "test") -> Callable:
    """call(method, path under /api/v1, json=None) -> the response, as the user EMAIL."""
    with app.app_context():
        user = session.execute(select(User).where(User.email == email)).scalar_one()
        _row, token = people.create_api_token(user, token_name)
        session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def call(method: str, path: str, json=None):
        return client.open(f"/api/v1{path}", method=method, json=json, headers=headers)

    return call
