"""What the resource modules' views share: query arguments checked before the domain sees them,
a page of results as JSON, and the create / change shape (the domain function with the checked
body and the acting user, one commit, the object's JSON).

A refused query argument is a 400 naming the allowed values; a body the domain refuses raises
``ValidationFailed``, which the blueprint's one error handler answers with a 422.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from flask import abort, g, request

from app.db import session
from app.web.access import acting_user


class Page(Protocol):
    items: list
    total: int
    page: int
    per_page: int


def choice_arg(name: str, choices: Iterable[str], what: str) -> str | None:
    """The query argument NAME, one of CHOICES, or None when it is not given; a 400 saying
    "'x' is not WHAT (use ...)" else."""
    value = request.args.get(name) or None
    if value is not None and value not in choices:
        abort(400, f"'{value}' is not {what} (use {', '.join(choices)}).")
    return value


def filters_or_400(filters_class) -> Any:
    """FILTERS_CLASS read from the query string (its ``from_args``); a 400 with its errors."""
    filters = filters_class.from_args(request.args)
    if filters.errors:
        abort(400, " ".join(filters.errors))
    return filters


def page_json(page: Page, to_json: Callable[[Any], dict]) -> dict:
    """A page of results: its items as TO_JSON makes them, the total and where the page is."""
    return {
        "items": [to_json(item) for item in page.items],
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
    }


def created(make: Callable[[dict, Any], Any], to_json: Callable[[Any], dict]) -> tuple[dict, int]:
    """MAKE(body, acting user), committed: its JSON with 201."""
    thing = make(g.api_body, acting_user())
    session.commit()
    return to_json(thing), 201


def changed(thing, change: Callable[[Any, dict, Any], Any], to_json: Callable[[Any], dict]) -> dict:
    """CHANGE(thing, body, acting user), committed: the JSON of THING as it is now."""
    change(thing, g.api_body, acting_user())
    session.commit()
    return to_json(thing)
