"""Many partners at once, for the worker tests and the benchmark: one INSERT per thousand."""

from __future__ import annotations

from sqlalchemy import insert, select

from app.db import session, utcnow
from directory.models import Partner


def bulk_partners(count: int, prefix: str = "Bulk") -> list[int]:
    now = utcnow()
    rows = [
        {
            "name": f"{prefix} Partner {i}",
            "slug": f"{prefix.lower()}-partner-{i}",
            "type": "reseller",
            "status": "active",
            "status_changed_at": now,
            "countries": ["DE"],
            "regions": [],
            "specialties": [],
            "certifications": [],
            "website": "",
            "phone": "",
            "email": f"p{i}@{prefix.lower()}.example",
            "description": "",
            "listed_in_locator": False,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(count)
    ]
    for start in range(0, count, 1000):
        session.execute(insert(Partner), rows[start : start + 1000])
    session.commit()
    return list(
        session.execute(
            select(Partner.id).where(Partner.slug.like(f"{prefix.lower()}-partner-%"))
        ).scalars()
    )
