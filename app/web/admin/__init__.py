"""The admin area: vendor staff manage partners, people, the program, templates and campaigns."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

# the view modules add their views to bp
from app.web.admin import (  # noqa: E402
    campaigns,
    journeys,
    leads,
    locator,
    outbox,
    partners,
    program,
    recruitment,
    scorecards,
    templates,
    users,
)

__all__ = [
    "bp",
    "campaigns",
    "journeys",
    "leads",
    "locator",
    "outbox",
    "partners",
    "program",
    "recruitment",
    "scorecards",
    "templates",
    "users",
]
