"""Brand templates in the REST API: the published versions a campaign asset can use."""

from __future__ import annotations

from sqlalchemy import select

from app.db import session
from app.web.access import VENDOR, roles
from app.web.api import bp
from app.web.api.formats import moment
from app.web.api.schemas.campaigns import (
    TAG,
    TEMPLATES,
)
from app.web.api.spec import operation
from brand_templates.models import BrandTemplate, BrandTemplateVersion


@bp.get("/templates")
@roles(VENDOR)
@operation(
    "Published brand-template versions that campaign assets can use", response=TEMPLATES, tag=TAG
)
def templates_index():
    versions = session.execute(
        select(BrandTemplateVersion)
        .join(BrandTemplate)
        .where(BrandTemplateVersion.published.is_(True), BrandTemplate.archived.is_(False))
        .order_by(BrandTemplate.name, BrandTemplateVersion.number.desc())
    ).scalars()
    return {"items": [_version_json(version) for version in versions]}


def _version_json(version: BrandTemplateVersion) -> dict:
    fields = (version.manifest or {}).get("fields") or {}
    return {
        "id": version.id,
        "template_id": version.template_id,
        "template": version.template.name,
        "slug": version.template.slug,
        "kind": version.template.kind,
        "number": version.number,
        "published_at": moment(version.published_at),
        "fields": [
            {
                "name": name,
                "type": spec.get("type", "text"),
                "label": spec.get("label") or name,
                "help": spec.get("help") or "",
                "editable": bool(spec.get("editable")),
                "required": bool(spec.get("required")),
                "default": None if spec.get("default") is None else str(spec["default"]),
                "default_from": spec.get("default_from"),
                "max_length": spec.get("max_length"),
                "choices": [str(c) for c in spec.get("choices") or []],
            }
            for name, spec in fields.items()
        ],
    }
