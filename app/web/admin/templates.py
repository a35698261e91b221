"""The brand-template library in the admin area: starters, uploads, versions and previews."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app import audit
from app.db import session
from app.models import Role
from app.storage import get_storage
from app.web.access import VENDOR, roles
from app.web.admin import bp
from app.web.common import get_or_404, uploaded_bytes
from brand_templates import TemplateInvalid, ValidationError, load_bundle, starter_slugs
from brand_templates.library import load_starter
from brand_templates.models import BrandTemplate, BrandTemplateVersion
from brand_templates.sample import sample_context, sample_storage_get
from brand_templates.versions import PublishRefused, import_template, publish, version_bundle

AUTHORS = frozenset({Role.ADMIN, Role.MARKETER})
MAX_BUNDLE_BYTES = 20 * 1024 * 1024
# an email preview is shown in a sandboxed frame: its own inline styles and images only
EMAIL_PREVIEW_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


@bp.get("/templates")
@roles(VENDOR)
def templates():
    rows = session.execute(select(BrandTemplate).order_by(BrandTemplate.name)).scalars().all()
    imported = {t.slug for t in rows}
    starters = [
        (slug, load_starter(slug).manifest) for slug in starter_slugs() if slug not in imported
    ]
    return render_template("admin/templates.html", templates=rows, starters=starters)


@bp.post("/templates/starters/<slug>")
@roles(AUTHORS)
def template_import_starter(slug: str):
    if slug not in starter_slugs():
        abort(404)
    version = import_template(session, load_starter(slug), slug=slug, user_id=current_user.id)
    try:
        publish(session, version)
    except PublishRefused:
        pass  # kept as a draft; its page says why (a render that ran out of time, say)
    audit.record(
        current_user,
        "template.import",
        version.template,
        changes={"starter": [None, slug], "version": [None, version.number]},
    )
    session.commit()
    if version.published:
        flash(f"{version.template.name} is in the library.", "success")
    else:
        flash(f"{version.template.name} is a draft: its sample render fails.", "error")
    return redirect(url_for("admin.template_detail", template_id=version.template_id))


@bp.post("/templates/upload")
@roles(AUTHORS)
def template_upload():
    """A zipped template folder: validated as a whole; nothing is kept when it has errors."""
    data = uploaded_bytes("bundle")
    if data is None:
        flash("Choose a .zip of the template folder.", "error")
        return redirect(url_for("admin.templates"))
    if len(data) > MAX_BUNDLE_BYTES:
        flash(f"The file is {len(data) / 1e6:.1f} MB; the limit is 20 MB.", "error")
        return redirect(url_for("admin.templates"))
    slug = (request.form.get("slug") or "").strip() or None
    try:
        version = import_template(session, load_bundle(data), slug=slug, user_id=current_user.id)
        audit.record(
            current_user,
            "template.upload",
            version.template,
            changes={"version": [None, version.number]},
        )
        session.commit()
    except TemplateInvalid as exc:
        session.rollback()
        return render_template("admin/template_errors.html", errors=exc.errors), 400
    if version.render_errors:
        flash(
            f"Version {version.number} of {version.template.name} is kept as a draft, but its "
            "sample render fails: fix the problems shown below and upload it again.",
            "error",
        )
    else:
        flash(f"Version {version.number} of {version.template.name} is ready to review.", "success")
    return redirect(url_for("admin.template_detail", template_id=version.template_id))


@bp.get("/templates/<int:template_id>")
@roles(VENDOR)
def template_detail(template_id: int):
    template = get_or_404(BrandTemplate, template_id)
    return render_template(
        "admin/template_detail.html", template=template, versions=list(reversed(template.versions))
    )


@bp.post("/templates/versions/<int:version_id>/publish")
@roles(AUTHORS)
def template_publish(version_id: int):
    version = get_or_404(BrandTemplateVersion, version_id)
    try:
        publish(session, version)
    except PublishRefused:
        session.commit()  # the problems found by rendering it again
        message = (
            f"Version {version.number} cannot be published: its sample render fails "
            "(see the problems below)."
        )
        template = version.template
        return render_template(
            "admin/template_detail.html",
            template=template,
            versions=list(reversed(template.versions)),
            refused=message,
        ), 422
    audit.record(
        current_user,
        "template.publish",
        version.template,
        changes={"version": [None, version.number]},
    )
    session.commit()
    flash(f"Version {version.number} is published; campaigns can use it.", "success")
    return redirect(url_for("admin.template_detail", template_id=version.template_id))


class SampleRenderFailed(Exception):
    """The sample render of a version failed; ``problems`` say why, at file and line."""

    def __init__(self, version: BrandTemplateVersion, problems: list[ValidationError]):
        super().__init__("; ".join(str(problem) for problem in problems))
        self.version = version
        self.problems = problems


@bp.errorhandler(SampleRenderFailed)
def sample_render_failed(exc: SampleRenderFailed):
    """Any page made from a failing sample render answers with its problems, never a 500."""
    return render_template(
        "admin/template_render_errors.html", errors=exc.problems, version=exc.version
    ), 422


def sample_render(version: BrandTemplateVersion, fmt: str | None = None):
    """The version rendered for the sample partner (what a template author checks first).

    Raises SampleRenderFailed with the problems when the render fails, and ValueError for
    a format the template's kind does not have.
    """
    from brand_templates import rendering
    from brand_templates.sample_check import render_problems

    bundle = version_bundle(version)
    fmt = rendering.output_format(bundle.manifest, fmt)
    try:
        return bundle, rendering.render(bundle, sample_context(), sample_storage_get, fmt=fmt)
    except Exception as exc:  # the template's problem, shown to its author
        raise SampleRenderFailed(version, render_problems(bundle, exc)) from exc


def _sample_picture(version: BrandTemplateVersion, what: str) -> tuple[bytes, str]:
    """The sample render's preview (WHAT="preview": a PNG, or for emails the HTML) or
    thumbnail ("thumbnail": a PNG for every kind), made once and kept in storage by the
    version's hash. (bytes, content type)"""
    from brand_templates import rendering

    is_email = version.manifest.get("kind") == "email"
    html = is_email and what == "preview"
    # a PDF's or an image's thumbnail is its preview: one stored file
    fmt = "thumbnail" if is_email and what == "thumbnail" else "preview"
    key = "previews/" + rendering.render_key(version.sha256, {}, "sample", fmt)
    storage = get_storage()
    content_type = "text/html" if html else "image/png"
    if not storage.exists(key):
        _bundle, rendered = sample_render(version)
        made = rendering.preview(rendered) if html else rendering.thumbnail(rendered)
        storage.put(key, made.encode() if isinstance(made, str) else made, content_type)
    return storage.get(key), content_type


