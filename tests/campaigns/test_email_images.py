"""Emails that partners download work in real mail clients: every image is an absolute URL
under BASE_URL that anyone can fetch without a session, cached for good; the app's own
previews keep their images inline and publish nothing."""

from __future__ import annotations

import io
import re
import urllib.request
from html.parser import HTMLParser
from pathlib import PurePosixPath
from types import SimpleNamespace

import pytest
from PIL import Image

from app import runtime
from app.config import load_settings
from app.db import session
from app.models import ProgramSettings
from app.storage import S3Storage, content_key, get_storage
from brand_templates import TemplateBundle, load_starter
from brand_templates.versions import import_template, publish
from campaigns import assets, customize, email_images, lifecycle, rendering
from directory import brand_kits, people
from directory.demo_logos import generate_logo
from directory.logos import process_picture
from tests.conftest import login
from tests.factories.directory import PASSWORD

BASE_URL = "https://tandem.example"
IMAGES = f"{BASE_URL}/m/"
CACHE_FOR_GOOD = "public, max-age=31536000, immutable"
# the email starters, each with its header picture made editable (a partner may upload one)
STARTERS = {"event-invitation": "hero_image", "monthly-newsletter": "header_image"}
URL_IN_CSS = re.compile(r"""url\(\s*['"]?([^'")]*)""")


@pytest.fixture
def storage_kind() -> str:
    return "folder"


@pytest.fixture
def settings(request, storage_kind, db_url, tmp_path):
    env = {
        "TANDEM_INSTANCE": str(tmp_path / "instance"),
        "DATABASE_URL": db_url,
        "SECRET_KEY": "test-secret-key",
        "BASE_URL": BASE_URL,
    }
    if storage_kind == "s3":
        monkeypatch = request.getfixturevalue("monkeypatch")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
        bucket = f"tandem-{tmp_path.name.lower().replace('_', '-')[:40]}"
        endpoint = request.getfixturevalue("s3_endpoint")
        env["STORAGE_URL"] = f"s3://{bucket}/assets?endpoint={endpoint}"
    return load_settings(env)


@pytest.fixture
def storage(app):
    storage = get_storage()
    if isinstance(storage, S3Storage):
        storage.client.create_bucket(Bucket=storage.bucket)
    return storage


def photo(color=(200, 80, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 360), color).save(buffer, format="JPEG")
    return buffer.getvalue()


def _editable_starter(slug: str, field: str) -> TemplateBundle:
    starter = load_starter(slug)
    manifest = starter.files["template.toml"].decode()
    section = f"[fields.{field}]\n"
    assert section in manifest
    manifest = manifest.replace(section, section + "editable = true\n")
    return TemplateBundle({**starter.files, "template.toml": manifest.encode()})


@pytest.fixture
def mail(network, sent, storage):
    """A live campaign of both email starters for alpha and charlie (Gold and above); the
    vendor has a logo, alpha has a logo and a picture of its own in each header."""
    program = ProgramSettings.saved() or ProgramSettings.with_defaults()
    vendor_logo = generate_logo("Lumen Devices")
    program.logo_key = storage.put(content_key("program", vendor_logo, ".png"), vendor_logo)
    session.add(program)
    brand_kits.set_logo(network.alpha, generate_logo("Alpha Solar"), "test")
    campaign = lifecycle.create_campaign(
        {"name": "Mail push", "targeting": {"min_tier": "Gold"}}, network.users["marketer"]
    )
    made = {}
    for slug, field in STARTERS.items():
        version = import_template(session, _editable_starter(slug, field), slug=slug)
        publish(session, version)
        made[slug] = assets.add_asset(
            campaign,
            {"template_version_id": version.id, "editable_fields": [field]},
            network.users["marketer"],
        )
    session.commit()
    lifecycle.launch(campaign.id)
    assert set(sent.run_renders().values()) == {"done"}
    for slug, field in STARTERS.items():
        customize.save_customization(
            made[slug],
            network.alpha,
            {},
            network.users["alpha"],
            uploads={field: process_picture(photo())},
        )
    session.commit()
    return SimpleNamespace(assets=made, vendor_logo=vendor_logo)


def _stored(key_or_ref: str) -> bytes:
    return get_storage().get(key_or_ref.removeprefix("storage:"))


