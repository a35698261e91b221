"""Fixtures for the brand-template tests: small bundles, a database and a storage folder."""

from __future__ import annotations

import io
import textwrap

import pytest
from PIL import Image
from sqlalchemy import create_engine, event
from sqlalchemy.orm import Session

from app import storage
from app.db import Base
from app.model_registry import import_all_models
from brand_templates.bundle import TemplateBundle
from brand_templates.sample import sample_context


def png(width: int = 40, height: int = 20, color: str = "#ff0000") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "PNG")
    return buffer.getvalue()


def toml(text: str) -> bytes:
    return textwrap.dedent(text).lstrip().encode()


PDF_MANIFEST = """
    name = "Test flyer"
    kind = "pdf"
    source = "flyer.html"

    [fields.headline]
    type = "text"
    label = "Headline"
    max_length = 60
    default = "Hello"
    editable = true

    [fields.note]
    type = "multiline"
    label = "Vendor note"
    default = "Locked text"
"""

PDF_SOURCE = """<html><head><style>body { font-family: "DejaVu Sans"; }</style></head>
<body>
<img src="{{ partner.logo }}" style="height: 20mm">
<h1>{{ fields.headline }}</h1>
<p>{{ fields.note }}</p>
<p>{{ partner.name }} {{ partner.contact.phone }}</p>
<img src="images/dot.png">
</body></html>
"""


def make_bundle(files: dict[str, bytes | str]) -> TemplateBundle:
    return TemplateBundle(
        {name: data.encode() if isinstance(data, str) else data for name, data in files.items()}
    )


@pytest.fixture
def pdf_bundle() -> TemplateBundle:
    return make_bundle(
        {
            "template.toml": toml(PDF_MANIFEST),
            "flyer.html": PDF_SOURCE,
            "images/dot.png": png(),
        }
    )


@pytest.fixture
def context() -> dict:
    return sample_context()


@pytest.fixture
def file_storage(tmp_path):
    storage.configure("file://" + str(tmp_path / "storage"))
    yield storage.get_storage()


def _foreign_keys_on(dbapi_conn, _record) -> None:
    dbapi_conn.execute("PRAGMA foreign_keys=ON")


@pytest.fixture
def db(file_storage):
    """A session on a fresh in-memory SQLite database with every table."""
    import_all_models()
    engine = create_engine("sqlite://")
    event.listen(engine, "connect", _foreign_keys_on)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()
