"""The white-label theme: program settings read once per request for every page."""

from __future__ import annotations

from flask import g
from sqlalchemy import select

from app.db import session
from app.models import ProgramSettings


def program_settings() -> ProgramSettings:
    program = session.execute(select(ProgramSettings).order_by(ProgramSettings.id)).scalars().first()
    if program is None:
        program = ProgramSettings.with_defaults()
        session.add(program)
        session.flush()
    return program


def theme_context() -> dict:
    if "program" not in g:
        g.program = session.execute(
            select(ProgramSettings).order_by(ProgramSettings.id)
        ).scalars().first() or ProgramSettings.with_defaults()
    return {"program": g.program}
