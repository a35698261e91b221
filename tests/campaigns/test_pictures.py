"""Pictures in image fields: a partner picks the template's pictures or its logo, or uploads
its own; a stored file of anyone else is refused, in the domain and through the portal."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.db import session
from app.storage import get_storage
from brand_templates import FieldValueError, TemplateBundle, load_starter
from brand_templates.versions import import_template, publish
from campaigns import assets, customize, lifecycle, pictures, rendering
from campaigns.models import Customization
from directory import brand_kits
from directory.demo_logos import generate_logo
from directory.logos import LogoRejected, process_picture
from tests.campaigns.conftest import row_of
from tests.conftest import login

REFUSED = "must be a picture of the template, your logo or a picture you uploaded"


def photo(width=640, height=480, color=(200, 80, 40), fmt="JPEG", **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format=fmt, **save)
    return buffer.getvalue()


@pytest.fixture
def picture_asset(network, sent):
    """A live campaign for alpha and charlie of a square post whose product picture
    partners may change."""
    starter = load_starter("social-square")
    manifest = starter.files["template.toml"].decode()
    manifest = manifest.replace(
        'default = "images/homevault.png"', 'default = "images/homevault.png"\neditable = true'
    )
    bundle = TemplateBundle({**starter.files, "template.toml": manifest.encode()})
    version = import_template(session, bundle, slug="square-with-pictures")
    publish(session, version)
    campaign = lifecycle.create_campaign(
        {"name": "Picture push", "targeting": {"min_tier": "Gold"}}, network.users["marketer"]
    )
    asset = assets.add_asset(
        campaign,
        {"template_version_id": version.id, "editable_fields": ["headline", "product_image"]},
        network.users["marketer"],
    )
    session.commit()
    lifecycle.launch(campaign.id)
    assert set(sent.run_renders().values()) == {"done"}
    return asset


def test_a_stored_file_of_anyone_else_is_refused(network, picture_asset):
    asset, user = picture_asset, network.users["alpha"]
    charlie_picture = pictures.picture_ref(network.charlie, process_picture(photo()))
    brand_kits.set_logo(network.charlie, generate_logo("Charlie Power"), "test")
    session.commit()
    charlie_logo = "storage:" + network.charlie.brand_kit.logo_trimmed_key
    render_file = "storage:" + row_of(asset, network.charlie).storage_key
    for foreign in (charlie_picture, charlie_logo, render_file, "storage:secrets/x.png"):
        with pytest.raises(FieldValueError, match=REFUSED):
            customize.save_customization(asset, network.alpha, {"product_image": foreign}, user)
        session.rollback()
    assert session.execute(select(func.count()).select_from(Customization)).scalar_one() == 0
    # nor in a preview of unsaved values, nor in a render of values stored before the rule
    for foreign in (charlie_picture, render_file):
        with pytest.raises(FieldValueError, match=REFUSED):
            rendering.preview_for_partner(asset, network.alpha, {"product_image": foreign})
    session.add(
        Customization(
            asset_id=asset.id,
            partner_id=network.alpha.id,
            values={"product_image": charlie_picture},
        )
    )
    session.commit()
    row = rendering.current_render(asset, network.alpha)
    assert row.status == "failed" and REFUSED in row.error


def test_the_template_pictures_the_logo_and_an_upload_are_the_partners_choices(
    network, picture_asset
):
    asset, user = picture_asset, network.users["alpha"]
    first_key = row_of(asset, network.alpha).render_key
    states = {s["name"]: s for s in customize.field_states(asset, network.alpha)}
    assert states["product_image"]["choices"] == [
        ("images/homevault.png", "homevault.png (from the template)"),
        ("images/pattern.png", "pattern.png (from the template)"),
    ]
    assert "choices" not in states["headline"]  # only image fields have choices

    brand_kits.set_logo(network.alpha, generate_logo("Alpha Solar"), "test")
    session.commit()
    # the logo's stored files are the partner's own (the API may name them)...
    for key in (network.alpha.brand_kit.logo_trimmed_key, network.alpha.brand_kit.logo_key):
        customize.save_customization(
            asset, network.alpha, {"product_image": "storage:" + key}, user
        )
    # ...but "your logo" is a reference: a new logo shows there at the next render
    saved = customize.save_customization(
        asset, network.alpha, {"product_image": rendering.LOGO_REF}, user
    )
    session.commit()
    assert saved.values["product_image"] == rendering.LOGO_REF
    states = {s["name"]: s for s in customize.field_states(asset, network.alpha)}
    assert states["product_image"]["chosen"] == rendering.LOGO_REF
    assert states["product_image"]["value"] == "storage:" + network.alpha.brand_kit.logo_trimmed_key
    with_logo = rendering.current_render(asset, network.alpha)
    assert with_logo.status == "done" and with_logo.render_key != first_key
    with_logo_key = with_logo.render_key
    brand_kits.set_logo(network.alpha, generate_logo("Alpha Solar Neu"), "test")
    session.commit()
    new_logo = rendering.current_render(asset, network.alpha)
    assert new_logo.status == "done" and new_logo.render_key != with_logo_key
    assert rendering.prepare(asset, network.alpha).values["product_image"] == (
        "storage:" + network.alpha.brand_kit.logo_trimmed_key
    )

    picture = process_picture(photo(color=(10, 120, 200)))
    saved = customize.save_customization(
        asset, network.alpha, {"headline": "Our pick"}, user, uploads={"product_image": picture}
    )
    session.commit()
    ref = saved.values["product_image"]
    assert ref.startswith(f"storage:partner-pictures/{network.alpha.id}/")
    assert get_storage().get(ref[len("storage:") :]) == picture.data
    states = {s["name"]: s for s in customize.field_states(asset, network.alpha)}
    (library_row,) = pictures.library(network.alpha)
    assert (library_row.width, library_row.height, pictures.ref_of(library_row)) == (640, 480, ref)
    assert library_row.created_by_id == user.id
    uploaded = f"{library_row.created_at:%Y-%m-%d %H:%M}"
    assert states["product_image"]["choices"][-2:] == [
        (rendering.LOGO_REF, "Your logo (always the current one)"),
        (ref, f"Your picture, 640×480, uploaded {uploaded}"),
    ]
    assert pictures.library(network.charlie) == []
    row = rendering.current_render(asset, network.alpha)
    assert row.status == "done", row.error
    assert row.render_key != first_key
    # the uploaded picture is in the image: its blue shows where the product picture was
    rendered = Image.open(io.BytesIO(get_storage().get(row.storage_key))).convert("RGB")
    pixel = rendered.getpixel((810, 710))
    assert all(abs(a - b) <= 4 for a, b in zip(pixel, (10, 120, 200), strict=True)), pixel

    # the same picture again is stored once, under the same key
    again = customize.save_customization(
        asset, network.alpha, {}, user, uploads={"product_image": picture}
    )
    session.commit()
    assert again.values["product_image"] == ref
    assert [pictures.ref_of(row) for row in pictures.library(network.alpha)] == [ref]
    # a picture of the library is chosen like any other, for this asset or another
    states = {s["name"]: s for s in customize.field_states(asset, network.alpha)}
    assert states["product_image"]["chosen"] == ref


def test_a_locked_image_field_takes_no_upload(network, make_campaign, sent):
    campaign = make_campaign(assets=("square",), targeting={"min_tier": "Gold"})
    lifecycle.launch(campaign.id)
    asset = campaign.assets[0]
    with pytest.raises(FieldValueError, match="is locked by the vendor"):
        customize.save_customization(
            asset,
            network.alpha,
            {},
            network.users["alpha"],
            uploads={"product_image": process_picture(photo())},
        )


def test_the_portal_form_uploads_a_picture_and_refuses_what_is_not_one(app, network, picture_asset):
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    login(client, "admin@alpha.example")
    url = f"/portal/assets/{picture_asset.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert 'name="upload_product_image"' in page and "pattern.png (from the template)" in page

    refused = client.post(
        url,
        data={"field_headline": "Mine", "upload_product_image": (io.BytesIO(b"%PDF-1.7"), "a.png")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400
    assert "it looks like a PDF file" in refused.get_data(as_text=True)
    assert session.execute(select(func.count()).select_from(Customization)).scalar_one() == 0

    # the live preview takes no stored file but the partner's own either
    with app.app_context():
        foreign = pictures.ref_of(pictures.store_picture(network.charlie, process_picture(photo())))
        session.commit()
        session.remove()
    preview = client.post(f"{url}/preview", data={"field_product_image": foreign})
    assert preview.status_code == 422
    assert preview.get_json()["error"]["fields"] == {"product_image": REFUSED}
    refused = client.post(url, data={"field_product_image": foreign})
    assert refused.status_code == 400 and REFUSED in refused.get_data(as_text=True)

    saved = client.post(
        url,
        data={"field_headline": "Mine", "upload_product_image": (io.BytesIO(photo()), "me.jpg")},
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302
    values = session.execute(select(Customization.values)).scalar_one()
    assert values["headline"] == "Mine"
    assert values["product_image"].startswith(f"storage:partner-pictures/{network.alpha.id}/")
    page = client.get(url).get_data(as_text=True)
    assert "selected>Your picture, 640×480, uploaded" in page
    download = client.get(f"{url}/download/png")
    assert download.status_code == 200 and download.mimetype == "image/png"

    # choosing the vendor's picture again (the blank option) drops the upload from the values
    client.post(url, data={"field_headline": "Mine", "field_product_image": ""})
    session.expire_all()
    assert "product_image" not in session.execute(select(Customization.values)).scalar_one()


def test_pictures_are_checked_by_content_and_stored_without_metadata():
    exif = Image.Exif()
    exif[0x8825] = {2: (48.0, 8.0, 0.0)}  # GPS latitude
    exif[0x0112] = 6  # taken sideways: rotate when shown
    taken = photo(3000, 2000, exif=exif.tobytes())
    picture = process_picture(taken)
    out = Image.open(io.BytesIO(picture.data))
    assert (picture.mime, picture.extension, out.format) == ("image/jpeg", ".jpg", "JPEG")
    assert (picture.width, picture.height) == (1600, 2400) == out.size  # upright, at most 2400
    assert not out.getexif() and "exif" not in out.info

    transparent = io.BytesIO()
    Image.new("RGBA", (50, 40), (0, 0, 0, 0)).save(transparent, format="PNG")
    assert process_picture(transparent.getvalue()).mime == "image/png"

    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    cases = [
        (b"", "The file is empty."),
        (svg, "Use a PNG, JPEG or WebP picture here"),
        (b"hello", "This file is not a PNG, JPEG, WebP or SVG image."),
        (photo()[:300], "damaged or incomplete"),
    ]
    for data, message in cases:
        with pytest.raises(LogoRejected, match=message):
            process_picture(data)
    with pytest.raises(LogoRejected, match=r"The picture is .*; the limit is 1 KB"):
        process_picture(photo(), max_bytes=1024)
