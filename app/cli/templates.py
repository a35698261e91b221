"""``tandem templates ...``: validate, render and import brand templates from the command line.

The brand-template format (loading, validation, rendering, versions) lives in
``brand_templates``; this module is its command line, and the only place where a template
meets a real partner (``render --partner``). Each command imports what it uses when it
runs, so that ``tandem templates --help`` stays quick and ``validate`` loads neither the app
nor the database.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import current_app
from flask.cli import AppGroup, ScriptInfo

if TYPE_CHECKING:
    from brand_templates.bundle import TemplateBundle
    from brand_templates.errors import ValidationError

templates = AppGroup("templates", help="Brand templates: validate, render and import them.")


def format_error(error: ValidationError) -> str:
    """``file:line: field: message``, leaving out the parts that are unknown."""
    return str(error)


def _load(path: str) -> TemplateBundle:
    """A folder or zip, or the slug of a starter template."""
    from brand_templates.bundle import load_bundle
    from brand_templates.library import load_starter, starter_slugs

    if Path(path).exists():
        return load_bundle(path)
    if path in starter_slugs():
        return load_starter(path)
    raise click.BadParameter(
        f"{path!r} is neither a folder, a zip file nor a starter ({', '.join(starter_slugs())})",
        param_hint="PATH",
    )


def _fail(errors: list[ValidationError]) -> None:
    for error in errors:
        click.echo(format_error(error))
    raise SystemExit(1)


def _valid_bundle(path: str, *, render: bool = True) -> TemplateBundle:
    """The template at PATH, loaded and validated (with a sample render unless RENDER is
    false); exit 1 with its errors if it is not valid."""
    from brand_templates.errors import TemplateInvalid
    from brand_templates.validation import validate

    try:
        bundle = _load(path)
    except TemplateInvalid as exc:
        _fail(exc.errors)
    errors = validate(bundle, render=render)
    if errors:
        _fail(errors)
    return bundle


@templates.command("validate", with_appcontext=False)
@click.argument("path")
@click.option(
    "--no-render",
    is_flag=True,
    help="Only check the files; skip the render for the sample partner.",
)
def validate_command(path: str, no_render: bool) -> None:
    """Check the template at PATH (folder, zip or starter slug) and render it for the sample
    partner; exit 1 on any error."""
    bundle = _valid_bundle(path, render=not no_render)
    manifest = bundle.manifest
    editable = len(manifest.editable_fields)
    click.echo(
        f"{path}: OK: {manifest.kind} template {manifest.name!r}, "
        f"{len(manifest.fields)} fields ({editable} editable)"
    )


@templates.command("render", with_appcontext=False)
@click.argument("path")
@click.option("--sample", is_flag=True, help="Use the sample partner and vendor.")
@click.option("--partner", "partner_slug", metavar="SLUG", help="Use this partner's brand kit.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pdf", "png", "jpeg", "webp", "html"]),
    help="Output format (default: the template kind's own).",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write.",
)
@click.option(
    "--text",
    "text_output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Email templates: also write the plain-text part to this file.",
)
def render_command(
    path: str,
    sample: bool,
    partner_slug: str | None,
    fmt: str | None,
    output: Path,
    text_output: Path | None,
) -> None:
    """Render the template at PATH with sample or real partner data to OUTPUT."""
    from brand_templates.rendering import output_format, render
    from brand_templates.sample_check import render_problems

    if sample == bool(partner_slug):
        raise click.UsageError("give exactly one of --sample or --partner SLUG")
    # the render below finds what a sample render would: the files are checked first
    bundle = _valid_bundle(path, render=False)
    try:
        fmt = output_format(bundle.manifest, fmt)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if text_output is not None and bundle.manifest.kind != "email":
        raise click.UsageError(
            f"--text writes the plain-text part of an email; this is a {bundle.manifest.kind} "
            "template"
        )
    if sample:
        from brand_templates.sample import sample_context, sample_storage_get

        context, storage_get = sample_context(), sample_storage_get
    else:
        context, storage_get = _partner_context(partner_slug)
    try:
        rendered = render(bundle, context, storage_get, fmt=fmt)
    except Exception as exc:  # every render error is the template's to hear, as a message
        _fail(render_problems(bundle, exc))
    output.write_bytes(rendered.data)
    if rendered.email is not None:
        click.echo(f"subject: {rendered.email.subject}")
    click.echo(f"wrote {output} ({rendered.content_type}, {len(rendered.data)} bytes)")
    if text_output is not None and rendered.email is not None:
        text = rendered.email.text.encode("utf-8")
        text_output.write_bytes(text)
        click.echo(f"wrote {text_output} (text/plain; charset=utf-8, {len(text)} bytes)")


def _partner_context(slug: str):
    """The context and storage reader for a partner, inside the application."""
    if not current_app:
        app = click.get_current_context().ensure_object(ScriptInfo).load_app()
        click.get_current_context().with_resource(app.app_context())
    from directory.context import partner_context_by_slug

    try:
        context = dict(partner_context_by_slug(slug))
    except LookupError:
        raise click.BadParameter(f"no partner {slug!r}", param_hint="--partner") from None
    storage_get = context.pop("storage_get")
    return context, storage_get


@templates.command("import")
@click.argument("path")
@click.option("--slug", help="Template slug (default: from the manifest's name).")
@click.option("--publish", is_flag=True, help="Publish the imported version.")
def import_command(path: str, slug: str | None, publish: bool) -> None:
    """Import the template at PATH as a new version (identical bundles are not duplicated)."""
    from sqlalchemy import func, select

    from app.db import session, transaction
    from brand_templates.errors import TemplateInvalid
    from brand_templates.models import BrandTemplateVersion
    from brand_templates.versions import import_template
    from brand_templates.versions import publish as publish_version

    try:
        bundle = _load(path)
        with transaction():
            last_id = session.execute(select(func.max(BrandTemplateVersion.id))).scalar() or 0
            version = import_template(session, bundle, slug=slug)
            if publish and not version.render_errors:
                publish_version(session, version)
            summary = f"{version.template.slug} version {version.number}"
            created = version.id > last_id
            state = "published" if version.published else "draft"
            problems = version.render_problems
    except TemplateInvalid as exc:
        _fail(exc.errors)
    if created:
        click.echo(f"imported {summary} ({state})")
    else:
        click.echo(f"unchanged: {summary} ({state}) already holds this bundle")
    if problems:
        click.echo("its sample render fails, so it cannot be published until these are fixed:")
        _fail(problems)
