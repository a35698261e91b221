"""The white-label theme: program settings read once per request for every page."""

from __future__ import annotations

from flask import g

from app.db import session
from app.models import ProgramSettings
from renderers.contrast import INK, TEXT_CONTRAST, WHITE, contrast_ratio, text_color_on


def program_settings() -> ProgramSettings:
    """The saved settings, saved now with the defaults if there are none yet."""
    program = ProgramSettings.saved()
    if program is None:
        program = ProgramSettings.with_defaults()
        session.add(program)
        session.flush()
    return program


def theme_colors(primary: str) -> dict[str, str]:
    """Colours that stay readable whatever primary colour the vendor picks: the text on the
    top bar and buttons, and links (the primary colour unless it is too light on white)."""
    return {
        "on_brand": text_color_on(primary),
        "link": primary if contrast_ratio(primary, WHITE) >= TEXT_CONTRAST else INK,
    }


def theme_context() -> dict:
    if "program" not in g:
        g.program = ProgramSettings.saved() or ProgramSettings.with_defaults()
        g.theme = theme_colors(g.program.primary_color)
    return {"program": g.program, "theme": g.theme}
