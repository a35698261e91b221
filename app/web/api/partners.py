"""The REST JSON API (token auth: ``Authorization: Bearer <token>``) and its OpenAPI document."""

from __future__ import annotations

from flask import abort, g

from app.db import session
from app.models import Role
from app.web.access import ALL_ROLES, VENDOR, VENDOR_MANAGERS, acting_user, roles
from app.web.api import bp
from app.web.api.common import filters_or_400, page_json
from app.web.api.schemas.partners import (
    PARTNER,
    PARTNER_CREATE,
    PARTNER_PAGE,
    PARTNER_QUERY,
    PARTNER_UPDATE,
    TIERS,
)
from app.web.api.spec import operation
from app.web.common import get_or_404
from campaigns.membership import on_partner_changed
from directory import partners
from directory.models import Partner


def partner_json(p: Partner) -> dict:
    out = _public_json(p)
    if acting_user().role in VENDOR:  # tags are the vendor's own labels
        out["tags"] = list(p.tags or [])
    return out


def _public_json(p: Partner) -> dict:
    return {
        "id": p.id,
        "name": p.name,
        "slug": p.slug,
        "type": p.type,
        "tier": p.tier.name if p.tier else None,
        "status": p.status,
        "countries": p.countries,
        "regions": p.regions,
        "specialties": p.specialties,
        "certifications": p.certifications,
        "website": p.website,
        "phone": p.phone,
        "email": p.email,
        "description": p.description,
        "listed_in_locator": p.listed_in_locator,
        "locations": [
            {
                "id": loc.id,
                "label": loc.label,
                "street": loc.street,
                "city": loc.city,
                "postal_code": loc.postal_code,
                "region": loc.region,
                "country_code": loc.country_code,
                "latitude": loc.latitude,
                "longitude": loc.longitude,
                "public": loc.public,
            }
            for loc in p.locations
        ],
    }


@bp.get("/partners")
@roles(ALL_ROLES)
@operation(
    "Search partners (a partner user sees only its own)", response=PARTNER_PAGE, query=PARTNER_QUERY
)
def partners_index():
    filters = filters_or_400(partners.PartnerFilters)
    if filters.tag and acting_user().role not in VENDOR:
        abort(403, "Tags are the vendor's own labels: only vendor users filter by them.")
    return page_json(partners.search_partners(filters), partner_json)


@bp.post("/partners")
@roles(VENDOR_MANAGERS)
@operation("Create a partner", body=PARTNER_CREATE, response=PARTNER, status=201)
def partners_create():
    partner = partners.create_partner(g.api_body, acting_user())
    on_partner_changed(partner.id)
    session.commit()
    return partner_json(partner), 201


@bp.get("/partners/<int:partner_id>")
@roles(ALL_ROLES)
@operation("One partner", response=PARTNER)
def partner_show(partner_id: int):
    return partner_json(get_or_404(Partner, partner_id))


@bp.patch("/partners/<int:partner_id>")
@roles(VENDOR_MANAGERS, Role.PARTNER_ADMIN)
@operation(
    "Change a partner (a partner admin: only its own profile fields)",
    body=PARTNER_UPDATE,
    response=PARTNER,
)
def partner_update(partner_id: int):
    partner = get_or_404(Partner, partner_id)
    user = acting_user()
    body = g.api_body
    only = None if user.role in VENDOR else partners.SELF_EDITABLE
    if only is not None:
        refused = sorted(set(body) - set(only))
        if refused:
            abort(403, f"A partner may not change: {', '.join(refused)}.")
    partners.update_partner(partner, body, user, only=only)
    on_partner_changed(partner.id)
    session.commit()
    return partner_json(partner)


@bp.get("/tiers")
@roles(ALL_ROLES)
@operation("The tier ladder, lowest first", response=TIERS)
def tiers_index():
    return {"items": [{"name": t.name, "rank": t.rank} for t in partners.tiers()]}
