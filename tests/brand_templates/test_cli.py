"""The ``templates`` command group: validate, render --sample and import."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner
from flask import Flask
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select

from app import db as app_db
from app.cli.templates import templates
from app.db import Base
from app.model_registry import import_all_models
from brand_templates.library import LIBRARY_DIR
from brand_templates.models import BrandTemplateVersion

from .conftest import PDF_SOURCE, png, toml


@pytest.fixture
def broken_folder(tmp_path):
    folder = tmp_path / "broken"
    (folder / "images").mkdir(parents=True)
    (folder / "template.toml").write_bytes(
        toml(
            """
            name = "Broken"
            kind = "pdf"
            source = "flyer.html"
            [fields.headline]
            type = "text"
            max_length = 3
            default = "Too long"
            """
        )
    )
    (folder / "flyer.html").write_text(
        "<p>{{ fields.headline }}</p>\n<p>{{ fields.missing }}</p>\n"
    )
    return folder


def test_validate_ok():
    result = CliRunner().invoke(templates, ["validate", str(LIBRARY_DIR / "product-flyer")])
    assert result.exit_code == 0, result.output
    assert "OK: pdf template 'Product flyer: HomeVault 10'" in result.output


def test_validate_prints_each_error_and_exits_1(broken_folder):
    result = CliRunner().invoke(templates, ["validate", str(broken_folder)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "template.toml:7: fields.headline.default: default is 8 characters long; the limit is 3"
    ]
    (broken_folder / "template.toml").write_bytes(
        toml(
            'name = "Broken"\nkind = "pdf"\nsource = '
            '"flyer.html"\n[fields.headline]\ntype = "text"\n'
        )
    )
    result = CliRunner().invoke(templates, ["validate", str(broken_folder)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "flyer.html:2: fields.missing: field 'missing' is not declared in template.toml "
        "(add [fields.missing])"
    ]


def test_validate_refused_zip(tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    result = CliRunner().invoke(templates, ["validate", str(bad)])
    assert result.exit_code == 1 and result.output.startswith("bad.zip: not a zip file")


def test_render_sample_pdf_and_starter_slug(tmp_path):
    out = tmp_path / "flyer.pdf"
    result = CliRunner().invoke(
        templates, ["render", str(LIBRARY_DIR / "product-flyer"), "--sample", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert f"wrote {out} (application/pdf" in result.output
    assert (
        "Brightfield Energy Solutions"
        in PdfReader(io.BytesIO(out.read_bytes())).pages[0].extract_text()
    )

    out = tmp_path / "invite.html"
    result = CliRunner().invoke(
        templates, ["render", "event-invitation", "--sample", "--format", "html", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "subject: You're invited: Home Battery Open Evening" in result.output
    assert "Brightfield Energy Solutions" in out.read_text()


def test_render_usage_errors(tmp_path):
    runner = CliRunner()
    result = runner.invoke(templates, ["render", "product-flyer", "-o", str(tmp_path / "x.pdf")])
    assert (
        result.exit_code == 2 and "give exactly one of --sample or --partner SLUG" in result.output
    )
    result = runner.invoke(
        templates,
        ["render", "social-square", "--sample", "--format", "pdf", "-o", str(tmp_path / "x")],
    )
    assert (
        result.exit_code == 2
        and "a image template renders to png, jpeg, webp, not 'pdf'" in result.output
    )
    result = runner.invoke(
        templates, ["render", "no-such-thing", "--sample", "-o", str(tmp_path / "x")]
    )
    assert result.exit_code == 2 and "neither a folder, a zip file nor a starter" in result.output


def test_render_refuses_an_invalid_template(broken_folder, tmp_path):
    result = CliRunner().invoke(
        templates, ["render", str(broken_folder), "--sample", "-o", str(tmp_path / "x.pdf")]
    )
    assert result.exit_code == 1 and "template.toml:7: fields.headline.default" in result.output
    assert not (tmp_path / "x.pdf").exists()


def _folder(root, files: dict[str, str | bytes]):
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            data = data.encode()
        path.write_bytes(data)
    return root


def _catalogue(root, pages: int):
    return _folder(
        root,
        {
            "template.toml": 'name = "Catalogue"\nkind = "pdf"\nsource = "c.html"\n',
            "c.html": "<p>{{ partner.name }}</p>\n{% for i in range("
            + str(pages)
            + ') %}<p style="break-after: page">{{ i }}</p>{% endfor %}\n',
        },
    )


def _exited_with_message(result, lines: list[str]) -> None:
    """Exit 1 with exactly LINES: messages, not a Python traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.output.splitlines() == lines


