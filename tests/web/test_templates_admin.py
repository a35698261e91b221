"""The brand-template library screens: starters, uploads with precise errors, versions, previews."""

from __future__ import annotations

import html
import io
import zipfile

import pytest
from sqlalchemy import func, select

from app.db import session
from brand_templates.models import BrandTemplate, BrandTemplateVersion
from tests.brand_templates.zips import BROKEN, lying_zip


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(f"my-flyer/{name}", text)
    return buffer.getvalue()


GOOD = {
    "template.toml": 'name = "My flyer"\nkind = "pdf"\nsource = "flyer.html"\n\n'
    '[fields.headline]\ntype = "text"\nlabel = "Headline"\ndefault = "Hello"\n'
    "max_length = 40\neditable = true\n",
    "flyer.html": "<h1>{{ fields.headline }}</h1><p>{{ partner.name }}</p>",
}


def test_marketer_imports_a_starter_and_previews_it(world, login_as, app):
    client = login_as("marketer@vendor.example")
    page = client.get("/admin/templates")
    assert b"One-page product flyer" in page.data or b"product-flyer" in page.data
    response = client.post("/admin/templates/starters/product-flyer")
    assert response.status_code == 302
    with app.app_context():
        version = session.execute(select(BrandTemplateVersion)).scalar_one()
        assert version.published and version.number == 1
        version_id, template_id = version.id, version.template_id
        session.remove()
    detail = client.get(f"/admin/templates/{template_id}")
    assert b"Version 1" in detail.data and b"published" in detail.data
    preview = client.get(f"/admin/templates/versions/{version_id}/preview")
    assert preview.status_code == 200 and preview.mimetype == "image/png"
    assert preview.data.startswith(b"\x89PNG")
    sample = client.get(f"/admin/templates/versions/{version_id}/sample.pdf")
    assert sample.mimetype == "application/pdf" and sample.data.startswith(b"%PDF")
    assert client.get(f"/admin/templates/versions/{version_id}/sample.html").status_code == 404
    # importing the same starter again is not offered; an unknown starter is 404
    assert client.post("/admin/templates/starters/no-such-starter").status_code == 404


def test_upload_with_errors_names_file_line_and_field_and_writes_nothing(world, login_as, app):
    client = login_as("admin@vendor.example")
    bad = dict(GOOD, **{"flyer.html": "<h1>{{ fields.headlin }}</h1>\n<p>{% if %}</p>"})
    response = client.post(
        "/admin/templates/upload",
        data={"bundle": (io.BytesIO(_zip(bad)), "flyer.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "flyer.html" in body and "Nothing was imported" in body
    with app.app_context():
        assert session.execute(select(func.count(BrandTemplate.id))).scalar_one() == 0
        session.remove()
    not_a_zip = client.post(
        "/admin/templates/upload",
        data={"bundle": (io.BytesIO(b"hello"), "flyer.zip")},
        content_type="multipart/form-data",
    )
    assert not_a_zip.status_code == 400


def test_upload_creates_versions_and_publish_freezes_them(world, login_as, app):
    client = login_as("admin@vendor.example")
    for headline in ("Hello", "Hello again"):
        files = dict(
            GOOD, **{"template.toml": GOOD["template.toml"].replace('"Hello"', f'"{headline}"')}
        )
        response = client.post(
            "/admin/templates/upload",
            data={"bundle": (io.BytesIO(_zip(files)), "flyer.zip"), "slug": "my-flyer"},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:400]
    with app.app_context():
        versions = (
            session.execute(select(BrandTemplateVersion).order_by(BrandTemplateVersion.number))
            .scalars()
            .all()
        )
        assert [(v.number, v.published) for v in versions] == [(1, False), (2, False)]
        second = versions[1].id
        session.remove()
    assert client.post(f"/admin/templates/versions/{second}/publish").status_code == 302
    with app.app_context():
        assert session.get(BrandTemplateVersion, second).published
        session.remove()
    # a channel manager may look but not author
    client = login_as("cm@vendor.example")
    assert client.get("/admin/templates").status_code == 200
    assert client.post("/admin/templates/starters/product-flyer").status_code == 403


@pytest.mark.parametrize("case", list(BROKEN))
def test_upload_of_a_zip_that_lies_lists_the_entry_and_writes_nothing(world, login_as, app, case):
    """Zips built byte by byte (tests/brand_templates/zips.py): a lying size or checksum, an
    encrypted entry, an unknown compression method, a corrupt deflate stream."""
    client = login_as("marketer@vendor.example")
    entry, says = BROKEN[case]
    response = client.post(
        "/admin/templates/upload",
        data={"bundle": (io.BytesIO(lying_zip(entry)), "flyer.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    body = html.unescape(response.get_data(as_text=True))
    assert "Nothing was imported" in body and "flyer.html" in body and says in body
    with app.app_context():
        assert session.execute(select(func.count(BrandTemplate.id))).scalar_one() == 0
        session.remove()


def test_upload_whose_manifest_spells_a_nul_is_an_error_not_a_500(world, login_as, app):
    client = login_as("marketer@vendor.example")
    manifest = GOOD["template.toml"].replace('"My flyer"', '"My\\u0000flyer"')
    response = client.post(
        "/admin/templates/upload",
        data={"bundle": (io.BytesIO(_zip(dict(GOOD, **{"template.toml": manifest}))), "f.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "contains a NUL character" in response.get_data(as_text=True)
