"""The white-label theme: program settings read once per request for every page."""

from __future__ import annotations

from flask import g

from app.db import session
from app.models import ProgramSettings


def program_settings() -> ProgramSettings:
    """The saved settings, saved now with the defaults if there are none yet."""
    program = ProgramSettings.saved()
    if program is None:
        program = ProgramSettings.with_defaults()
        session.add(program)
        session.flush()
    return program


def theme_context() -> dict:
    if "program" not in g:
        g.program = ProgramSettings.saved() or ProgramSettings.with_defaults()
    return {"program": g.program}