@bp.get("/templates/versions/<int:version_id>/preview")
@roles(VENDOR)
def template_preview(version_id: int):
    """A thumbnail (PNG) or, for emails, the HTML preview; cached in storage by render key.

    When the sample render fails: 422 with a PNG that says why, or the HTML of the problems.
    """
    version = get_or_404(BrandTemplateVersion, version_id)
    is_email = version.manifest.get("kind") == "email"
    picture = _sample_picture_or_problems(version, "preview")
    if isinstance(picture, list):
        return _preview_refused(picture, is_email)
    data, content_type = picture
    response = Response(data, mimetype=content_type)
    response.headers["Cache-Control"] = "private, max-age=3600"
    if content_type == "text/html":
        response.headers["Content-Security-Policy"] = EMAIL_PREVIEW_CSP
    return response


def _sample_picture_or_problems(
    version: BrandTemplateVersion, what: str
) -> tuple[bytes, str] | list[ValidationError]:
    """``_sample_picture``, or the problems when the sample render or its picture fails."""
    from renderers.errors import RenderError

    try:
        return _sample_picture(version, what)
    except SampleRenderFailed as exc:
        return exc.problems
    except RenderError as exc:  # the picture of a render that worked
        return [ValidationError(None, None, None, str(exc))]


def _preview_refused(problems: list[ValidationError], is_email: bool) -> Response:
    """The preview of a template whose sample render fails: why, as an image or HTML."""
    from renderers.preview import error_thumbnail

    if is_email:
        html = render_template("admin/template_render_errors.html", errors=problems, bare=True)
        response = Response(html, status=422, mimetype="text/html")
        response.headers["Content-Security-Policy"] = EMAIL_PREVIEW_CSP
    else:
        image = error_thumbnail("No preview: the sample render fails", [str(p) for p in problems])
        response = Response(image, status=422, mimetype="image/png")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/templates/versions/<int:version_id>/thumbnail.png")
@roles(VENDOR)
def template_thumbnail(version_id: int):
    """A PNG of the sample render for the library, for every kind (an email's top, too);
    when the sample render fails, a 422 PNG that says why."""
    version = get_or_404(BrandTemplateVersion, version_id)
    picture = _sample_picture_or_problems(version, "thumbnail")
    if isinstance(picture, list):
        return _preview_refused(picture, is_email=False)
    data, content_type = picture
    response = Response(data, mimetype=content_type)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/templates/versions/<int:version_id>/sample.<fmt>")
@roles(VENDOR)
def template_sample(version_id: int, fmt: str):
    version = get_or_404(BrandTemplateVersion, version_id)
    try:
        _bundle, rendered = sample_render(version, fmt)  # SampleRenderFailed: a 422 page
    except ValueError as exc:
        abort(404, str(exc))
    slug = version.template.slug
    return Response(
        rendered.data,
        mimetype=rendered.content_type,
        headers={
            "Content-Disposition": (
                f'inline; filename="{slug}-v{version.number}-sample.{rendered.extension}"'
            )
        },
    )
