"""Pages with a map: the tile server's settings for the page's script, and the
Content-Security-Policy that lets the page load that server's tiles. One place for the public
locator, the admin area's lead maps and the portal's pin editor."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import Response, current_app, g


def tile_origin() -> str:
    """The tile server's origin (``*.`` for a ``{s}`` subdomain template), for the policy."""
    url = current_app.config["TANDEM"].map_tile_url
    parsed = urlparse(url.replace("{s}", "a"))
    if parsed.scheme not in ("http", "https"):
        return ""  # a data: tile (img-src allows data: already)
    if "{s}" in url:
        return f"{parsed.scheme}://*.{parsed.netloc.split('.', 1)[1]}"
    return f"{parsed.scheme}://{parsed.netloc}"


def with_map_policy(response: Response | str, *, embeddable: bool = False) -> Response:
    """RESPONSE (or HTML) allowed to load the tile server's images; an EMBEDDABLE page (the
    widget) may also sit in any site's frame."""
    if not isinstance(response, Response):
        response = Response(response)
    ancestors = "*" if embeddable else "'self'"
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; img-src 'self' data: blob: {tile_origin()}; "
        f"style-src 'self' 'unsafe-inline'; frame-ancestors {ancestors}; form-action 'self'"
    )
    g.embeddable = embeddable
    return response


def map_settings() -> dict:
    """What a page's map script needs: the tile URL template and its attribution."""
    settings = current_app.config["TANDEM"]
    return {"tiles": settings.map_tile_url, "attribution": settings.map_attribution}