def expected_images(mail, network, slug: str) -> set[bytes]:
    """The bytes of every picture alpha's email of SLUG shows."""
    asset = mail.assets[slug]
    upload = rendering.customization_row(asset, network.alpha)
    images = {
        _stored(network.alpha.brand_kit.logo_trimmed_key),
        mail.vendor_logo,
        _stored(upload.values[STARTERS[slug]]),
    }
    if slug == "monthly-newsletter":  # its spotlight picture is the template's own
        images.add(rendering.bundle_of(asset).files["images/homevault-small.png"])
    return images


class ImageRefs(HTMLParser):
    """Every image an HTML email names: src and background attributes, url() in style
    attributes and <style> elements, and the same inside Outlook's conditional comments."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refs: list[str] = []
        self.imgs = 0
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        self.imgs += tag == "img"
        self.in_style = tag == "style"
        for name, value in attrs:
            if name in ("src", "background") and value is not None:
                self.refs.append(value)
            elif name == "style" and value:
                self.refs += URL_IN_CSS.findall(value)

    def handle_endtag(self, tag):
        self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            self.refs += URL_IN_CSS.findall(data)

    def handle_comment(self, data):
        inner = ImageRefs()
        inner.feed(re.sub(r"^\[if [^\]]*\]>|<!\[endif\]$", "", data))
        inner.close()
        self.refs += inner.refs
        self.imgs += inner.imgs


def image_refs(html: str) -> tuple[list[str], int]:
    parser = ImageRefs()
    parser.feed(html)
    parser.close()
    return parser.refs, parser.imgs


def fetch_every_image(app, html: str) -> set[bytes]:
    """Fetch each image of HTML as a mail client would (no session, no cookie), checking
    what a mail client and a cache need; the bytes fetched."""
    refs, imgs = image_refs(html)
    assert imgs >= 3 and len(refs) >= imgs
    assert "data:" not in html and "storage:" not in html
    outside = [ref for ref in refs if not ref.startswith(IMAGES)]
    assert not outside, f"images outside {IMAGES}: {outside}"
    anonymous = app.test_client()
    fetched = set()
    for url in set(refs):
        name = PurePosixPath(url.removeprefix(IMAGES))
        assert re.fullmatch(r"[0-9a-f]{64}\.(png|jpg)", name.name), url
        response = anonymous.get(url.removeprefix(BASE_URL))
        assert response.status_code == 200, url
        assert response.headers["Content-Type"] == email_images.MIME_TYPES[name.suffix[1:]]
        assert response.headers["Cache-Control"] == CACHE_FOR_GOOD
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Set-Cookie" not in response.headers
        assert (
            Image.open(io.BytesIO(response.data)).format
            == {".png": "PNG", ".jpg": "JPEG"}[name.suffix]
        )
        fetched.add(response.data)
    return fetched


def test_downloaded_emails_link_every_image_under_base_url(app, client, network, mail):
    login(client, "admin@alpha.example", PASSWORD)
    for slug, asset in mail.assets.items():
        response = client.get(f"/portal/assets/{asset.id}/download/html")
        assert response.status_code == 200, response.data[:300]
        html = response.get_data(as_text=True)
        assert network.alpha.name in html
        # each image is the stored file itself, byte for byte
        assert fetch_every_image(app, html) == expected_images(mail, network, slug), slug
        # opened in the browser, the file shows its published images and runs nothing
        assert f"img-src data: {IMAGES};" in response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_the_api_file_and_the_campaign_zip_link_them_too(app, client, network, mail):
    import zipfile

    _row, token = people.create_api_token(network.users["alpha"], "mail client test")
    session.commit()
    bearer = {"Authorization": f"Bearer {token}"}
    for slug, asset in mail.assets.items():
        response = client.get(
            f"/api/v1/partner/assets/{asset.id}/renders/html/file", headers=bearer
        )
        assert response.status_code == 200, response.get_json()
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        html = response.get_data(as_text=True)
        assert fetch_every_image(app, html) == expected_images(mail, network, slug), slug
    login(client, "admin@alpha.example", PASSWORD)
    campaign_id = next(iter(mail.assets.values())).campaign_id
    archive = zipfile.ZipFile(
        io.BytesIO(client.get(f"/portal/campaigns/{campaign_id}/download.zip").data)
    )
    for name in archive.namelist():
        html = archive.read(name).decode()
        assert "data:" not in html and html.count(f'src="{IMAGES}') >= 3, name


@pytest.mark.parametrize("storage_kind", ["s3"])
def test_with_s3_storage_the_images_come_from_the_bucket(app, client, network, mail, storage):
    login(client, "admin@alpha.example", PASSWORD)
    slug = "event-invitation"
    download = client.get(f"/portal/assets/{mail.assets[slug].id}/download/html")
    assert download.status_code == 302  # the file itself comes presigned from the bucket
    with urllib.request.urlopen(download.headers["Location"]) as stored:
        html = stored.read().decode()
    # its images' URLs stay under BASE_URL, and the web app serves the bucket's bytes
    assert fetch_every_image(app, html) == expected_images(mail, network, slug)
    listed = storage.client.list_objects_v2(Bucket=storage.bucket, Prefix="assets/email-images/")
    assert len(listed["Contents"]) >= 3


def test_an_unknown_or_tampered_token_is_not_found(app, client, network, mail, storage):
    login(client, "admin@alpha.example", PASSWORD)
    asset = mail.assets["monthly-newsletter"]
    html = client.get(f"/portal/assets/{asset.id}/download/html").get_data(as_text=True)
    url = next(ref for ref in image_refs(html)[0] if ref.endswith(".png"))
    path = url.removeprefix(BASE_URL)
    token = path.removeprefix("/m/").removesuffix(".png")
    anonymous = app.test_client()
    assert anonymous.get(path).status_code == 200
    assert anonymous.head(path).status_code == 200
    # the same URL again is answered from the client's cache: the token is its ETag
    again = anonymous.get(path, headers={"If-None-Match": f'"{token}"'})
    assert again.status_code == 304 and again.data == b""
    flipped = ("0" if token[0] != "0" else "1") + token[1:]
    # a stored file that no email published is not there either, even by its content hash
    logo_key = network.alpha.brand_kit.logo_trimmed_key  # logos/<2>/<sha256 of the bytes>.png
    logo_digest = PurePosixPath(logo_key).stem
    for wrong in (
        f"/m/{flipped}.png",
        f"/m/{token}.jpg",  # published as a PNG
        f"/m/{token}.svg",
        f"/m/{token}.html",
        f"/m/{token.upper()}.png",
        f"/m/{token[:-1]}.png",
        f"/m/{token}0.png",
        f"/m/{logo_digest}.png",
        f"/m/{PurePosixPath(logo_key).name}",
        "/m/..%2F..%2Flogos%2Fsecret.png",
        f"/m/{token[:2]}/{token}.png",
        f"/m/email-images%2F{token[:2]}%2F{token}.png",
        "/m/not-a-token.png",
    ):
        response = anonymous.get(wrong)
        assert response.status_code == 404, wrong
    assert get_storage().exists(logo_key)


def _published_files(storage) -> set[str]:
    if isinstance(storage, S3Storage):
        listed = storage.client.list_objects_v2(Bucket=storage.bucket)
        return {o["Key"] for o in listed.get("Contents", []) if "/email-images/" in o["Key"]}
    return {str(p) for p in (storage.root / email_images.STORAGE_PREFIX).rglob("*.*")}


def test_previews_keep_their_images_inline_and_publish_nothing(
    app, network, mail, storage, login_as
):
    asset = mail.assets["event-invitation"]
    before = _published_files(storage)
    assert before  # the launch's renders published theirs
    browser = login_as("admin@alpha.example")
    saved = browser.get(f"/portal/assets/{asset.id}/preview")
    live = browser.post(
        f"/portal/assets/{asset.id}/preview", data={"field_hero_image": "images/hero.jpg"}
    )
    marketer = app.test_client()
    login(marketer, "marketer@vendor.example", PASSWORD)
    as_partner = marketer.get(
        f"/admin/campaigns/assets/{asset.id}/preview?partner_id={network.charlie.id}"
    )
    sample = marketer.get(f"/admin/templates/versions/{asset.template_version_id}/preview")
    for response in (saved, live, as_partner, sample):
        assert response.status_code == 200, response.data[:300]
        html = response.get_data(as_text=True)
        refs, imgs = image_refs(html)
        assert imgs >= 2 and all(ref.startswith("data:image/") for ref in refs), refs[:3]
        assert IMAGES not in html
        assert response.headers["Content-Security-Policy"].startswith(
            "default-src 'none'; img-src data:;"
        )
    assert _published_files(storage) == before


def test_a_download_and_a_preview_are_different_files_under_different_keys(network, mail):
    asset = mail.assets["monthly-newsletter"]
    row = rendering.current_render(asset, network.alpha)
    storage = get_storage()
    download = storage.get(row.storage_key).decode()
    preview = storage.get(row.preview_key).decode()
    assert row.storage_key != row.preview_key
    assert f'src="{IMAGES}' in download and "data:" not in download
    assert "data:image/" in preview and IMAGES not in preview
    prepared = rendering.prepare(asset, network.alpha)
    assert prepared.links == IMAGES and prepared.key == row.render_key
    # the same values with the images inline would be another file: another key
    from brand_templates import render_key

    inline = render_key(
        asset.template_version_id,
        prepared.values,
        f"{network.alpha.brand_kit.version}.{rendering._context_digest(prepared.context)}",
        "html",
    )
    linked = render_key(
        asset.template_version_id,
        prepared.values,
        f"{network.alpha.brand_kit.version}.{rendering._context_digest(prepared.context)}",
        "html",
        links=IMAGES,
    )
    assert linked == row.render_key != inline


def test_a_new_base_url_is_seen_at_the_next_download(network, mail, monkeypatch):
    asset = mail.assets["event-invitation"]
    before = rendering.current_render(asset, network.alpha)
    key, stamp = before.render_key, before.inputs_stamp
    assert rendering.current_render(asset, network.alpha).render_key == key
    monkeypatch.setattr(runtime.settings(), "base_url", "https://mail.tandem.example")
    session.expire_all()
    row = rendering.current_render(asset, network.alpha)
    assert row.status == "done" and row.render_key != key and row.inputs_stamp != stamp
    html = get_storage().get(row.storage_key).decode()
    assert 'src="https://mail.tandem.example/m/' in html and IMAGES not in html


def test_the_same_picture_is_published_once_under_one_url(app, network, mail, storage):
    # alpha's logo shows in both emails, and charlie's emails share the template's pictures
    urls = {}
    for partner in (network.alpha, network.charlie):
        for asset in mail.assets.values():
            html = storage.get(rendering.current_render(asset, partner).storage_key).decode()
            for ref in image_refs(html)[0]:
                data = app.test_client().get(ref.removeprefix(BASE_URL)).data
                urls.setdefault(data, set()).add(ref)
    assert all(len(refs) == 1 for refs in urls.values())
    assert len(_published_files(storage)) == len(urls)


def test_only_images_are_published_and_an_svg_runs_nothing(app, storage):
    assert email_images.publish(b"<html><script>x()</script></html>", "text/html") is None
    assert email_images.publish(b"wOF2....", "font/woff2") is None
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'
    url = email_images.publish(svg, "image/svg+xml")
    assert url == f"{IMAGES}{email_images.token_of(svg)}.svg"
    assert email_images.publish(svg, "image/svg+xml") == url  # the same bytes, the same URL
    response = app.test_client().get(url.removeprefix(BASE_URL))
    assert response.status_code == 200 and response.data == svg
    assert response.headers["Content-Type"].startswith("image/svg+xml")
    assert response.headers["Content-Security-Policy"].endswith("; sandbox")
    # the token needs SECRET_KEY: the content hash alone names nothing
    import hashlib

    assert email_images.token_of(svg) != hashlib.sha256(svg).hexdigest()


def test_an_email_stored_with_inline_images_is_not_served_as_a_download(client, network, mail):
    """A render stored before images were published: its file inlines them, its key has no
    links and its stamp was computed from the rows alone. The next download replaces it."""
    import hashlib

    from brand_templates import render_key

    asset = mail.assets["event-invitation"]
    row = rendering.current_render(asset, network.alpha)
    prepared = rendering.prepare(asset, network.alpha)
    inline = rendering.render_prepared(prepared, for_preview=True).data
    assert b"data:image/" in inline
    query = rendering._row_and_stamp_query()
    parts = session.execute(query, {"asset_id": asset.id, "partner_id": network.alpha.id}).first()
    text = "|".join(p.isoformat() if hasattr(p, "isoformat") else str(p) for p in parts[1:])
    old_key = render_key(
        asset.template_version_id,
        prepared.values,
        f"{network.alpha.brand_kit.version}.{rendering._context_digest(prepared.context)}",
        "html",
    )
    row.render_key = old_key
    row.storage_key = get_storage().put(f"renders/{old_key[:2]}/{old_key}.html", inline)
    row.inputs_stamp = hashlib.sha256(text.encode()).hexdigest()[:32]
    session.commit()

    login(client, "admin@alpha.example", PASSWORD)
    html = client.get(f"/portal/assets/{asset.id}/download/html").get_data(as_text=True)
    assert "data:" not in html and f'src="{IMAGES}' in html
    assert rendering.current_render(asset, network.alpha).render_key == prepared.key != old_key
