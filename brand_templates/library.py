"""The starter templates shipped with Tandem, under ``brand_templates/library/<slug>/``."""

from __future__ import annotations

from pathlib import Path

from .bundle import TemplateBundle, load_bundle

LIBRARY_DIR = Path(__file__).with_name("library")


def starter_slugs() -> list[str]:
    return sorted(path.name for path in LIBRARY_DIR.iterdir() if (path / "template.toml").is_file())


def load_starter(slug: str) -> TemplateBundle:
    """The starter SLUG; KeyError if there is none."""
    if slug not in starter_slugs():
        raise KeyError(f"no starter template {slug!r}; starters: {', '.join(starter_slugs())}")
    return load_bundle(LIBRARY_DIR / slug)


def list_starters() -> list[TemplateBundle]:
    """Every starter template, in slug order (``bundle.origin`` is its folder)."""
    return [load_bundle(LIBRARY_DIR / slug) for slug in starter_slugs()]
