"""The public locator: where-to-buy, partner profiles, place autocomplete, the embeddable
widget, Leaflet served by Tandem, the sitemap and robots.txt."""

from __future__ import annotations

import json
import re
from pathlib import Path

from flask import (
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from markupsafe import Markup

from app.db import session
from app.web.access import public
from app.web.common import image_response
from app.web.maps import map_settings, with_map_policy
from app.web.public.views import bp
from app.web.throttle import limiter
from directory.leads import reports as lead_reports
from directory.locator import finder, gazetteer, profiles
from directory.locator.search import RADIUS_CHOICES_KM

STATIC = Path(__file__).resolve().parent.parent / "static"


def _leaflet_dir() -> str:
    import xstatic.pkg.leaflet

    return xstatic.pkg.leaflet.BASE_DIR


def _public_limit() -> str:
    return current_app.config["TANDEM"].public_api_limit


def logo_url(partner, *, external: bool = False) -> str | None:
    kit = partner.brand_kit
    if not kit or not (kit.logo_thumb_key or kit.logo_trimmed_key or kit.logo_key):
        return None
    return url_for("public.partner_logo", slug=partner.slug, _external=external)


@bp.get("/where-to-buy")
@public
@limiter.limit(_public_limit)
def where_to_buy():
    embed = request.args.get("embed") == "1"
    color = request.args.get("color", "")
    embed_color = color if embed and re.fullmatch(r"#[0-9a-fA-F]{6}", color) else ""
    try:
        answer = finder.ask(request.args)
        error = ""
    except finder.BadQuery as exc:
        answer, error = finder.Answer(), str(exc)
    if not error and answer.point and request.args.get("page", "1") in ("", "1"):
        # what customers look for, and where they find nothing: the leads' analytics
        lead_reports.log_search(
            answer.query,
            *answer.point,
            answer.radius_km,
            answer.results.total if answer.results else 0,
        )
        session.commit()
    html = render_template(
        "public/where_to_buy.html",
        answer=answer,
        error=error,
        facets=finder.facets(),
        radius_choices=RADIUS_CHOICES_KM,
        map_settings=map_settings(),
        embed=embed,
        embed_color=embed_color,
        language_name=finder.language_name,
        logo_url=logo_url,
        args=request.args,
        # every value of each parameter (a filter may have several) for the page links
        query_args=request.args.to_dict(flat=False),
    )
    response = Response(html, status=400 if error else 200)
    return with_map_policy(response, embeddable=embed)


@bp.get("/where-to-buy/places")
@public
@limiter.limit(_public_limit)
def place_suggestions():
    """Places for the search box's autocomplete: [{label, lat, lon}]."""
    places = gazetteer.suggest(request.args.get("q", "")[:100])
    response = jsonify([{"label": p.label, "lat": p.latitude, "lon": p.longitude} for p in places])
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/partners/<slug>")
@public
@limiter.limit(_public_limit)
def partner_profile(slug: str):
    partner = profiles.listed_partner(slug)
    if partner is None:
        abort(404, "There is no partner profile at this address.")
    url = url_for("public.partner_profile", slug=partner.slug, _external=True)
    logo = logo_url(partner, external=True)
    located = profiles.public_locations(partner)
    json_ld = [profiles.local_business(partner, loc, url, logo) for loc in located]
    html = render_template(
        "public/partner_profile.html",
        partner=partner,
        locations=located,
        canonical=url,
        logo=logo_url(partner),
        logo_external=logo,
        json_ld=Markup(json.dumps(json_ld).replace("</", "<\\/")),
        map_settings=map_settings(),
        languages=[finder.language_name(code) for code in partner.languages],
    )
    return with_map_policy(Response(html))


@bp.get("/partners/<slug>/logo")
@public
def partner_logo(slug: str):
    from app.storage import StorageError, get_storage

    partner = profiles.listed_partner(slug)
    kit = partner.brand_kit if partner else None
    key = kit and (kit.logo_thumb_key or kit.logo_trimmed_key or kit.logo_key)
    if not key:
        abort(404)
    try:
        data = get_storage().get(key)
    except StorageError:
        abort(404)
    response = image_response(data, key)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/sitemap.xml")
@public
def sitemap():
    urls = [url_for("public.where_to_buy", _external=True)]
    entries = [
        (url_for("public.partner_profile", slug=slug, _external=True), changed)
        for slug, changed in profiles.sitemap_entries()
    ]
    xml = render_template("public/sitemap.xml", urls=urls, entries=entries)
    return Response(xml, mimetype="application/xml")


@bp.get("/robots.txt")
@public
def robots():
    lines = [
        "User-agent: *",
        "Allow: /where-to-buy",
        "Allow: /partners/",
        "Disallow: /admin/",
        "Disallow: /portal/",
        "Disallow: /api/",
        f"Sitemap: {url_for('public.sitemap', _external=True)}",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@bp.get("/widget.js")
@public
def widget_script():
    response = send_from_directory(STATIC, "widget.js", mimetype="text/javascript", max_age=3600)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/vendor/leaflet/<path:filename>")
@public
def leaflet(filename: str):
    """Leaflet, from the xstatic-leaflet package."""
    return send_from_directory(_leaflet_dir(), filename, max_age=86400)
