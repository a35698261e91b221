"""Logo uploads through the partner portal's brand-kit form and the admin's program settings.

Files are real images made here with Pillow (or written out by hand); each refusal is checked
for its 400, its message on the page, and that nothing was written: not the brand kit row, not
the audit log, not a file in the storage folder.
"""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from markupsafe import escape
from PIL import Image, ImageDraw
from sqlalchemy import func, select

from app.db import session
from app.models import AuditEntry, ProgramSettings
from directory.models import BrandKit

BRAND_KIT = "/portal/brand-kit"
MAX_UPLOAD = 200_000  # bytes; set small so that the size refusal is cheap to reach
RED = (214, 40, 40)
NAVY = (29, 53, 87)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def settings(settings):
    """The conftest settings with a small MAX_UPLOAD_BYTES (create_app reads it)."""
    settings.max_upload_bytes = MAX_UPLOAD
    return settings


@pytest.fixture
def partner_admin(world, login_as):
    return login_as("partner_admin@a.example")


# --- files -----------------------------------------------------------------------------------


def two_colour_logo(background=(0, 0, 0, 0)) -> Image.Image:
    """A navy block twice the size of a red one, with padding of `background` around them."""
    image = Image.new("RGBA", (400, 300), background)
    draw = ImageDraw.Draw(image)
    draw.rectangle((100, 80, 166, 219), fill=RED)
    draw.rectangle((167, 80, 299, 219), fill=NAVY)
    return image


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def png_logo() -> bytes:
    return encode(two_colour_logo(), "PNG")


def svg(body: str) -> bytes:
    return (
        "<svg xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink' "
        f"width='200' height='100' viewBox='0 0 200 100'>{body}</svg>"
    ).encode()


SVG_LOGO = svg(
    "<rect x='20' y='20' width='60' height='60' fill='#d62828'/>"
    "<rect x='80' y='20' width='100' height='60' fill='#1d3557'/>"
)


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload))
    )


