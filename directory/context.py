"""The render context of a partner: what brand templates see as ``partner``."""

from __future__ import annotations

from sqlalchemy import select

from app.db import session
from app.models import ProgramSettings
from app.storage import get_storage
from directory.models import Partner


def partner_context(partner: Partner) -> dict:
    kit = partner.brand_kit
    logo_key = (kit.logo_trimmed_key or kit.logo_key) if kit else None
    contact = {
        "phone": (kit.contact_phone if kit else "") or partner.phone,
        "email": (kit.contact_email if kit else "") or partner.email,
        "website": (kit.contact_website if kit else "") or partner.website,
        "address": (kit.contact_address if kit else "") or _first_address(partner),
    }
    return {
        "name": partner.name,
        "slug": partner.slug,
        "logo": f"storage:{logo_key}" if logo_key else None,
        "colors": {
            "primary": kit.primary_color if kit else "#1f2937",
            "secondary": kit.secondary_color if kit else "#2563eb",
        },
        "tagline": kit.tagline if kit else "",
        "website": partner.website,
        "phone": partner.phone,
        "email": partner.email,
        "description": partner.description,
        "contact": contact,
    }


def _first_address(partner: Partner) -> str:
    for loc in partner.locations:
        if loc.public:
            parts = [
                loc.street,
                " ".join(p for p in (loc.postal_code, loc.city) if p),
                loc.country_code,
            ]
            return ", ".join(p for p in parts if p)
    return ""


def vendor_context(program: ProgramSettings | None = None) -> dict:
    """The vendor as templates see it, from PROGRAM (default: the saved settings)."""
    program = program or ProgramSettings.saved() or ProgramSettings.with_defaults()
    return {
        "name": program.vendor_name,
        "logo": f"storage:{program.logo_key}" if program.logo_key else None,
        "colors": {"primary": program.primary_color, "secondary": program.secondary_color},
    }


def partner_context_by_slug(slug: str) -> dict:
    """Context for `tandem templates render --partner SLUG`: partner, vendor and storage access."""
    partner = session.execute(select(Partner).where(Partner.slug == slug)).scalar_one_or_none()
    if partner is None:
        raise LookupError(f"no partner with slug '{slug}'")
    return {
        "partner": partner_context(partner),
        "vendor": vendor_context(),
        "storage_get": get_storage().get,
    }
