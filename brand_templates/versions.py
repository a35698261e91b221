"""Importing templates as versions: validated first, content-addressed, never edited in place."""

from __future__ import annotations

import dataclasses
import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.storage import content_key, get_storage

from .bundle import TemplateBundle, load_bundle
from .errors import TemplateInvalid, ValidationError
from .models import BrandTemplate, BrandTemplateVersion
from .validation import file_errors

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
STORAGE_PREFIX = "brand-templates"


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80] or "template"


def import_template(
    session: Session,
    bundle: TemplateBundle,
    *,
    slug: str | None = None,
    user_id: int | None = None,
) -> BrandTemplateVersion:
    """Validate BUNDLE and add it as the next version of the template SLUG.

    Raises TemplateInvalid (writing nothing) when the bundle's files have errors. A bundle
    whose render for the sample partner fails is imported as a draft that keeps those
    problems in ``render_errors`` and cannot be published. Importing a bundle identical to
    an existing version of that template returns that version. The caller owns the
    transaction; this only flushes.
    """
    errors = file_errors(bundle)
    manifest = bundle.parsed[0]
    slug = slug if slug is not None else slugify(manifest.name if manifest else "")
    if not SLUG_RE.match(slug) or len(slug) > 80:
        errors.append(
            ValidationError(
                None, None, "slug", f"{slug!r} must be lower-case letters, digits and single dashes"
            )
        )
    if errors:
        raise TemplateInvalid(errors)
    assert manifest is not None

    template = session.execute(
        select(BrandTemplate).where(BrandTemplate.slug == slug)
    ).scalar_one_or_none()
    if template is not None:
        if template.kind != manifest.kind:
            raise TemplateInvalid(
                [
                    ValidationError(
                        "template.toml",
                        None,
                        "kind",
                        f"template {slug!r} is a {template.kind} template; a new version cannot "
                        f"change it to {manifest.kind} (import it under another slug)",
                    )
                ]
            )
        existing = session.execute(
            select(BrandTemplateVersion).where(
                BrandTemplateVersion.template_id == template.id,
                BrandTemplateVersion.sha256 == bundle.sha256,
            )
        ).scalar_one_or_none()
        if existing is not None:
            return existing
        template.name = manifest.name
        template.description = manifest.description
        number = (
            session.execute(
                select(func.max(BrandTemplateVersion.number)).where(
                    BrandTemplateVersion.template_id == template.id
                )
            ).scalar()
            or 0
        ) + 1
    else:
        template = BrandTemplate(
            slug=slug, name=manifest.name, kind=manifest.kind, description=manifest.description
        )
        session.add(template)
        number = 1

    data = bundle.to_zip()
    key = content_key(STORAGE_PREFIX, data, ".zip")
    version = BrandTemplateVersion(
        template=template,
        number=number,
        manifest=manifest.to_json(),
        bundle_key=key,
        sha256=bundle.sha256,
        size=len(data),
        created_by_id=user_id,
        published=False,
        render_errors=_as_json(sample_render_errors(bundle)),
    )
    session.add(version)
    session.flush()
    # stored after the rows are flushed, so a refused insert leaves no file behind;
    # the key is content-addressed, so a rolled-back import's file is only a harmless duplicate
    get_storage().put(key, data, "application/zip")
    return version


class PublishRefused(TemplateInvalid):
    """A version whose sample render fails cannot be published; ``errors`` says why."""


def publish(session: Session, version: BrandTemplateVersion) -> BrandTemplateVersion:
    """Mark VERSION published: from now on it never changes.

    Raises PublishRefused when its render for the sample partner fails. A version with
    problems (or never checked) is rendered again first: the problem may have been a render
    that ran out of time, or one that a newer Tandem no longer has.
    """
    if version.published:
        return version
    if version.render_errors != []:
        version.render_errors = _as_json(sample_render_errors(version_bundle(version)))
        session.flush()
        if version.render_errors:
            raise PublishRefused(version.render_problems)
    version.published = True
    version.published_at = utcnow()
    session.flush()
    return version


def sample_render_errors(bundle: TemplateBundle) -> list[ValidationError]:
    # loaded when needed: the renderers are heavy, and models and versions are imported early
    from .sample_check import sample_render_errors as render_errors

    return render_errors(bundle)


def _as_json(errors: list[ValidationError]) -> list[dict]:
    return [dataclasses.asdict(error) for error in errors]


def version_bundle(version: BrandTemplateVersion) -> TemplateBundle:
    """The bundle of VERSION, read back from storage and checked against its hash."""
    bundle = load_bundle(get_storage().get(version.bundle_key))
    if bundle.sha256 != version.sha256:
        raise TemplateInvalid(
            [
                ValidationError(
                    version.bundle_key, None, None, "stored bundle does not match its hash"
                )
            ]
        )
    bundle.origin = f"{version.template.slug} v{version.number}"
    return bundle


def latest_version(
    session: Session, template: BrandTemplate, *, published_only: bool = True
) -> BrandTemplateVersion | None:
    query = select(BrandTemplateVersion).where(BrandTemplateVersion.template_id == template.id)
    if published_only:
        query = query.where(BrandTemplateVersion.published.is_(True))
    return session.execute(
        query.order_by(BrandTemplateVersion.number.desc()).limit(1)
    ).scalar_one_or_none()
