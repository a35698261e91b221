"""The partner portal: a partner's own profile, locations, brand kit, team and campaigns.

Every query here runs under the partner scope set for the request (app.tenancy), so a row of
another partner is never found.
"""

from flask import Blueprint

bp = Blueprint("portal", __name__)

# the view modules add their views to bp
from app.web.portal import campaigns, leads, profile, public_profile, scorecard  # noqa: E402

__all__ = ["bp", "campaigns", "leads", "profile", "public_profile", "scorecard"]
