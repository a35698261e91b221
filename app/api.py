"""The REST JSON API (token auth: ``Authorization: Bearer <token>``)."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from app import validation as v
from app.access import ALL_ROLES, VENDOR, VENDOR_MANAGERS, acting_user, roles
from app.db import session
from app.models import Role
from app.web import get_or_404
from directory import partners
from directory.models import Partner

bp = Blueprint("api", __name__)


def partner_json(p: Partner) -> dict:
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
            {"id": loc.id, "label": loc.label, "street": loc.street, "city": loc.city,
             "postal_code": loc.postal_code, "region": loc.region, "country_code": loc.country_code,
             "latitude": loc.latitude, "longitude": loc.longitude, "public": loc.public}
            for loc in p.locations
        ],
    }


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, "The request body must be a JSON object.")
    return body


def _invalid(exc: v.ValidationFailed):
    return jsonify(error={"code": 422, "message": "Validation failed", "fields": exc.errors}), 422


@bp.get("/me")
@roles(ALL_ROLES)
def me():
    user = acting_user()
    return {"id": user.id, "email": user.email, "name": user.name, "role": user.role,
            "partner_id": user.partner_id}


@bp.get("/partners")
@roles(ALL_ROLES)
def partners_index():
    filters = partners.PartnerFilters.from_args(request.args)
    if filters.errors:
        abort(400, " ".join(filters.errors))
    page = partners.search_partners(filters)
    return {"items": [partner_json(p) for p in page.items], "total": page.total,
            "page": page.page, "per_page": page.per_page}


@bp.post("/partners")
@roles(VENDOR_MANAGERS)
def partners_create():
    try:
        partner = partners.create_partner(_json_body(), acting_user())
        session.commit()
    except v.ValidationFailed as exc:
        session.rollback()
        return _invalid(exc)
    return partner_json(partner), 201


@bp.get("/partners/<int:partner_id>")
@roles(ALL_ROLES)
def partner_show(partner_id: int):
    return partner_json(get_or_404(Partner, partner_id))


@bp.patch("/partners/<int:partner_id>")
@roles(VENDOR_MANAGERS, Role.PARTNER_ADMIN)
def partner_update(partner_id: int):
    partner = get_or_404(Partner, partner_id)
    user = acting_user()
    body = _json_body()
    only = None if user.role in VENDOR else partners.SELF_EDITABLE
    if only is not None:
        refused = sorted(set(body) - set(only))
        if refused:
            abort(403, f"A partner may not change: {', '.join(refused)}.")
    try:
        partners.update_partner(partner, body, user, only=only)
        session.commit()
    except v.ValidationFailed as exc:
        session.rollback()
        return _invalid(exc)
    return partner_json(partner)


@bp.get("/tiers")
@roles(ALL_ROLES)
def tiers_index():
    return {"items": [{"name": t.name, "rank": t.rank} for t in partners.tiers()]}
