"""The API's account resources: who the token belongs to, and the OpenAPI document."""

from __future__ import annotations

from flask import current_app

from app.web.access import ALL_ROLES, acting_user, public, roles
from app.web.api import bp, docs
from app.web.api.spec import openapi_document, operation

ME = {
    "type": "object",
    "required": ["id", "email", "role"],
    "properties": {
        "id": {"type": "integer"},
        "email": {"type": "string"},
        "name": {"type": "string"},
        "role": {"type": "string"},
        "partner_id": {"type": "integer", "nullable": True},
    },
}


@bp.get("/me")
@roles(ALL_ROLES)
@operation("The user the token belongs to", response=ME, tag="account")
def me():
    user = acting_user()
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "partner_id": user.partner_id,
    }


@docs.get("/openapi.json")
@public
def openapi():
    return openapi_document(current_app)
