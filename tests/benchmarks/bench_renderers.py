"""Renderer benchmark: each renderer against the bare library (or a naive baseline).

Run from the repository root:

    .venv/bin/python tests/benchmarks/bench_renderers.py

Prints a markdown table and writes it into docs/PERFORMANCE.md between the markers
``<!-- renderers:start -->`` and ``<!-- renderers:end -->``. Not collected by pytest.
Each pair is timed alternately (ours, baseline, ours, ...) so that load from other
processes affects both sides alike; figures are medians.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import jinja2  # noqa: E402
import weasyprint  # noqa: E402
from mjml import mjml2html  # noqa: E402
from PIL import Image, ImageDraw, ImageFont, ImageOps  # noqa: E402

from renderers import (  # noqa: E402
    AssetResolver,
    Zone,
    compile_mjml,
    render_email,
    render_html_pdf,
    render_image,
    render_string,
    stamp_pdf,
)
from renderers.fonts import font_path  # noqa: E402
from tests.benchmarks.machine import describe  # noqa: E402

DOC = ROOT / "docs" / "PERFORMANCE.md"
START, END = "<!-- renderers:start -->", "<!-- renderers:end -->"
COMMAND = ".venv/bin/python tests/benchmarks/bench_renderers.py"


def _jpeg(size: tuple[int, int], color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=90)
    return out.getvalue()


def _png(size: tuple[int, int], color: tuple[int, int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, color).save(out, "PNG")
    return out.getvalue()


HERO = _jpeg((1600, 800), (40, 90, 160))
LOGO = _png((400, 200), (220, 30, 30, 255))
STORAGE = {"logos/acme.png": LOGO}
ASSETS = AssetResolver({"images/hero.jpg": HERO}, STORAGE.__getitem__)

PARTNER = {
    "name": "Acme Networks Ltd",
    "logo": "storage:logos/acme.png",
    "colors": {"primary": "#0b5fff"},
    "phone": "+44 20 7946 0000",
    "email": "sales@acme.example",
    "website": "https://acme.example",
}
FIELDS = {
    "headline": "Upgrade every office to Wi-Fi 7 this spring",
    "body": "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
    "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud.",
    "cta": "Book a site survey",
}
CONTEXT = {"partner": PARTNER, "fields": FIELDS}

FLYER = """<!doctype html><html><head><meta charset="utf-8"><style>
@page { size: A4; margin: 15mm }
body { font-family: "DejaVu Sans"; color: #222; font-size: 10pt }
h1 { color: {{ partner.colors.primary }}; font-size: 26pt; margin: 0 0 6mm }
.hero { width: 100%; height: 70mm; object-fit: cover }
.cols { display: flex; gap: 8mm } .cols > div { flex: 1 }
table { width: 100%; border-collapse: collapse } td { border-bottom: 1px solid #ccc; padding: 2mm }
footer { position: fixed; bottom: 0; font-size: 8pt; color: #666 }
</style></head><body>
<h1>{{ fields.headline }}</h1><img class="hero" src="images/hero.jpg">
<div class="cols">{% for i in range(3) %}<div><h2>Benefit {{ i + 1 }}</h2>
<p>{{ fields.body }}</p><p>{{ fields.body }}</p></div>{% endfor %}</div>
<h2>Models</h2><table>{% for r in range(14) %}<tr><td>AX-{{ 100 + r }}</td>
<td>{{ (r + 1) * 600 }} Mbps</td><td>{{ 4 + r % 4 }} antennas</td><td>€{{ 149 + r * 40 }}</td></tr>
{% endfor %}</table>
<footer>{{ partner.name }} · {{ partner.phone }} · {{ partner.email }}</footer>
</body></html>"""

FOUR_PAGES = (
    """<style>@page { size: A4; margin: 18mm } body { font-family: "DejaVu Sans" }
section { break-after: page } h1 { color: #0b5fff }</style>"""
    + "".join(
        f"<section><h1>Datasheet page {n}</h1>"
        + "<p>" + FIELDS["body"] * 5 + "</p>" * 1
        + "<table>" + "<tr><td>Spec</td><td>Value</td><td>Notes</td></tr>" * 20 + "</table>"
        + "<p>" + FIELDS["body"] * 4 + "</p></section>"
        for n in range(1, 5)
    )
)  # fmt: skip
ZONES = [
    Zone(page=1, x=400, y=740, width=150, height=60, content="logo", field="logo"),
    Zone(page=1, x=45, y=740, width=330, height=30, content="text", field="name", size=18),
    Zone(page=4, x=45, y=700, width=250, height=90, content="contact", field="contact"),
    Zone(page=4, x=400, y=740, width=150, height=60, content="logo", field="logo"),
]
STAMP_VALUES = {
    "logo": "storage:logos/acme.png",
    "name": PARTNER["name"],
    "contact": [PARTNER["name"], PARTNER["phone"], PARTNER["email"], PARTNER["website"]],
}

IMAGE_SPEC = {
    "width": 1200,
    "height": 628,
    "background": {"image": "images/hero.jpg", "fit": "cover"},
    "layers": [
        {"type": "rect", "box": [0, 500, 1200, 128], "fill": "#ffffff"},
        {"type": "image", "src": "{{ partner.logo }}", "box": [40, 515, 200, 100],
         "fit": "contain", "padding": 5},
        {"type": "text", "text": "{{ fields.headline }}", "box": [60, 60, 1080, 380],
         "font": "DejaVuSans-Bold", "size": 80, "min_size": 24, "color": "#ffffff",
         "align": "center", "valign": "middle"},
        {"type": "text", "text": "{{ partner.name }} · {{ partner.phone }}",
         "box": [260, 530, 900, 70], "size": 34, "color": "{{ partner.colors.primary }}",
         "align": "right", "valign": "middle"},
    ],
}  # fmt: skip

NEWSLETTER = """<mjml><mj-head><mj-attributes><mj-all font-family="Arial" /></mj-attributes>
</mj-head><mj-body background-color="#f4f4f4">
<mj-section background-color="{{ partner.colors.primary }}"><mj-column>
<mj-image src="https://cdn.example/logo.png" alt="{{ partner.name }}" href="{{ partner.website }}"
 width="160px" /></mj-column></mj-section>
<mj-section background-color="#ffffff"><mj-column>
<mj-text font-size="24px" color="{{ partner.colors.primary }}">{{ fields.headline }}</mj-text>
<mj-text>Hello {{ contact.first_name }},</mj-text><mj-text>{{ fields.body }}</mj-text>
{% for item in items %}<mj-text><a href="{{ item.url }}">{{ item.title }}</a>: {{ item.summary }}
</mj-text>{% endfor %}
{% if offer %}<mj-text>Offer: {{ offer }}</mj-text>{% endif %}
<mj-button href="{{ cta_url }}" background-color="{{ partner.colors.primary }}">{{ fields.cta }}
</mj-button></mj-column></mj-section>
<mj-section><mj-column><mj-text font-size="11px">{{ partner.name }} · {{ partner.phone }} ·
<a href="{{ unsubscribe_url }}">Unsubscribe</a></mj-text></mj-column></mj-section>
</mj-body></mjml>"""
EMAIL_CONTEXT = {
    **CONTEXT,
    "contact": {"first_name": "Sam"},
    "items": [
        {"title": f"Story {i}", "url": f"https://acme.example/{i}", "summary": FIELDS["body"]}
        for i in range(5)
    ],
    "offer": "20% off installation",
    "cta_url": "https://acme.example/survey",
    "unsubscribe_url": "https://tandem.example/u/abc",
}
SUBJECT = "{{ fields.headline }} from {{ partner.name }}"


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def paired(
    ours: Callable[[], object],
    bare: Callable[[], object],
    rounds: int,
    *,
    ours_calls: int = 1,
    bare_calls: int = 1,
) -> tuple[float, float]:
    """Median seconds per call of ours and of bare, after one warm-up each, timed in
    alternate rounds (ours, bare, ours, ...); a round of a fast side is a batch of calls."""
    ours()
    bare()
    a, b = [], []
    for _ in range(rounds):
        a.append(timed(lambda: [ours() for _ in range(ours_calls)]) / ours_calls)
        b.append(timed(lambda: [bare() for _ in range(bare_calls)]) / bare_calls)
    return statistics.median(a), statistics.median(b)


def bare_pillow_card() -> bytes:
    canvas = Image.new("RGB", (1200, 628), "#ffffff")
    hero = Image.open(io.BytesIO(HERO)).convert("RGB")
    canvas.paste(ImageOps.fit(hero, (1200, 628), Image.Resampling.LANCZOS), (0, 0))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle([0, 500, 1199, 627], fill="#ffffff")
    logo = Image.open(io.BytesIO(LOGO)).convert("RGBA")
    logo = ImageOps.contain(logo, (190, 90), Image.Resampling.LANCZOS)
    canvas.paste(logo, (45 + (190 - logo.width) // 2, 520 + (90 - logo.height) // 2), logo)
    bold = ImageFont.truetype(str(font_path("DejaVuSans-Bold")), 80)
    draw.multiline_text(
        (600, 250),
        "Upgrade every office to Wi-Fi\n7 this spring",
        font=bold,
        fill="#ffffff",
        anchor="mm",
        align="center",
    )
    regular = ImageFont.truetype(str(font_path("DejaVuSans")), 34)
    draw.text((1160, 565), "Acme Networks Ltd · +44 20 7946 0000", font=regular, fill="#0b5fff",
              anchor="rm")  # fmt: skip
    out = io.BytesIO()
    canvas.save(out, "PNG")
    return out.getvalue()


def naive_email() -> str:
    env = jinja2.Environment(autoescape=True)
    source = env.from_string(NEWSLETTER).render(EMAIL_CONTEXT)
    return mjml2html(source)


def machine() -> str:
    return describe(f"WeasyPrint {weasyprint.__version__}", f"Pillow {Image.__version__}")


def main() -> None:
    load = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "images").mkdir()
        (Path(folder) / "images" / "hero.jpg").write_bytes(HERO)
        base = Path(folder).as_uri() + "/"
        html = render_string(FLYER, CONTEXT)
        ours, bare = paired(
            lambda: render_html_pdf(FLYER, CONTEXT, ASSETS),
            lambda: weasyprint.HTML(string=html, base_url=base).write_pdf(),
            rounds=21,
        )
        rows.append(
            (
                "HTML flyer → PDF",
                "`render_html_pdf`",
                ours,
                "WeasyPrint `HTML(string).write_pdf()` on the same HTML",
                bare,
                f"{ours / bare:.2f}× (target ≤ 1.2×)",
            )
        )

    ours, bare = paired(lambda: render_image(IMAGE_SPEC, CONTEXT, ASSETS), bare_pillow_card, 21)
    rows.append(
        (
            "1200×628 social card → PNG",
            "`render_image`",
            ours,
            "the same layers drawn with bare Pillow",
            bare,
            f"{ours / bare:.2f}× (target ≤ 1.2×)",
        )
    )

    compiled = compile_mjml(NEWSLETTER)
    ours, bare = paired(
        lambda: render_email(compiled, EMAIL_CONTEXT, subject=SUBJECT),
        naive_email,
        rounds=11,
        ours_calls=200,
        bare_calls=5,
    )
    rows.append(
        (
            "newsletter, per recipient",
            "`render_email` from a cached `compile_mjml`",
            ours,
            "Jinja on the MJML, then `mjml2html`, per recipient",
            bare,
            f"{bare / ours:.0f}× faster; {ours * 1000:.2f} ms per call (target < 1 ms)",
        )
    )

    source_pdf = weasyprint.HTML(string=FOUR_PAGES).write_pdf()
    ours, bare = paired(
        lambda: stamp_pdf(source_pdf, ZONES, STAMP_VALUES, ASSETS),
        lambda: weasyprint.HTML(string=FOUR_PAGES).write_pdf(),
        rounds=11,
    )
    rows.append(
        (
            "co-brand a 4-page PDF",
            "`stamp_pdf` (logo, name, contact block)",
            ours,
            "re-render the 4-page HTML with WeasyPrint",
            bare,
            f"{bare / ours:.1f}× faster (target ≥ 5×)",
        )
    )

    table = [
        "| task | ours | median | baseline | median | result |",
        "| --- | --- | ---: | --- | ---: | --- |",
    ]
    for task, what, ours_s, baseline, bare_s, result in rows:
        table.append(f"| {task} | {what} | {_ms(ours_s)} | {baseline} | {_ms(bare_s)} | {result} |")
    section = "\n".join(
        [
            START,
            "## Renderers",
            "",
            f"Measured {date.today().isoformat()} with `{COMMAND}` on {machine()}.",
            "Medians; each pair timed alternately so that other load hits both sides alike",
            "(the newsletter in rounds of 200 calls of ours and 5 of the baseline, taking",
            f"turns, per call). The 1-minute load average was {load:.1f} at the start: the",
            "milliseconds grow with the load, the ratios much less.",
            "`render_html_pdf` and `stamp_pdf` include their forked, time-limited render",
            "child (see `renderers/limits.py`); the bare baselines run in-process. Most of",
            "the PDF overhead is that child: the fork, and the memory it first touches. The",
            "shipped fonts are loaded and laid out once per process, before forking. With",
            "other processes busy on the shared 2-core machine, the PDF ratio moved between",
            "1.16× and about 1.3× from run to run while this was written.",
            "`render_image` and `render_email` run in the calling process (their work is",
            "bounded by validation and the sandbox's limits, and a fork would cost as much",
            "as a typical render).",
            "",
            *table,
            END,
        ]
    )
    print("\n".join(table))
    _write(section)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds < 0.01 else f"{seconds * 1000:.0f} ms"


def _write(section: str) -> None:
    text = DOC.read_text() if DOC.exists() else "# Performance\n"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text)
    print(f"\nwritten to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
