"""Manual enrollment of prospects from an uploaded CSV: found by email, or added."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from app import validation as v
from app.db import session
from campaigns.journeys.models import Prospect

MAX_ROWS = 5000
MAX_BYTES = 2_000_000


def _domain(email: str) -> str:
    return email.rpartition("@")[2].lower()


def prospects_from_csv(data: bytes) -> tuple[list[int], int]:
    """The prospects of a CSV with an ``email`` column (and optionally ``company``,
    ``contact_name``, ``country``): existing ones found by email, the others added with the
    source "CSV upload". (their ids, how many were added). ValidationFailed names the lines
    that are wrong; nothing is added then. The caller commits."""
    if len(data) > MAX_BYTES:
        raise v.ValidationFailed({"file": "The file is larger than 2 MB."})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise v.ValidationFailed(
            {"file": "The file is not UTF-8 text (save it as CSV UTF-8)."}
        ) from exc
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    if "email" not in columns:
        raise v.ValidationFailed({"file": "The file needs a column named email."})
    rows: list[dict[str, str]] = []
    problems: list[str] = []
    for line, raw in enumerate(reader, start=2):
        if line > MAX_ROWS + 1:
            raise v.ValidationFailed({"file": f"The file has more than {MAX_ROWS} lines."})
        row = {str(k).strip().lower(): str(val or "").strip() for k, val in raw.items() if k}
        try:
            row["email"] = v.email(row.get("email"), required=True).lower()
            for key in ("company", "contact_name"):
                row[key] = v.text(row.get(key, ""), max_length=200, label=f"The {key}")
            country = row.get("country", "").upper()
            if country and len(country) != 2:
                raise v.Invalid("The country is a two-letter code like DE.")
            row["country"] = country
        except v.Invalid as exc:
            problems.append(f"Line {line}: {exc}")
            continue
        rows.append(row)
    if problems:
        raise v.ValidationFailed({"file": " ".join(problems[:10])})
    if not rows:
        raise v.ValidationFailed({"file": "The file has no prospects."})
    emails = sorted({row["email"] for row in rows})
    known = dict(
        session.execute(
            select(func.lower(Prospect.email), Prospect.id).where(
                func.lower(Prospect.email).in_(emails)
            )
        ).all()
    )
    ids: list[int] = []
    added = 0
    for row in rows:
        if row["email"] not in known:
            prospect = Prospect(
                company=row["company"] or _domain(row["email"]),
                contact_name=row["contact_name"],
                email=row["email"],
                country=row["country"],
                domain=_domain(row["email"]),
                source="CSV upload",
            )
            session.add(prospect)
            session.flush()
            known[row["email"]] = prospect.id
            added += 1
        ids.append(known[row["email"]])
    return list(dict.fromkeys(ids)), added
