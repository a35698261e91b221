from __future__ import annotations

import io

import pydyf
import pypdf
import pytest

from renderers import (
    AssetRefused,
    AssetResolver,
    RenderError,
    RenderLimitExceeded,
    Zone,
    render_html_pdf,
    stamp_pdf,
)

from .conftest import Storage, bomb_png, image_bytes, page_text, render_page

BLUE = (0, 0, 255)

SOURCE_HTML = """<style>@page { size: 400pt 300pt; margin: 0 }
p { margin: 20pt; font-size: 14pt } .bar { position: absolute; left: 0; top: 250pt;
width: 400pt; height: 50pt; background: #ffd700 }</style>
<p>Vendor flyer page one</p><div class="bar"></div>
<p style="break-before: page">Vendor flyer page two</p>"""


@pytest.fixture(scope="module")
def module_assets() -> AssetResolver:
    storage = Storage(
        {
            "logos/acme.png": image_bytes((200, 100), (0, 0, 255, 255)),
            "logos/acme.jpg": image_bytes((200, 100), (0, 0, 255, 255), "JPEG", "RGB"),
            "logos/bomb.png": bomb_png(),
        }
    )
    return AssetResolver({}, storage.get)


@pytest.fixture(scope="module")
def source_pdf(module_assets) -> bytes:
    return render_html_pdf(SOURCE_HTML, {}, module_assets)


ZONES = [
    Zone(page=1, x=250, y=100, width=120, height=60, content="logo", field="logo"),
    Zone(page=1, x=20, y=100, width=200, height=40, content="text", field="name", size=18,
         color="#ff0000"),
    Zone(page=2, x=20, y=150, width=200, height=80, content="contact", field="contact", size=11,
         align="right"),
]  # fmt: skip
VALUES = {
    "logo": "storage:logos/acme.png",
    "name": "Acme Resellers",
    "contact": {"phone": "+44 1234 567890", "email": "sales@acme.example"},
}


@pytest.fixture(scope="module")
def stamped(source_pdf, module_assets) -> bytes:
    return stamp_pdf(source_pdf, ZONES, VALUES, module_assets)


def _content(pdf: bytes, page: int) -> bytes:
    return pypdf.PdfReader(io.BytesIO(pdf)).pages[page].get_contents().get_data()


def _pixels(image, box):
    x, y, w, h = box
    return {image.getpixel((i, j)) for i in range(x, x + w) for j in range(y, y + h)}


def test_original_content_stream_is_kept_byte_for_byte(source_pdf, stamped):
    for page in (0, 1):
        original = _content(source_pdf, page)
        after = _content(stamped, page)
        assert after.startswith(b"q\n" + original)
        assert len(after) > len(original)
    assert "Vendor flyer page one" in page_text(stamped, 0)
    assert "Vendor flyer page two" in page_text(stamped, 1)


def test_stamping_is_deterministic(source_pdf, stamped, module_assets):
    assert stamp_pdf(source_pdf, ZONES, VALUES, module_assets) == stamped


def test_logo_is_fitted_inside_its_zone(stamped):
    page = render_page(stamped)
    # a 2:1 logo in a 120x60 zone fills it: blue inside, nothing blue around it
    assert _pixels(page, (255, 105, 110, 50)) == {BLUE}
    around = _pixels(page, (240, 90, 140, 8)) | _pixels(page, (240, 162, 140, 8))
    around |= _pixels(page, (240, 100, 8, 60)) | _pixels(page, (372, 100, 8, 60))
    assert BLUE not in around


def test_text_is_extractable_and_inside_its_zone(stamped):
    assert "Acme Resellers" in page_text(stamped, 0)
    page = render_page(stamped)
    inside = _pixels(page, (20, 100, 200, 40))
    assert any(r > 200 and g < 80 and b < 80 for r, g, b in inside), "red text in the zone"
    outside = _pixels(page, (0, 60, 250, 38)) | _pixels(page, (0, 142, 250, 40))
    assert not any(r > 200 and g < 80 and b < 80 for r, g, b in outside)


