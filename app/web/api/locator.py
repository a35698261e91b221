"""The public, read-only locator API (``/api/public/v1``): no token, CORS for any origin,
ETag and Cache-Control, rate limited per client address."""

from __future__ import annotations

from flask import abort, current_app, jsonify, request, url_for

from app.web.access import public
from app.web.api import public_bp
from app.web.api.schemas.locator import LOCATOR, LOCATOR_QUERY, PROFILE
from app.web.api.spec import operation
from app.web.throttle import limiter
from directory.locator import finder, profiles
from directory.locator.search import DEFAULT_PER_PAGE, MAX_PER_PAGE

CACHE_CONTROL = "public, max-age=60"


def _limit() -> str:
    return current_app.config["TANDEM"].public_api_limit


limiter.limit(_limit, error_message="Too many requests from your address.")(public_bp)


@public_bp.after_request
def _cors_and_cache(response):
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "If-None-Match"
    response.headers["Access-Control-Expose-Headers"] = "ETag, Retry-After"
    response.headers["Access-Control-Max-Age"] = "86400"
    if request.method == "GET" and response.status_code == 200:
        response.headers["Cache-Control"] = CACHE_CONTROL
        response.add_etag()
        response.make_conditional(request)
    return response


def _location(loc) -> dict:
    return {
        "id": loc.id,
        "label": loc.label,
        "street": loc.street,
        "postal_code": loc.postal_code,
        "city": loc.city,
        "region": loc.region,
        "country_code": loc.country_code,
        "latitude": loc.latitude,
        "longitude": loc.longitude,
        "opening_hours": loc.opening_hours,
        "precision": loc.geocode_state,
    }


def _partner(partner) -> dict:
    profile = url_for("public.partner_profile", slug=partner.slug, _external=True)
    kit = partner.brand_kit
    has_logo = bool(kit and (kit.logo_thumb_key or kit.logo_trimmed_key or kit.logo_key))
    return {
        "slug": partner.slug,
        "name": partner.name,
        "type": partner.type,
        "tier": partner.tier.name if partner.tier else None,
        "certifications": list(partner.certifications or ()),
        "specialties": list(partner.specialties or ()),
        "services": list(partner.services or ()),
        "languages": list(partner.languages or ()),
        "phone": partner.phone,
        "website": partner.website,
        "url": profile,
        "request_url": profile + "#request",
        "logo_url": url_for("public.partner_logo", slug=partner.slug, _external=True)
        if has_logo
        else None,
    }


def _place(place) -> dict:
    return {"label": place.label, "latitude": place.latitude, "longitude": place.longitude}


@public_bp.get("/locator")
@public
@operation(
    "Partner locations near a place or a point, nearest first, with their distance",
    response=LOCATOR,
    query=LOCATOR_QUERY,
    tag="locator",
)
def locator():
    per_page = request.args.get("per_page", str(DEFAULT_PER_PAGE))
    if not per_page.isdigit() or not 1 <= int(per_page) <= MAX_PER_PAGE:
        abort(400, f"per_page must be a whole number from 1 to {MAX_PER_PAGE}.")
    try:
        answer = finder.ask(request.args, per_page=int(per_page))
    except finder.BadQuery as exc:
        abort(400, str(exc))
    if answer.not_found:
        abort(404, f"No place called {answer.query!r} was found.")
    if answer.point is None:
        abort(400, "Give a place (q) or a point (lat and lon).")
    results = answer.results
    return jsonify(
        query=answer.query,
        place=_place(answer.place) if answer.place else None,
        other_places=[_place(p) for p in answer.others],
        point=list(answer.point),
        radius_km=answer.radius_km,
        total=results.total,
        total_capped=results.total_capped,
        page=results.page,
        pages=results.pages,
        nearest_instead=results.nearest_instead,
        suggested_radius_km=results.suggested_radius_km,
        results=[
            {
                "distance_km": hit.distance_km,
                "partner": _partner(hit.partner),
                "location": _location(hit.location),
            }
            for hit in results.hits
        ],
    )


@public_bp.get("/partners/<slug>")
@public
@operation("A listed partner's public profile", response=PROFILE, tag="locator")
def partner(slug: str):
    found = profiles.listed_partner(slug)
    if found is None:
        abort(404, "There is no listed partner with this name.")
    return jsonify(
        **_partner(found),
        description=found.description,
        email=found.email,
        locations=[_location(loc) for loc in profiles.public_locations(found)],
    )