def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A complete 1-bit PNG of zeros: a few dozen KB that would decode to `width`×`height`."""
    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def noise_png(side: int) -> bytes:
    """A PNG of random pixels: incompressible, so its size grows with `side`."""
    import random

    rng = random.Random(side)
    image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    return encode(image, "PNG", compress_level=0)


# --- what an upload may change ---------------------------------------------------------------


def kit_state(app, partner_id: int) -> dict:
    with app.app_context():
        kit = session.execute(
            select(BrandKit).where(BrandKit.partner_id == partner_id)
        ).scalar_one()
        return {
            "logo": (
                kit.logo_key,
                kit.logo_mime,
                kit.logo_trimmed_key,
                kit.logo_thumb_key,
                kit.logo_width,
                kit.logo_height,
                kit.logo_colors,
            ),
            "fields": (kit.primary_color, kit.secondary_color, kit.tagline, kit.contact_email),
            "version": kit.version,
            "audit": session.scalar(select(func.count(AuditEntry.id))),
        }


def stored_files(settings) -> set[str]:
    root = settings.instance_dir / "storage"
    return (
        {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
        if root.exists()
        else set()
    )


def upload(client, data: bytes, filename: str = "logo.png", **fields):
    form = {"action": "save", **fields, "logo": (io.BytesIO(data), filename)}
    return client.post(BRAND_KIT, data=form, content_type="multipart/form-data")


# --- accepted logos --------------------------------------------------------------------------

ACCEPTED = [
    ("png", png_logo, "logo.png", "image/png", ".png", (400, 300)),
    (
        "jpeg",
        lambda: encode(two_colour_logo((255, 255, 255, 255)).convert("RGB"), "JPEG", quality=95),
        "logo.jpg",
        "image/jpeg",
        ".jpg",
        (400, 300),
    ),
    (
        "webp",
        lambda: encode(two_colour_logo(), "WEBP", lossless=True),
        "logo.webp",
        "image/webp",
        ".webp",
        (400, 300),
    ),
    ("svg", lambda: SVG_LOGO, "logo.svg", "image/svg+xml", ".svg", (200, 100)),
    # checked by content, not by name: a PNG called .txt is a PNG
    ("png named txt", png_logo, "logo.txt", "image/png", ".png", (400, 300)),
]


def _close(hex_colour: str, rgb: tuple[int, int, int], tolerance: int = 16) -> bool:
    value = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return all(abs(a - b) <= tolerance for a, b in zip(value, rgb, strict=True))


@pytest.mark.parametrize(
    ("make", "filename", "mime", "extension", "size"),
    [a[1:] for a in ACCEPTED],
    ids=[a[0] for a in ACCEPTED],
)
def test_logo_is_accepted_and_its_derivatives_are_stored(
    app, settings, world, partner_admin, make, filename, mime, extension, size
):
    before = kit_state(app, world.a_id)
    response = upload(partner_admin, make(), filename)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert response.headers["Location"].endswith(BRAND_KIT)

    after = kit_state(app, world.a_id)
    key, logo_mime, trimmed, thumb, width, height, colours = after["logo"]
    assert after["version"] == before["version"] + 1
    assert logo_mime == mime and (width, height) == size
    assert key.startswith("logos/") and key.endswith(extension)
    assert trimmed.endswith(".png") and thumb.endswith(".png")
    assert {key, trimmed, thumb} <= stored_files(settings)
    assert after["fields"] == before["fields"]
    # the brand colours of the logo are found, largest area first
    assert len(colours) == 2 and _close(colours[0], NAVY) and _close(colours[1], RED), colours

    thumbnail = partner_admin.get("/portal/brand-kit/logo/thumb")
    assert thumbnail.status_code == 200 and thumbnail.mimetype == "image/png"
    image = Image.open(io.BytesIO(thumbnail.data))
    assert image.format == "PNG" and max(image.size) <= 160
    assert "immutable" in thumbnail.headers["Cache-Control"]
    original = partner_admin.get("/portal/brand-kit/logo/original")
    assert original.status_code == 200 and original.mimetype == mime
    if mime == "image/svg+xml":
        assert "default-src 'none'" in original.headers["Content-Security-Policy"]

    page = partner_admin.get(BRAND_KIT)
    text = page.get_data(as_text=True)
    assert "Your brand kit is saved." in text
    for colour in colours:
        assert f'data-color="{colour}"' in text  # offered as a primary/secondary colour
    assert "Version" not in text  # an internal number, not shown to the partner
    assert f"/portal/brand-kit/logo/thumb?v={after['version']}" in text

    # the vendor sees the same logo on the partner's page
    admin = partner_admin.application.test_client()
    admin.post("/login", data={"email": "cm@vendor.example", "password": "correct-horse-battery"})
    assert admin.get(f"/admin/partners/{world.a_id}/logo/trimmed").mimetype == "image/png"

    with app.app_context():
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "brand_kit.logo")
        ).scalar_one()
        assert entry.actor_label == "partner_admin@a.example" and entry.partner_id == world.a_id


def test_svg_is_stored_sanitized(app, settings, world, partner_admin):
    data = svg(
        "<!-- editor note --><metadata>x</metadata>"
        "<rect width='100' height='50' fill='#d62828' data-x='1'/>"
    )
    assert upload(partner_admin, data, "logo.svg").status_code == 302
    original = partner_admin.get("/portal/brand-kit/logo/original").data
    assert original.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert b"editor note" not in original and b"<rect" in original


def test_replacing_and_removing_the_logo(app, settings, world, partner_admin):
    assert upload(partner_admin, png_logo()).status_code == 302
    first = kit_state(app, world.a_id)
    assert upload(partner_admin, SVG_LOGO, "logo.svg").status_code == 302
    second = kit_state(app, world.a_id)
    assert second["version"] == first["version"] + 1 and second["logo"][0].endswith(".svg")

    # "Remove logo" asks first; the logo stays until the partner confirms
    asked = partner_admin.post(BRAND_KIT, data={"action": "remove_logo"})
    assert asked.status_code == 200 and "Remove your logo?" in asked.get_data(as_text=True)
    assert kit_state(app, world.a_id) == second
    response = partner_admin.post(BRAND_KIT, data={"action": "remove_logo", "confirmed": "yes"})
    assert response.status_code == 302
    removed = kit_state(app, world.a_id)
    assert removed["logo"] == (None, None, None, None, None, None, [])
    assert removed["version"] == second["version"] + 1
    assert partner_admin.get("/portal/brand-kit/logo/thumb").status_code == 404
    assert "No logo yet" in partner_admin.get(BRAND_KIT).get_data(as_text=True)


def test_same_logo_twice_is_stored_once(app, settings, world, partner_admin):
    assert upload(partner_admin, png_logo()).status_code == 302
    files = stored_files(settings)
    assert upload(partner_admin, png_logo()).status_code == 302
    assert stored_files(settings) == files  # content-addressed keys


# --- refused logos ---------------------------------------------------------------------------

TRUNCATED_PNG = png_logo()[: len(png_logo()) // 2]
REFUSED = [
    (
        "too many bytes",
        lambda: noise_png(300),
        "logo.png",
        "The logo is 264.1 KB; the limit is 195.3 KB.",
    ),
    (
        "decompression bomb",
        png_bomb,
        "logo.png",
        "The logo is 20000 × 20000 pixels (400 megapixels); the limit is 25 megapixels.",
    ),
    (
        "text named png",
        lambda: b"name,email\nnot,an image\n",
        "logo.png",
        "This file is not a PNG, JPEG, WebP or SVG image.",
    ),
    (
        "gif",
        lambda: encode(two_colour_logo().convert("P"), "GIF"),
        "logo.png",
        "This file is not a PNG, JPEG, WebP or SVG image (it looks like a GIF file).",
    ),
    ("empty", lambda: b"", "logo.png", "The file is empty."),
    (
        "truncated png",
        lambda: TRUNCATED_PNG,
        "logo.png",
        "The PNG image is damaged or incomplete; it cannot be read.",
    ),
    (
        "truncated jpeg",
        lambda: (lambda d: d[: len(d) // 2])(encode(two_colour_logo().convert("RGB"), "JPEG")),
        "logo.jpg",
        "The JPEG image is damaged or incomplete; it cannot be read.",
    ),
    (
        "svg with script",
        lambda: svg("<script>alert(document.cookie)</script><rect width='9' height='9'/>"),
        "logo.svg",
        "The SVG contains a script, which is not allowed.",
    ),
    (
        "svg with event handler",
        lambda: svg("<rect width='9' height='9' onload='alert(1)'/>"),
        "logo.svg",
        "The SVG contains an event handler (onload=…), which is not allowed.",
    ),
    (
        "svg with external image",
        lambda: svg("<image href='https://evil.example/track.png' width='10' height='10'/>"),
        "logo.svg",
        "The SVG refers to an external resource (https://evil.example/track.png), which is not "
        "allowed: only #fragment links and embedded PNG, JPEG or WebP images are.",
    ),
    (
        "svg with external entity",
        lambda: (
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            + svg("<text>&x;</text>")
        ),
        "logo.svg",
        "The SVG declares XML entities (<!ENTITY> in a DOCTYPE), which are not allowed.",
    ),
    (
        "svg with css import",
        lambda: svg("<style>@import 'https://evil.example/a.css';</style>"),
        "logo.svg",
        "The SVG imports a stylesheet (@import), which is not allowed.",
    ),
    (
        "broken svg",
        lambda: b"<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>",
        "logo.svg",
        "The SVG is not well-formed XML",
    ),
]


def test_each_refused_logo_writes_nothing(app, settings, world, partner_admin):
    partner_admin.get(BRAND_KIT)
    before, files = kit_state(app, world.a_id), stored_files(settings)
    problems = []
    for case, make, filename, message in REFUSED:
        response = upload(partner_admin, make(), filename, tagline="Should not be saved")
        text = response.get_data(as_text=True)
        if response.status_code != 400 or str(escape(message)) not in text:
            problems.append(f"{case}: {response.status_code}, no message {message!r}")
        # next to the field, and in the summary at the top of the form
        elif 'id="e-logo"' not in text or "Please correct the following" not in text:
            problems.append(f"{case}: the message is not shown with the field")
        if kit_state(app, world.a_id) != before or stored_files(settings) != files:
            problems.append(f"{case}: something was written")
    assert not problems, "\n".join(problems)


def test_upload_over_the_request_limit_is_refused_before_it_is_read(
    app, settings, world, partner_admin
):
    partner_admin.get(BRAND_KIT)
    before, files = kit_state(app, world.a_id), stored_files(settings)
    too_big = b"\x89PNG" + b"\x00" * (MAX_UPLOAD + 1024 * 1024 + 10)
    response = upload(partner_admin, too_big)
    assert response.status_code == 413
    assert "Too large" in response.get_data(as_text=True)
    assert kit_state(app, world.a_id) == before
    assert stored_files(settings) == files


INVALID_FIELDS = [
    ({"primary_color": "red"}, "'red' is not a colour; use the form #1a2b3c."),
    ({"secondary_color": "#12345g"}, "'#12345g' is not a colour; use the form #1a2b3c."),
    ({"contact_email": "nobody"}, "'nobody' is not an email address"),
    ({"contact_website": "ftp://files.example"}, "'ftp://files.example' is not a web address"),
    ({"contact_phone": "call me maybe"}, "'call me maybe' is not a phone number"),
    ({"tagline": "x" * 201}, "The tagline is 201 characters long; the limit is 200."),
]


def test_invalid_brand_kit_field_writes_nothing(app, settings, world, partner_admin):
    partner_admin.get(BRAND_KIT)
    before, files = kit_state(app, world.a_id), stored_files(settings)
    for fields, message in INVALID_FIELDS:
        # with a valid logo in the same form: the logo must not be kept either
        response = upload(partner_admin, png_logo(), **{"tagline": "New tagline", **fields})
        assert response.status_code == 400, fields
        assert str(escape(message)) in response.get_data(as_text=True), fields
        assert kit_state(app, world.a_id) == before, fields
        assert stored_files(settings) == files, fields
        # the same without a file
        response = partner_admin.post(
            BRAND_KIT, data={"action": "save", "tagline": "New", **fields}
        )
        assert response.status_code == 400, fields
        assert kit_state(app, world.a_id) == before, fields


def test_valid_fields_are_saved_and_normalized(app, settings, world, partner_admin):
    before = kit_state(app, world.a_id)
    response = partner_admin.post(
        BRAND_KIT,
        data={
            "action": "save",
            "primary_color": "#AA0000",
            "secondary_color": "#00aa00",
            "tagline": "  Fast and local  ",
            "contact_email": "Sales@Alpha.example",
            "contact_website": "alpha.example/contact",
        },
    )
    assert response.status_code == 302
    after = kit_state(app, world.a_id)
    assert after["fields"] == ("#aa0000", "#00aa00", "Fast and local", "sales@alpha.example")
    assert after["version"] == before["version"] + 1
    assert after["logo"] == before["logo"]


def test_partner_member_cannot_upload(app, settings, world, login_as):
    client = login_as("partner_member@a.example")
    client.get(BRAND_KIT)
    before, files = kit_state(app, world.a_id), stored_files(settings)
    assert upload(client, png_logo()).status_code == 403
    assert kit_state(app, world.a_id) == before and stored_files(settings) == files


# --- the program's own logo ------------------------------------------------------------------

PROGRAM = {
    "vendor_name": "Acme Devices",
    "program_name": "Acme Partner Network",
    "primary_color": "#112233",
    "secondary_color": "#445566",
    "support_email": "partners@acme.example",
    "welcome_text": "Welcome!",
}


def program_state(app) -> tuple:
    with app.app_context():
        program = session.execute(select(ProgramSettings)).scalars().first()
        audit = session.scalar(select(func.count(AuditEntry.id)))
        if program is None:
            return (None, audit)
        return (program.vendor_name, program.logo_key, program.primary_color, audit)


def test_admin_uploads_the_program_logo(app, settings, world, login_as):
    admin = login_as("admin@vendor.example")
    assert admin.get("/theme/logo").status_code == 404
    form = {**PROGRAM, "logo": (io.BytesIO(png_logo()), "acme.png")}
    response = admin.post("/admin/settings", data=form, content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        program = session.execute(select(ProgramSettings)).scalar_one()
        assert program.logo_key.startswith("program/") and program.logo_key.endswith(".png")
        assert (program.vendor_name, program.primary_color) == ("Acme Devices", "#112233")
        assert program.logo_key in stored_files(settings)
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "settings.update")
        ).scalar_one()
        assert entry.actor_label == "admin@vendor.example" and "logo_key" in entry.changes
    logo = app.test_client().get("/theme/logo")  # public: the portal and public pages show it
    assert logo.status_code == 200 and logo.mimetype == "image/png"
    assert Image.open(io.BytesIO(logo.data)).format == "PNG"
    page = admin.get("/admin/settings").get_data(as_text=True)
    assert 'src="/theme/logo"' in page and "Acme Devices" in page

    # saving without a new file keeps the logo
    assert admin.post("/admin/settings", data={**PROGRAM, "vendor_name": "Acme"}).status_code == 302
    assert program_state(app)[:2] == ("Acme", program.logo_key)


def test_refused_program_logo_writes_nothing(app, settings, world, login_as):
    admin = login_as("admin@vendor.example")
    admin.get("/admin/settings")
    before, files = program_state(app), stored_files(settings)
    for data, message in [
        (svg("<script>alert(1)</script>"), "The SVG contains a script, which is not allowed."),
        (b"GIF89a" + b"\x00" * 20, "it looks like a GIF file"),
        (TRUNCATED_PNG, "The PNG image is damaged or incomplete; it cannot be read."),
    ]:
        form = {**PROGRAM, "logo": (io.BytesIO(data), "acme.svg")}
        response = admin.post("/admin/settings", data=form, content_type="multipart/form-data")
        assert response.status_code == 400, message
        assert str(escape(message)) in response.get_data(as_text=True)
        assert program_state(app) == before
        assert stored_files(settings) == files


def test_invalid_program_settings_write_nothing(app, settings, world, login_as):
    admin = login_as("admin@vendor.example")
    admin.get("/admin/settings")
    before, files = program_state(app), stored_files(settings)
    form = {
        **PROGRAM,
        "vendor_name": "",
        "primary_color": "blue",
        "logo": (io.BytesIO(png_logo()), "acme.png"),
    }
    response = admin.post("/admin/settings", data=form, content_type="multipart/form-data")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "The vendor name is required." in text
    assert str(escape("'blue' is not a colour")) in text
    assert program_state(app) == before
    assert stored_files(settings) == files


def test_program_logo_is_admin_only(app, settings, world, login_as):
    for email in ("cm@vendor.example", "marketer@vendor.example"):
        client = login_as(email)
        form = {**PROGRAM, "logo": (io.BytesIO(png_logo()), "acme.png")}
        response = client.post("/admin/settings", data=form, content_type="multipart/form-data")
        assert response.status_code == 403
    with app.app_context():
        program = session.execute(select(ProgramSettings)).scalars().first()
        assert program is None or program.logo_key is None
    assert stored_files(settings) == set()
