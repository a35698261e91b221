"""The REST JSON API (token auth: ``Authorization: Bearer <token>``), one module per resource.

Request and response schemas live apart (``app.web.api.schemas``) and make both the body
validation and the OpenAPI document (``app.web.api.spec``).
"""

from flask import Blueprint, jsonify

from app.db import session
from app.validation import ValidationFailed
from app.web import throttle

bp = Blueprint("api", __name__)
docs = Blueprint("api_docs", __name__)
# the public, read-only API of the locator: no token (see app.web.api.locator)
public_bp = Blueprint("public_api", __name__)
throttle.token_failures(bp)


@bp.errorhandler(ValidationFailed)
def validation_failed(exc: ValidationFailed):
    """Input the domain refused: nothing of the action is kept, every field is named."""
    session.rollback()
    return jsonify(error={"code": 422, "message": "Validation failed", "fields": exc.errors}), 422


# the resource modules add their views to bp and docs
from app.web.api import (  # noqa: E402
    account,
    applications,
    campaigns,
    journeys,
    leads,
    locator,
    partner_campaigns,
    partners,
    prospects,
    scorecards,
    templates,
)

__all__ = [
    "account",
    "applications",
    "bp",
    "campaigns",
    "docs",
    "journeys",
    "leads",
    "locator",
    "partner_campaigns",
    "partners",
    "prospects",
    "public_bp",
    "scorecards",
    "templates",
]