PAGE_LIMIT = (
    "c.html: the sample render has more than 50 pages; to allow more, declare max_pages in "
    "template.toml (up to 200)"
)


def test_validate_renders_the_sample_and_reports_the_page_limit(tmp_path, monkeypatch):
    import app.runtime

    # as in `tandem templates validate`: no app, so the ceiling comes from the environment
    monkeypatch.setattr(app.runtime, "_settings", None)
    folder = _catalogue(tmp_path / "catalogue", 56)
    runner = CliRunner()
    _exited_with_message(runner.invoke(templates, ["validate", str(folder)]), [PAGE_LIMIT])
    result = runner.invoke(templates, ["validate", "--no-render", str(folder)])
    assert result.exit_code == 0 and "OK: pdf template 'Catalogue'" in result.output
    (folder / "template.toml").write_text(
        'name = "Catalogue"\nkind = "pdf"\nsource = "c.html"\nmax_pages = 60\n'
    )
    assert runner.invoke(templates, ["validate", str(folder)]).exit_code == 0
    result = runner.invoke(
        templates, ["validate", str(folder)], env={"TEMPLATE_MAX_PAGES_CEILING": "55"}
    )
    _exited_with_message(
        result,
        [
            "template.toml:4: max_pages: 60 pages is more than this instance allows: at most 55 "
            "(the setting TEMPLATE_MAX_PAGES_CEILING)"
        ],
    )


def test_render_errors_are_messages_with_file_and_line_not_tracebacks(tmp_path):
    runner = CliRunner()
    out = tmp_path / "out.pdf"
    folder = _catalogue(tmp_path / "catalogue", 56)
    result = runner.invoke(templates, ["render", str(folder), "--sample", "-o", str(out)])
    _exited_with_message(result, [PAGE_LIMIT])
    assert not out.exists()

    flyer = _folder(
        tmp_path / "flyer",
        {
            "template.toml": 'name = "F"\nkind = "pdf"\nsource = "f.html"\n',
            "f.html": "<h1>{{ partner.name }}</h1>\n\n<p>{{ partner.name.nope.x }}</p>\n",
        },
    )
    result = runner.invoke(templates, ["render", str(flyer), "--sample", "-o", str(out)])
    _exited_with_message(result, ["f.html:3: 'str object' has no attribute 'nope'"])

    big = io.BytesIO()
    Image.new("1", (8000, 6000)).save(big, "PNG")
    (flyer / "f.html").write_text('<img src="big.png">')
    (flyer / "big.png").write_bytes(big.getvalue())
    result = runner.invoke(templates, ["render", str(flyer), "--sample", "-o", str(out)])
    _exited_with_message(
        result,
        ["big.png: 8000x6000 pixels is more than the limit of 40,000,000 pixels; scale it down"],
    )
    assert not out.exists()


MERGE_EMAIL = {
    "template.toml": 'name = "Mail"\nkind = "email"\nsource = "m.mjml"\n'
    'subject = "Hi {% raw %}{{FirstName}}{% endraw %}"\n',
    "m.mjml": "<mjml><mj-body><mj-section><mj-column>\n"
    "<mj-text>Dear {% raw %}{{FirstName}}{% endraw %}, from {{ partner.name }}</mj-text>\n"
    "<mj-text>{{ partner.name.title() }}</mj-text>\n"
    "</mj-column></mj-section></mj-body></mjml>\n",
}


