"""The partner portal: the partner's own scorecard — its score, the metrics behind it, what
it takes to reach the next tier, its trend. Snapshots are partner-scoped rows: under the
request's partner scope another partner's figures are never found."""

from __future__ import annotations

from flask import render_template

from app.web import charts
from app.web.access import PARTNER, roles
from app.web.lookups import my_partner
from app.web.portal import bp
from directory.scorecards import board, cards, metrics, scoring


@bp.get("/scorecard")
@roles(PARTNER)
def scorecard():
    partner = my_partner()
    card = cards.default_scorecard()
    snaps = board.history(card, partner.id) if card else []
    latest = snaps[-1] if snaps else None
    chart = charts.line(
        "Your score over time",
        [(s.computed_at.date(), s.score) for s in snaps],
        label="Score",
        y_max=100,
        what="Score",
    )
    return render_template(
        "portal/scorecard.html",
        partner=partner,
        card=card,
        latest=latest,
        chart=chart,
        explained=scoring.explain(card, latest.lines) if latest else [],
        next_tier=scoring.to_next_tier(card, latest.score, latest.lines) if latest else None,
        metrics=metrics.METRICS,
    )
