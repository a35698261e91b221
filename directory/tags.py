"""Partner tags: the vendor's own labels on partners ("webinar-2027", "needs follow-up"),
for the partner list's filter, the journeys' "has tag" condition and their tag action.
A tag is lower case ASCII, so the list stored as JSON text can be searched for it exactly."""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, String, cast, select

from app import validation as v
from app.db import session
from directory.models import Partner

MAX_TAGS = 20
MAX_LENGTH = 40
TAG_RE = re.compile(r"^[a-z0-9][a-z0-9 ._-]*$")


def clean_tag(value) -> str:
    """One tag as it is stored: trimmed, spaces collapsed, lower case; Invalid says why not."""
    tag = " ".join(str(value or "").split()).lower()
    if not tag:
        raise v.Invalid("A tag cannot be empty.")
    shown = v.displayable(tag[:MAX_LENGTH])
    if len(tag) > MAX_LENGTH:
        raise v.Invalid(f"The tag '{shown[:20]}…' is longer than {MAX_LENGTH} characters.")
    if not TAG_RE.match(tag):
        raise v.Invalid(
            f"The tag '{shown}' may hold only letters a-z, digits, spaces, dots, hyphens and "
            "underscores, and starts with a letter or a digit."
        )
    return tag


def clean_tags(value) -> list[str]:
    """Tags from a list or a comma separated text; de-duplicated, in the order given."""
    if value is None:
        return []
    if not isinstance(value, (list, tuple, str)):
        raise v.Invalid("The tags are a list or comma separated text.")
    items = value if isinstance(value, (list, tuple)) else re.split(r"[,;\n]", value)
    tags: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise v.Invalid("Each tag is a text.")
        if not item.strip():
            continue
        tag = clean_tag(item)
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise v.Invalid(f"A partner has at most {MAX_TAGS} tags.")
    return tags


def has_tag(tag: str) -> ColumnElement[bool]:
    """The partners holding TAG (a clean tag), as a WHERE clause; JSON lists are text on both
    databases and a tag has no character JSON escapes, so the quoted tag is an exact element."""
    return cast(Partner.tags, String).like(f'%"{tag}"%')


def tags_in_use() -> list[str]:
    """Every tag some partner has, sorted (the list's filter and the editor's suggestions)."""
    found: set[str] = set()
    rows = session.execute(select(Partner.tags).where(cast(Partner.tags, String).like('%"%')))
    for tags in rows.scalars():
        found.update(tags or [])
    return sorted(found)
