"""The brand-template library screens: starters, uploads with precise errors, versions, previews."""

from __future__ import annotations

import html
import io
import re
import zipfile

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.db import session
from brand_templates.models import BrandTemplate, BrandTemplateVersion
from tests.brand_templates.zips import BROKEN, lying_zip


def _zip(files: dict[str, str | bytes]) -> bytes:
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


ERROR_ROW = re.compile(
    r'<tr class="error-row"><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>', re.S
)


def error_table(response) -> list[tuple[str, str, str, str]]:
    """(file, line, field, problem) of each row of the error page's table, as shown."""
    return [
        tuple(html.unescape(cell) for cell in row)
        for row in ERROR_ROW.findall(response.get_data(as_text=True))
    ]


def test_the_error_table_shows_file_line_and_field_of_each_error(world, login_as, app):
    client = login_as("admin@vendor.example")
    flyer = (
        "<h1>{{ fields.headline }}</h1>\n"  # 1
        "<p>{{ partner.name }}</p>\n"  # 2
        "<p>{{ fields.headlin }}</p>\n"  # 3: a field that is not declared
        '<img src="missing.png">\n'  # 4: a file that is not in the bundle
        "{{ partner.nope }}"  # 5: a partner value that does not exist
    )
    response = client.post(
        "/admin/templates/upload",
        data={"bundle": (io.BytesIO(_zip(dict(GOOD, **{"flyer.html": flyer}))), "flyer.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "<th>File</th><th>Line</th><th>Field</th><th>Problem</th>" in body
    assert sorted(error_table(response)) == [
        (
            "flyer.html",
            "3",
            "fields.headlin",
            "field 'headlin' is not declared in template.toml (add [fields.headlin])",
        ),
        ("flyer.html", "4", "", "'missing.png' is not in the bundle"),
        (
            "flyer.html",
            "5",
            "partner.nope",
            "partner has no 'nope' (known: colors, contact, description, email, logo, name, "
            "phone, slug, tagline, website)",
        ),
    ]

    # an error of the manifest names template.toml, its line and the field's key
    manifest = GOOD["template.toml"] + '\n[fields.tone]\ntype = "colour"\nlabel = "Tone"\n'
    response = client.post(
        "/admin/templates/upload",
        data={"bundle": (io.BytesIO(_zip(dict(GOOD, **{"template.toml": manifest}))), "flyer.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    [(file, line, field, problem)] = error_table(response)
    assert (file, line, field) == ("template.toml", "13", "fields.tone.type")
    assert problem.startswith("unknown field type 'colour'")
    with app.app_context():
        assert session.execute(select(func.count(BrandTemplate.id))).scalar_one() == 0
        session.remove()


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


CATALOGUE = {
    "template.toml": 'name = "Catalogue"\nkind = "pdf"\nsource = "c.html"\n',
    "c.html": "<h1>{{ partner.name }}</h1>\n{% for i in range(56) %}"
    '<p style="break-after: page">{{ i }}</p>{% endfor %}\n',
}
PAGE_LIMIT = (
    "the sample render has more than 50 pages; to allow more, declare max_pages in "
    "template.toml (up to 200)"
)


def _upload(client, files: dict[str, str | bytes], slug: str = "catalogue"):
    return client.post(
        "/admin/templates/upload",
        data={"bundle": (io.BytesIO(_zip(files)), "t.zip"), "slug": slug},
        content_type="multipart/form-data",
    )


def test_a_template_whose_sample_render_fails_is_a_draft_that_says_why(world, login_as, app):
    client = login_as("marketer@vendor.example")
    response = _upload(client, CATALOGUE)
    assert response.status_code == 302
    with app.app_context():
        version = session.execute(select(BrandTemplateVersion)).scalar_one()
        assert not version.published
        assert version.render_errors == [
            {"file": "c.html", "line": None, "field": None, "message": PAGE_LIMIT}
        ]
        version_id, template_id = version.id, version.template_id
        session.remove()
    page = client.get(f"/admin/templates/{template_id}").get_data(as_text=True)
    assert "its sample render fails" in page  # the flash after the upload
    assert "The sample render fails." in page and PAGE_LIMIT in page

    # publishing is refused with the reason, and the version stays a draft
    refused = client.post(f"/admin/templates/versions/{version_id}/publish")
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "Version 1 cannot be published: its sample render fails" in body
    assert PAGE_LIMIT in body
    with app.app_context():
        assert not session.get(BrandTemplateVersion, version_id).published
        session.remove()

    # the preview and the sample answer with the error, never a 500
    preview = client.get(f"/admin/templates/versions/{version_id}/preview")
    assert preview.status_code == 422 and preview.mimetype == "image/png"
    assert preview.data.startswith(b"\x89PNG")
    sample = client.get(f"/admin/templates/versions/{version_id}/sample.pdf")
    assert sample.status_code == 422 and sample.mimetype == "text/html"
    assert PAGE_LIMIT in sample.get_data(as_text=True)
    assert client.get(f"/admin/templates/versions/{version_id}/sample.png").status_code == 422

    # fixed (max_pages declared), the next version publishes
    fixed = dict(CATALOGUE, **{"template.toml": CATALOGUE["template.toml"] + "max_pages = 60\n"})
    assert _upload(client, fixed).status_code == 302
    with app.app_context():
        second = session.execute(
            select(BrandTemplateVersion).where(BrandTemplateVersion.number == 2)
        ).scalar_one()
        assert second.render_errors == []
        second_id = second.id
        session.remove()
    assert client.post(f"/admin/templates/versions/{second_id}/publish").status_code == 302
    assert client.get(f"/admin/templates/versions/{second_id}/preview").status_code == 200


def test_a_version_never_checked_is_rendered_before_it_is_published(world, login_as, app):
    """Versions imported before render errors were recorded (NULL) are checked on publish."""
    client = login_as("admin@vendor.example")
    assert _upload(client, CATALOGUE).status_code == 302
    with app.app_context():
        version = session.execute(select(BrandTemplateVersion)).scalar_one()
        version.render_errors = None
        session.commit()
        version_id = version.id
        session.remove()
    assert client.post(f"/admin/templates/versions/{version_id}/publish").status_code == 422
    with app.app_context():
        version = session.get(BrandTemplateVersion, version_id)
        assert not version.published and version.render_errors[0]["message"] == PAGE_LIMIT
        session.remove()


def test_an_email_whose_sample_render_fails_previews_the_error(world, login_as, app):
    client = login_as("admin@vendor.example")
    files = {
        "template.toml": 'name = "Mail"\nkind = "email"\nsource = "m.mjml"\nsubject = "Hi"\n',
        "m.mjml": "<mjml><mj-body><mj-section><mj-column>\n"
        "<mj-text>{{ partner.name }}</mj-text>\n"
        "<mj-text>{{ partner.name.nope.x }}</mj-text>\n"
        "</mj-column></mj-section></mj-body></mjml>\n",
    }
    assert _upload(client, files, slug="mail").status_code == 302
    with app.app_context():
        version = session.execute(select(BrandTemplateVersion)).scalar_one()
        assert version.render_problems[0].file == "m.mjml"
        assert str(version.render_problems[0]) == ("m.mjml:3: 'str object' has no attribute 'nope'")
        version_id = version.id
        session.remove()
    preview = client.get(f"/admin/templates/versions/{version_id}/preview")
    assert preview.status_code == 422 and preview.mimetype == "text/html"
    assert "default-src 'none'" in preview.headers["Content-Security-Policy"]
    body = preview.get_data(as_text=True)
    assert "No preview: the sample render fails" in body and "has no attribute" in body
    assert client.get(f"/admin/templates/versions/{version_id}/sample.html").status_code == 422


def test_problems_readable_from_the_bundle_refuse_the_upload(world, login_as, app, settings):
    client = login_as("admin@vendor.example")
    big = io.BytesIO()
    Image.new("1", (8000, 6000)).save(big, "PNG")
    files = dict(GOOD, **{"flyer.html": '<img src="big.png">', "big.png": big.getvalue()})
    response = _upload(client, files, slug="big")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "big.png" in body and "8000x6000 pixels is more than the limit of 40,000,000" in body
    # the page ceiling is the instance's setting
    settings.template_max_pages_ceiling = 55
    try:
        declared = dict(
            CATALOGUE, **{"template.toml": CATALOGUE["template.toml"] + "max_pages = 60\n"}
        )
        response = _upload(client, declared)
    finally:
        settings.template_max_pages_ceiling = 200
    assert response.status_code == 400
    assert "60 pages is more than this instance allows: at most 55" in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert session.execute(select(func.count(BrandTemplate.id))).scalar_one() == 0
        session.remove()


def test_email_templates_have_a_thumbnail_in_the_library(world, login_as, app):
    """Every card of the library shows a picture, an email's too: the top of the email as
    an inbox shows it, drawn from the sample render (the HTML preview stays for the
    version's page)."""
    from PIL import Image

    client = login_as("marketer@vendor.example")
    assert client.post("/admin/templates/starters/monthly-newsletter").status_code == 302
    assert client.post("/admin/templates/starters/social-square").status_code == 302
    with app.app_context():
        ids = {
            v.template.kind: v.id for v in session.execute(select(BrandTemplateVersion)).scalars()
        }
        session.remove()
    library = client.get("/admin/templates").get_data(as_text=True)
    for kind, version_id in ids.items():
        assert f"/admin/templates/versions/{version_id}/thumbnail.png" in library, kind
    thumb = client.get(f"/admin/templates/versions/{ids['email']}/thumbnail.png")
    assert thumb.status_code == 200 and thumb.mimetype == "image/png"
    image = Image.open(io.BytesIO(thumb.data))
    assert image.size == (400, 500)
    # not blank: the newsletter's header picture and text are drawn
    assert len(image.convert("RGB").getcolors(1 << 16) or []) > 50
    again = client.get(f"/admin/templates/versions/{ids['email']}/thumbnail.png")
    assert again.data == thumb.data  # kept in storage, not drawn again
    html = client.get(f"/admin/templates/versions/{ids['email']}/preview")
    assert html.mimetype == "text/html" and b"<html" in html.data.lower()
    square = client.get(f"/admin/templates/versions/{ids['image']}/thumbnail.png")
    assert square.data == client.get(f"/admin/templates/versions/{ids['image']}/preview").data