def test_render_an_email_with_merge_tags_and_its_plain_text(tmp_path):
    folder = _folder(tmp_path / "mail", MERGE_EMAIL)
    out, text = tmp_path / "mail.html", tmp_path / "mail.txt"
    runner = CliRunner()
    assert runner.invoke(templates, ["validate", str(folder)]).exit_code == 0
    result = runner.invoke(
        templates, ["render", str(folder), "--sample", "-o", str(out), "--text", str(text)]
    )
    assert result.exit_code == 0, result.output
    assert "subject: Hi {{FirstName}}" in result.output
    assert f"wrote {text} (text/plain; charset=utf-8, " in result.output
    assert "Dear {{FirstName}}, from Brightfield Energy Solutions" in out.read_text()
    assert text.read_text().startswith("Dear {{FirstName}}, from Brightfield Energy Solutions\n")
    assert "<" not in text.read_text()
    # --text is for emails only
    result = runner.invoke(
        templates,
        ["render", "product-flyer", "--sample", "-o", str(tmp_path / "x.pdf"), "--text", str(text)],
    )
    assert result.exit_code == 2 and "--text writes the plain-text part of an email" in (
        result.output
    )
    # an error in the email's source is reported at its line in the MJML file
    (folder / "m.mjml").write_text(MERGE_EMAIL["m.mjml"].replace(".title()", ".nope.x"))
    result = runner.invoke(templates, ["render", str(folder), "--sample", "-o", str(out)])
    _exited_with_message(result, ["m.mjml:3: 'str object' has no attribute 'nope'"])


@pytest.fixture
def flask_app(tmp_path, file_storage):
    import_all_models()
    engine = app_db.init_engine(f"sqlite:///{tmp_path / 'cli.sqlite'}")
    Base.metadata.create_all(engine)
    app = Flask("cli-test")
    yield app
    app_db.session.remove()


def test_import_command(flask_app, tmp_path):
    folder = tmp_path / "flyer"
    (folder / "images").mkdir(parents=True)
    (folder / "template.toml").write_bytes(
        toml(
            'name = "CLI flyer"\nkind = "pdf"\nsource = '
            '"flyer.html"\n[fields.headline]\ntype = "text"\n[fields.note]\ntype = '
            '"text"\n'
        )
    )
    (folder / "flyer.html").write_text(PDF_SOURCE)
    (folder / "images" / "dot.png").write_bytes(png())
    runner = flask_app.test_cli_runner()

    result = runner.invoke(templates, ["import", str(folder), "--publish"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "imported cli-flyer version 1 (published)"
    result = runner.invoke(templates, ["import", str(folder)])
    assert (
        result.output.strip()
        == "unchanged: cli-flyer version 1 (published) already holds this bundle"
    )
    (folder / "flyer.html").write_text(PDF_SOURCE + "<p>v2</p>")
    result = runner.invoke(templates, ["import", str(folder), "--slug", "cli-flyer"])
    assert result.output.strip() == "imported cli-flyer version 2 (draft)"

    (folder / "flyer.html").write_text("{{ fields.nope }}")
    result = runner.invoke(templates, ["import", str(folder)])
    assert result.exit_code == 1 and result.output.startswith("flyer.html:1: fields.nope:")
    count = app_db.session.execute(select(func.count()).select_from(BrandTemplateVersion)).scalar()
    assert count == 2


def test_import_keeps_a_template_whose_sample_render_fails_as_a_draft(flask_app, tmp_path):
    folder = _catalogue(tmp_path / "catalogue", 56)
    runner = flask_app.test_cli_runner()
    result = runner.invoke(templates, ["import", str(folder), "--publish"])
    _exited_with_message(
        result,
        [
            "imported catalogue version 1 (draft)",
            "its sample render fails, so it cannot be published until these are fixed:",
            PAGE_LIMIT,
        ],
    )
    version = app_db.session.execute(select(BrandTemplateVersion)).scalar_one()
    assert not version.published and version.render_errors[0]["message"] in PAGE_LIMIT


def test_render_for_a_real_partner(app, world, tmp_path):
    """--partner SLUG renders with the partner's brand kit from the database."""
    from directory.models import Partner

    with app.app_context():
        partner = app_db.session.get(Partner, world.a_id)
        slug, name = partner.slug, partner.name
    runner = app.test_cli_runner()
    out = tmp_path / "partner.pdf"
    result = runner.invoke(
        templates, ["render", "product-flyer", "--partner", slug, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert name in PdfReader(io.BytesIO(out.read_bytes())).pages[0].extract_text()
    result = runner.invoke(
        templates, ["render", "product-flyer", "--partner", "nobody", "-o", str(out)]
    )
    assert result.exit_code == 2 and "no partner 'nobody'" in result.output
