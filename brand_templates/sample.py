"""A realistic sample partner and vendor, for ``--sample`` renders, previews and tests."""

from __future__ import annotations

import copy
from importlib import resources
from typing import Any

from app.storage import StorageError

SAMPLE_PREFIX = "samples/"
PARTNER_LOGO_KEY = "samples/brightfield-logo.png"
VENDOR_LOGO_KEY = "samples/lumora-logo.png"

SAMPLE_PARTNER: dict[str, Any] = {
    "name": "Brightfield Energy Solutions",
    "slug": "brightfield-energy",
    "logo": f"storage:{PARTNER_LOGO_KEY}",
    "colors": {"primary": "#0f766e", "secondary": "#f59e0b"},
    "tagline": "Clean power, installed right.",
    "website": "https://brightfield-energy.example",
    "phone": "+1 (503) 555-0142",
    "email": "hello@brightfield-energy.example",
    "description": (
        "Brightfield is a Lumora Platinum installer serving the Portland metro area since "
        "2009, with more than 2,400 solar and storage systems commissioned."
    ),
    "contact": {
        "phone": "+1 (503) 555-0142",
        "email": "hello@brightfield-energy.example",
        "website": "https://brightfield-energy.example",
        "address": "1200 NW Marshall St, Suite 300\nPortland, OR 97209",
    },
}

SAMPLE_VENDOR: dict[str, Any] = {
    "name": "Lumora Energy",
    "logo": f"storage:{VENDOR_LOGO_KEY}",
    "colors": {"primary": "#1e3a8a", "secondary": "#38bdf8"},
}


def sample_storage_get(key: str) -> bytes:
    """Serve the sample logos as if they were stored files (``storage:samples/...``)."""
    if not key.startswith(SAMPLE_PREFIX) or "/" in key[len(SAMPLE_PREFIX) :]:
        raise StorageError(f"no sample file {key!r}")
    resource = resources.files("brand_templates") / "sample_assets" / key[len(SAMPLE_PREFIX) :]
    if not resource.is_file():
        raise StorageError(f"no sample file {key!r}")
    return resource.read_bytes()


def sample_context() -> dict[str, Any]:
    """A fresh copy of the sample context (partner and vendor; fields are resolved per template)."""
    return {"partner": copy.deepcopy(SAMPLE_PARTNER), "vendor": copy.deepcopy(SAMPLE_VENDOR)}