def test_contact_block_lines_are_stamped_right_aligned(stamped):
    text = pypdf.PdfReader(io.BytesIO(stamped)).pages[1].extract_text()
    assert "+44 1234 567890" in text and "sales@acme.example" in text
    page = render_page(stamped, 1)
    dark = [
        (x, y) for x in range(0, 400) for y in range(150, 230) if page.getpixel((x, y))[0] < 100
    ]
    assert dark and min(x for x, _ in dark) >= 20 and max(x for x, _ in dark) <= 220
    assert max(x for x, _ in dark) > 200  # right-aligned against the zone's right edge


def test_long_text_shrinks_to_fit_its_zone(source_pdf, module_assets):
    long_name = "Acme Resellers and Distributors of Fine Networking Equipment Ltd"
    zone = Zone(page=1, x=20, y=100, width=150, height=30, content="text", field="n", size=24)
    pdf = stamp_pdf(source_pdf, [zone], {"n": long_name}, module_assets)
    assert " ".join(page_text(pdf).split()).endswith(long_name)
    page = render_page(pdf)
    inside = _pixels(page, (20, 100, 150, 30))
    assert any(p[0] < 100 for p in inside)
    around = _pixels(page, (20, 131, 200, 40)) | _pixels(page, (171, 90, 60, 50))
    assert not any(p[0] < 100 for p in around)


def test_jpeg_logos_are_embedded_as_they_are(source_pdf, module_assets):
    zone = Zone(page=2, x=10, y=10, width=100, height=50, content="logo", field="logo")
    pdf = stamp_pdf(source_pdf, [zone], {"logo": "storage:logos/acme.jpg"}, module_assets)
    images = pypdf.PdfReader(io.BytesIO(pdf)).pages[1].images
    assert [image.image.format for image in images] == ["JPEG"]
    page = render_page(pdf, 1)
    r, g, b = page.getpixel((60, 35))
    assert b > 200 and r < 50 and g < 50


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotated_pages_use_displayed_coordinates(source_pdf, module_assets, rotation):
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(source_pdf)))
    writer.pages[0].rotate(rotation)
    out = io.BytesIO()
    writer.write(out)
    zone = Zone(page=1, x=10, y=20, width=60, height=30, content="logo", field="logo")
    pdf = stamp_pdf(out.getvalue(), [zone], {"logo": "storage:logos/acme.png"}, module_assets)
    page = render_page(pdf)  # pdfium shows the page turned, as a reader would
    assert page.size == ((400, 300) if rotation == 180 else (300, 400))
    assert _pixels(page, (15, 25, 50, 20)) == {BLUE}
    assert BLUE not in _pixels(page, (75, 20, 20, 30)) | _pixels(page, (10, 55, 60, 20))


@pytest.mark.parametrize(
    ("zone", "message"),
    [
        (Zone(3, 0, 0, 10, 10, "text", "name"), "no page 3 (it has 2)"),
        (Zone(1, 350, 10, 100, 10, "text", "name"), "outside the 400x300 pt page"),
        (Zone(1, 10, -5, 100, 10, "text", "name"), "outside the 400x300 pt page"),
        (Zone(1, 10, 10, 0, 10, "text", "name"), "width and height must be positive"),
        (Zone(1, 10, 10, 50, 10, "video", "name"), "content must be one of"),
        (Zone(1, 10, 10, 50, 10, "text", "missing"), "no value for field 'missing'"),
        (Zone(1, 10, 10, 50, 10, "text", None), "no field"),
        (Zone(1, 10, 10, 50, 10, "text", "name", color="red"), "bad colour"),
        (Zone(1, 10, 10, 50, 10, "text", "name", font="Comic"), "unknown font 'Comic'"),
        (Zone(1, 10, 10, 50, 10, "text", "name", align="justify"), "align must be"),
        (Zone(1, 10, 10, 50, 10, "logo", "logo", fit="stretch"), "fit must be"),
    ],
)
def test_zones_are_validated(source_pdf, module_assets, zone, message):
    with pytest.raises(RenderError, match="zone 1 ") as caught:
        stamp_pdf(source_pdf, [zone], VALUES, module_assets)
    assert message in str(caught.value)


