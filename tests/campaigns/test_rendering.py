"""Renders: stored by render key, made again only for what changed, customizations, failures
and retries, and crash safety of the worker's job."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.db import session, utcnow
from app.storage import get_storage
from brand_templates import FieldValueError, LockedFieldError
from campaigns import assets, customize, lifecycle, progress, rendering
from campaigns.models import AssetRender, Customization, EngagementEvent
from directory import brand_kits
from directory.demo_logos import generate_logo
from tests.brand_templates.conftest import png
from tests.campaigns.conftest import row_of


def stored_renders() -> dict[str, float]:
    root = get_storage().root / "renders"
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_new_brand_kit_renders_that_partner_again_and_no_one_else(network, launched, monkeypatch):
    asset = launched.assets[0]
    before = {key: row_of(asset, network.__dict__[key]) for key in ("alpha", "charlie")}
    keys = {key: (row.render_key, row.storage_key) for key, row in before.items()}
    files = stored_renders()
    assert len(files) == 4  # a file and its preview per partner

    brand_kits.set_logo(network.alpha, generate_logo("Alpha Solar"), "test")
    session.commit()

    alpha = rendering.current_render(asset, network.alpha)
    assert alpha.status == "done" and alpha.attempts == 2
    assert alpha.render_key != keys["alpha"][0] and alpha.storage_key != keys["alpha"][1]
    assert pdf_text(get_storage().get(alpha.storage_key)).count("Alpha Solar") == 2

    # nothing changed for charlie, or for alpha since: the stored files are served as they are
    def no_render(_prepared):
        raise AssertionError("rendered although nothing changed")

    monkeypatch.setattr(rendering, "render_prepared", no_render)
    charlie = rendering.current_render(asset, network.charlie)
    assert (charlie.render_key, charlie.storage_key, charlie.attempts) == (*keys["charlie"], 1)
    assert rendering.current_render(asset, network.alpha).attempts == 2
    after = stored_renders()
    assert len(after) == 6
    assert {k: after[k] for k in files} == files  # untouched


def test_customization_only_for_editable_fields_and_shows_in_the_pdf(
    network, make_campaign, versions, sent
):
    campaign = make_campaign(targeting={"tiers": ["Gold"]}, assets=("stamp",))
    square = assets.add_asset(
        campaign,
        {
            "template_version_id": versions.square.id,
            "title": "Square post",
            "presets": {"headline": "Summer deals", "cta": "Call us"},
            "editable_fields": ["headline"],
        },
        None,
    )
    session.commit()
    stamp = campaign.assets[0]
    lifecycle.launch(campaign.id)
    user = network.users["alpha"]

    refused = [
        (square, {"eyebrow": "Mine"}, LockedFieldError, "eyebrow: is locked by the vendor"),
        (square, {"product_image": "images/x.png"}, LockedFieldError, "product_image: is locked"),
        (square, {"headline": "Fine", "wat": 1}, FieldValueError, "wat: is not a field"),
        (stamp, {"partner_name": "x" * 61}, FieldValueError, "partner_name: "),
        (stamp, {"partner_name": ""}, FieldValueError, "is required"),
    ]
    for asset, values, error, message in refused:
        with pytest.raises(error, match=message):
            customize.save_customization(asset, network.alpha, values, user)
        session.rollback()
    assert session.execute(select(func.count()).select_from(Customization)).scalar_one() == 0
    assert session.execute(select(func.count()).select_from(EngagementEvent)).scalar_one() == 0

    saved = customize.save_customization(
        stamp, network.alpha, {"partner_name": "  Alpha Solar München  "}, user
    )
    session.commit()
    assert saved.values == {"partner_name": "Alpha Solar München"}
    event = session.execute(select(EngagementEvent)).scalar_one()
    assert (event.kind, event.partner_id, event.user_id, event.asset_id) == (
        "customize",
        network.alpha.id,
        user.id,
        stamp.id,
    )
    states = {s["name"]: s for s in customize.field_states(stamp, network.alpha)}
    assert states["partner_name"]["value"] == "Alpha Solar München"
    assert (states["partner_name"]["source"], states["partner_name"]["editable"]) == (
        "partner",
        True,
    )

    row = rendering.current_render(stamp, network.alpha)
    assert row.status == "done", row.error
    data, content_type, filename = rendering.stored_file(row)
    assert (
        content_type == "application/pdf"
        and filename == "summer-push-homevault-brochure-co-branded-pdf-alpha-solar.pdf"
    )
    assert "Alpha Solar München" in pdf_text(data)

    # an unsaved value previews without being stored
    preview, kind = rendering.preview_for_partner(square, network.alpha, {"headline": "Try this"})
    assert kind == "image/png" and preview.startswith(b"\x89PNG")


def test_progress_and_retry_failed(network, make_campaign, sent):
    campaign = make_campaign(targeting={"min_tier": "Gold"}, assets=("stamp",))
    kit = brand_kits.brand_kit_for(network.alpha)
    kit.logo_trimmed_key = "logos/lost/logo.png"  # a stored file that went missing
    session.commit()
    lifecycle.launch(campaign.id)
    assert progress.progress(campaign.id) == {
        "total": 2,
        "pending": 2,
        "running": 0,
        "done": 0,
        "failed": 0,
        "failures": [],
    }
    assert sorted(sent.run_renders().values()) == ["done", "failed"]
    report = progress.progress(campaign.id)
    assert {k: report[k] for k in ("total", "done", "failed", "pending", "running")} == {
        "total": 2,
        "done": 1,
        "failed": 1,
        "pending": 0,
        "running": 0,
    }
    [(partner, title, error)] = report["failures"]
    assert (partner, title) == ("Alpha Solar", "HomeVault brochure (co-branded PDF)")
    assert "storage:logos/lost/logo.png" in error

    get_storage().put("logos/lost/logo.png", png(), "image/png")  # the file is back
    assert progress.retry_failed(campaign.id) == 1
    failed = row_of(campaign.assets[0], network.alpha)
    assert sent.render_ids() == [failed.id]
    assert sent.run_renders() == {failed.id: "done"}
    assert progress.progress(campaign.id)["done"] == 2
    assert progress.retry_failed(campaign.id) == 0


def test_render_one_is_idempotent_and_takes_over_abandoned_jobs(network, make_campaign, sent):
    campaign = make_campaign(targeting={"tiers": ["Gold"]}, assets=("stamp",))
    lifecycle.launch(campaign.id)
    [render_id] = sent.render_ids()
    sent.clear()
    row = session.get(AssetRender, render_id)

    def set_row(**values):
        for name, value in values.items():
            setattr(row, name, value)
        session.commit()

    # a live worker has it: left alone
    set_row(status="running", updated_at=utcnow(), attempts=1)
    assert rendering.render_one(render_id) == "running"
    # its worker died long ago: taken over
    set_row(updated_at=utcnow() - rendering.RUNNING_TIMEOUT - timedelta(seconds=1))
    assert rendering.render_one(render_id) == "done"
    session.refresh(row)
    assert (row.status, row.attempts, row.error) == ("done", 2, "")
    assert rendering.render_one(render_id) == "done"  # a second delivery
    session.refresh(row)
    assert row.attempts == 2
    assert rendering.render_one(999_999) == "missing"

    # the sweeper sends again what lost its message, and only that
    set_row(status="pending", updated_at=utcnow() - timedelta(minutes=1))
    assert progress.requeue_stalled() == 0
    set_row(status="running", updated_at=utcnow() - timedelta(minutes=6))
    assert progress.requeue_stalled() == 1
    session.refresh(row)
    assert row.status == "pending" and sent.render_ids() == [render_id]
    # the dead worker's late result is not recorded over the new claim
    assert rendering._finish(render_id, attempt=1, status="failed") is False


def test_an_unexpected_error_is_recorded_not_raised(network, make_campaign, sent, monkeypatch):
    campaign = make_campaign(targeting={"tiers": ["Gold"]}, assets=("stamp",))
    lifecycle.launch(campaign.id)

    def broken(_prepared):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(rendering, "render_prepared", broken)
    assert list(sent.run_renders().values()) == ["failed"]
    assert progress.progress(campaign.id)["failures"][0][2] == "RuntimeError: disk on fire"


def test_asset_presets_are_checked_when_added(network, make_campaign, versions):
    from app.validation import ValidationFailed

    campaign = make_campaign(assets=())
    with pytest.raises(ValidationFailed) as caught:
        assets.add_asset(
            campaign,
            {
                "template_version_id": versions.square.id,
                "presets": {"accent": "red", "headline": "x" * 61},
                "editable_fields": ["headline", "product_image", "nope"],
            },
            None,
        )
    errors = caught.value.errors
    assert "presets.accent" in errors and "presets.headline" in errors
    assert errors["editable_fields"] == (
        "'product_image' is locked by the template and cannot be made editable; "
        "'nope' is not a field of the template."
    )


def test_an_email_asset_renders_to_html_with_an_html_preview(network, make_campaign, sent):
    from brand_templates import load_starter
    from brand_templates.versions import import_template, publish

    version = publish(session, import_template(session, load_starter("event-invitation")))
    campaign = make_campaign(targeting={"tiers": ["Gold"]}, assets=())
    asset = assets.add_asset(
        campaign,
        {"template_version_id": version.id, "presets": {"event_title": "Open evening"}},
        None,
    )
    session.commit()
    row = rendering.current_render(asset, network.alpha)
    assert (row.status, row.content_type, row.extension) == (
        "done",
        "text/html; charset=utf-8",
        "html",
    )
    html = get_storage().get(row.storage_key).decode()
    assert "Open evening" in html and "Alpha Solar" in html
    assert row.preview_key.endswith(".preview.html")


def test_thumbnails_for_lists_of_assets_an_emails_too(network, make_campaign, sent, monkeypatch):
    """A thumbnail is the preview of a PDF or an image, and a picture of the top of an
    email; made once per render key and kept, and a new logo makes a new one."""
    from PIL import Image

    from brand_templates import load_starter
    from brand_templates.versions import import_template, publish

    newsletter = publish(
        session, import_template(session, load_starter("monthly-newsletter"), slug="newsletter")
    )
    campaign = make_campaign(targeting={"min_tier": "Gold"}, assets=("square",))
    email = assets.add_asset(campaign, {"template_version_id": newsletter.id}, "test")
    session.commit()
    lifecycle.launch(campaign.id)
    sent.run_renders()
    square = campaign.assets[0]

    # the square's thumbnail is its stored preview, not rendered again
    stored = get_storage().get(row_of(square, network.alpha).preview_key)
    calls = []
    real = rendering.render_prepared
    monkeypatch.setattr(rendering, "render_prepared", lambda p: calls.append(p) or real(p))
    assert rendering.thumbnail_for_partner(square, network.alpha) == stored
    assert calls == []

    thumb = rendering.thumbnail_for_partner(email, network.alpha)
    image = Image.open(io.BytesIO(thumb))
    assert (image.format, image.size) == ("PNG", (400, 500))
    assert len(calls) == 1
    assert rendering.thumbnail_for_partner(email, network.alpha) == thumb  # kept
    assert len(calls) == 1

    brand_kits.set_logo(network.alpha, generate_logo("Alpha Solar"), "test")
    session.commit()
    assert rendering.thumbnail_for_partner(email, network.alpha) != thumb
    assert len(calls) == 2


def test_files_in_the_campaign_zip_are_dated_when_they_were_rendered(network, launched):
    import zipfile
    from datetime import datetime

    from campaigns.downloads import campaign_zip

    asset = launched.assets[0]
    row = row_of(asset, network.alpha)
    row.updated_at = datetime(2026, 3, 4, 10, 20, 30)  # as if rendered then
    session.commit()
    data, _name = campaign_zip(launched, network.alpha)
    [info] = zipfile.ZipFile(io.BytesIO(data)).infolist()
    assert info.date_time == (2026, 3, 4, 10, 20, 30)
