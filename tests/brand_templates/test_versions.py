"""Importing templates as versions: validated, content-addressed, published versions frozen."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import User
from brand_templates.bundle import TemplateBundle, load_bundle
from brand_templates.errors import TemplateInvalid
from brand_templates.models import BrandTemplate, BrandTemplateVersion, PublishedVersionImmutable
from brand_templates.versions import (
    PublishRefused,
    import_template,
    latest_version,
    publish,
    version_bundle,
)

from .conftest import toml


def count(db, model):
    return db.execute(select(func.count()).select_from(model)).scalar()


def stored_files(file_storage):
    return sorted(p for p in file_storage.root.rglob("*") if p.is_file())


def test_import_creates_template_and_first_version(db, file_storage, pdf_bundle):
    user = User(email="marketer@vendor.example", role="marketer")
    db.add(user)
    db.flush()
    version = import_template(db, pdf_bundle, user_id=user.id)
    db.commit()
    template = version.template
    assert (template.slug, template.name, template.kind, template.archived) == (
        "test-flyer",
        "Test flyer",
        "pdf",
        False,
    )
    assert (version.number, version.published, version.created_by_id) == (1, False, user.id)
    assert version.sha256 == pdf_bundle.sha256
    assert version.manifest["fields"]["headline"]["max_length"] == 60
    assert version.bundle_key.startswith("brand-templates/") and version.bundle_key.endswith(".zip")
    assert file_storage.get(version.bundle_key) == pdf_bundle.to_zip()
    assert version_bundle(version) == pdf_bundle


def test_reimporting_an_identical_bundle_is_a_no_op(db, file_storage, pdf_bundle):
    first = import_template(db, pdf_bundle)
    db.commit()
    # the same files, arriving as a zip with other metadata
    again = import_template(db, load_bundle(pdf_bundle.to_zip()))
    db.commit()
    assert again.id == first.id
    assert count(db, BrandTemplateVersion) == 1 and count(db, BrandTemplate) == 1
    assert len(stored_files(file_storage)) == 1


def test_a_changed_bundle_becomes_the_next_version(db, file_storage, pdf_bundle):
    first = import_template(db, pdf_bundle)
    publish(db, first)
    changed = TemplateBundle(
        {**pdf_bundle.files, "flyer.html": pdf_bundle.files["flyer.html"] + b"<p>v2</p>"}
    )
    second = import_template(db, changed)
    db.commit()
    assert (second.number, second.template_id, second.published) == (2, first.template_id, False)
    assert second.bundle_key != first.bundle_key
    assert latest_version(db, first.template) == first
    assert latest_version(db, first.template, published_only=False) == second
    publish(db, second)
    assert latest_version(db, first.template) == second


def test_a_published_version_cannot_change_or_be_deleted(db, file_storage, pdf_bundle):
    version = import_template(db, pdf_bundle)
    publish(db, version)
    db.commit()
    assert version.published and version.published_at is not None

    version.manifest = {**version.manifest, "name": "Edited in place"}
    with pytest.raises(PublishedVersionImmutable, match="is published and cannot change"):
        db.flush()
    db.rollback()

    version.bundle_key = "brand-templates/other.zip"
    with pytest.raises(PublishedVersionImmutable, match=r"\(bundle_key\)"):
        db.flush()
    db.rollback()

    version.published = False
    with pytest.raises(PublishedVersionImmutable, match=r"\(published\)"):
        db.flush()
    db.rollback()

    db.delete(version)
    with pytest.raises(PublishedVersionImmutable, match="cannot be deleted"):
        db.flush()
    db.rollback()
    assert db.get(BrandTemplateVersion, version.id).manifest["name"] == "Test flyer"


def test_a_draft_may_still_be_corrected_and_deleted(db, file_storage, pdf_bundle):
    version = import_template(db, pdf_bundle)
    db.commit()
    version.manifest = {**version.manifest, "description": "fixed a typo"}
    db.commit()
    db.delete(version)
    db.commit()
    assert count(db, BrandTemplateVersion) == 0


def test_an_invalid_bundle_writes_nothing(db, file_storage, pdf_bundle):
    broken = TemplateBundle({**pdf_bundle.files, "flyer.html": b"{{ fields.nope }}{% if %}"})
    with pytest.raises(TemplateInvalid) as info:
        import_template(db, broken)
    assert info.value.errors[0].file == "flyer.html"
    db.commit()
    assert count(db, BrandTemplate) == 0 and count(db, BrandTemplateVersion) == 0
    assert stored_files(file_storage) == []


def test_bad_slug_and_kind_change_are_refused(db, file_storage, pdf_bundle):
    with pytest.raises(TemplateInvalid, match="must be lower-case letters"):
        import_template(db, pdf_bundle, slug="Not A Slug")
    import_template(db, pdf_bundle, slug="promo")
    db.commit()
    email = TemplateBundle(
        {
            "template.toml": toml(
                'name = "Mail"\nkind = "email"\nsource = "m.mjml"\nsubject = "Hi"\n'
            ),
            "m.mjml": b"<mjml><mj-body><mj-section><mj-column><mj-text>Hi</mj-text>"
            b"</mj-column></mj-section></mj-body></mjml>",
        }
    )
    with pytest.raises(TemplateInvalid, match="cannot change it to email"):
        import_template(db, email, slug="promo")
    assert import_template(db, email).template.slug == "mail"


def test_a_bundle_whose_sample_render_fails_is_kept_as_a_draft_that_cannot_be_published(
    db, file_storage, pdf_bundle
):
    source = b"<h1>{{ fields.headline }}</h1>\n<p>{{ partner.name.nope.x }}</p>\n"
    broken = TemplateBundle({**pdf_bundle.files, "flyer.html": source})
    version = import_template(db, broken)
    db.commit()
    assert not version.published
    assert version.render_errors == [
        {
            "file": "flyer.html",
            "line": 2,
            "field": None,
            "message": "'str object' has no attribute 'nope'",
        }
    ]
    with pytest.raises(PublishRefused) as refused:
        publish(db, version)
    assert [str(e) for e in refused.value.errors] == [
        "flyer.html:2: 'str object' has no attribute 'nope'"
    ]
    db.commit()
    assert not version.published and version.published_at is None
    good = import_template(db, pdf_bundle)
    assert good.render_errors == []
    assert publish(db, good).published