def test_logo_urls_go_through_the_resolver(source_pdf, module_assets):
    zone = Zone(page=1, x=10, y=10, width=100, height=50, content="logo", field="logo")
    with pytest.raises(AssetRefused, match="file:///etc/passwd"):
        stamp_pdf(source_pdf, [zone], {"logo": "file:///etc/passwd"}, module_assets)
    with pytest.raises(RenderLimitExceeded, match="storage:logos/bomb.png"):
        stamp_pdf(source_pdf, [zone], {"logo": "storage:logos/bomb.png"}, module_assets)


def test_not_a_pdf_is_a_render_error(module_assets):
    with pytest.raises(RenderError, match="not a readable PDF|no pages"):
        stamp_pdf(b"%PDF-1.4 garbage", [], {}, module_assets)


def _pdf_with_shared_resources(inherited: bool) -> bytes:
    """Two pages using one font dictionary, inherited from /Pages or shared by reference."""
    document = pydyf.PDF()
    font = pydyf.Dictionary({"Type": "/Font", "Subtype": "/Type1", "BaseFont": "/Helvetica"})
    document.add_object(font)
    resources = pydyf.Dictionary({"Font": pydyf.Dictionary({"F1": font.reference})})
    document.add_object(resources)
    if inherited:
        document.pages["Resources"] = resources.reference
    document.pages["MediaBox"] = pydyf.Array([0, 0, 300, 200])
    for text in ("Inherited one", "Inherited two"):
        content = pydyf.Stream([f"BT /F1 20 Tf 20 150 Td ({text}) Tj ET".encode()])
        document.add_object(content)
        page = pydyf.Dictionary(
            {"Type": "/Page", "Parent": document.pages.reference, "Contents": content.reference}
        )
        if not inherited:
            page["Resources"] = resources.reference
        document.add_page(page)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


@pytest.mark.parametrize("inherited", [True, False])
def test_resources_shared_between_pages_stay_as_they_were(module_assets, inherited):
    source = _pdf_with_shared_resources(inherited)
    zone = Zone(page=1, x=20, y=120, width=200, height=30, content="text", field="name")
    pdf = stamp_pdf(source, [zone], {"name": "Acme Resellers"}, module_assets)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    first = reader.pages[0].extract_text()
    assert "Inherited one" in first and "Acme Resellers" in first
    assert "Inherited two" in reader.pages[1].extract_text()
    second_fonts = reader.pages[1].get_inherited("/Resources")["/Font"]
    assert list(second_fonts) == ["/F1"]  # page 1's stamp did not leak into page 2
    page = render_page(pdf)
    assert any(page.getpixel((x, 40))[0] < 100 for x in range(20, 150)), "original text drawn"


def test_zones_with_empty_values_draw_nothing(source_pdf, module_assets):
    zones = [
        Zone(page=1, x=10, y=10, width=100, height=50, content="logo", field="logo"),
        Zone(page=1, x=10, y=70, width=100, height=20, content="text", field="name"),
    ]
    pdf = stamp_pdf(source_pdf, zones, {"logo": "", "name": None}, module_assets)
    assert _content(pdf, 0) == _content(source_pdf, 0)
    assert render_page(pdf).tobytes() == render_page(source_pdf).tobytes()


def test_a_logo_and_font_used_on_several_pages_are_stored_once(source_pdf, module_assets):
    zones = [
        Zone(page=1, x=10, y=10, width=100, height=50, content="logo", field="logo"),
        Zone(page=2, x=10, y=10, width=100, height=50, content="logo", field="logo"),
        Zone(page=1, x=10, y=70, width=200, height=20, content="text", field="name"),
        Zone(page=2, x=10, y=70, width=200, height=20, content="text", field="name"),
    ]
    pdf = stamp_pdf(source_pdf, zones, VALUES, module_assets)
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    for kind, name in (("/XObject", "/TandemIm0"), ("/Font", "/TandemF0_0")):
        first, second = (page["/Resources"][kind].raw_get(name) for page in pages)
        assert first.idnum == second.idnum
