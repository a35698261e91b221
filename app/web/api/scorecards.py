"""API: scorecards (definitions and runs), scores (snapshots with their explanation) and
imported metrics."""

from __future__ import annotations

from flask import abort, g, request
from sqlalchemy import select

from app import validation as v
from app.db import session
from app.web.access import ALL_ROLES, VENDOR, VENDOR_MANAGERS, acting_user, roles
from app.web.api import bp
from app.web.api.common import changed, created
from app.web.api.schemas.scorecards import (
    IMPORTED_METRICS,
    IMPORTED_METRICS_PUT,
    IMPORTED_QUERY,
    RUN,
    SCORE_QUERY,
    SCORECARD,
    SCORECARD_CREATE,
    SCORECARD_UPDATE,
    SCORECARDS,
    SCORES,
)
from app.web.api.spec import operation
from app.web.common import get_or_404
from directory import imported_metrics
from directory.activity_models import ImportedMetric
from directory.models import Partner, Tier
from directory.scorecards import board, cards, runs, scoring
from directory.scorecards.models import Scorecard, ScoreSnapshot


def scorecard_json(card: Scorecard) -> dict:
    tiers = {str(t.id): t.name for t in session.execute(select(Tier)).scalars()}
    return {
        "id": card.id,
        "name": card.name,
        "description": card.description,
        "period_days": card.period_days,
        "keep_daily_days": card.keep_daily_days,
        "keep_monthly_months": card.keep_monthly_months,
        "lines": card.lines,
        "thresholds": {tiers[k]: val for k, val in (card.thresholds or {}).items() if k in tiers},
        "active": card.active,
        "last_run_id": card.last_run_id,
    }


def score_json(card: Scorecard, snap: ScoreSnapshot, names: dict) -> dict:
    return {
        "partner_id": snap.partner_id,
        "partner": names.get("partner", ""),
        "scorecard_id": snap.scorecard_id,
        "computed_at": snap.computed_at.isoformat(),
        "score": snap.score,
        "previous_score": snap.previous_score,
        "tier": names.get("tier"),
        "recommended_tier": names.get("recommended"),
        "lines": [
            {
                "metric": line.metric,
                "label": line.label,
                "group": line.group,
                "value": line.value,
                "normalized": line.normalized,
                "weight_percent": line.weighted,
                "contribution": line.contribution,
            }
            for line in scoring.explain(card, snap.lines)
        ],
    }


@bp.get("/scorecards")
@roles(VENDOR)
@operation("The scorecards", response=SCORECARDS, tag="scorecards")
def scorecards_index():
    return {"items": [scorecard_json(c) for c in cards.all_scorecards()]}


@bp.post("/scorecards")
@roles(VENDOR_MANAGERS)
@operation(
    "Create a scorecard", body=SCORECARD_CREATE, response=SCORECARD, status=201, tag="scorecards"
)
def scorecards_create():
    return created(cards.create_scorecard, scorecard_json)


@bp.get("/scorecards/<int:scorecard_id>")
@roles(VENDOR)
@operation("One scorecard", response=SCORECARD, tag="scorecards")
def scorecard_show(scorecard_id: int):
    return scorecard_json(get_or_404(Scorecard, scorecard_id))


@bp.patch("/scorecards/<int:scorecard_id>")
@roles(VENDOR_MANAGERS)
@operation("Change a scorecard", body=SCORECARD_UPDATE, response=SCORECARD, tag="scorecards")
def scorecard_update(scorecard_id: int):
    return changed(get_or_404(Scorecard, scorecard_id), cards.update_scorecard, scorecard_json)


@bp.post("/scorecards/<int:scorecard_id>/runs")
@roles(VENDOR_MANAGERS)
@operation("Score every partner now (a worker runs it)", response=RUN, status=202, tag="scorecards")
def scorecard_run_create(scorecard_id: int):
    card = get_or_404(Scorecard, scorecard_id)
    run = runs.request_run(card, acting_user().email)
    session.commit()
    return {
        "id": run.id,
        "scorecard_id": card.id,
        "state": run.state,
        "partners": run.partners,
        "finished_at": None,
    }, 202


@bp.get("/scorecards/<int:scorecard_id>/scores")
@roles(VENDOR)
@operation("Every partner's latest score by a scorecard", response=SCORES, tag="scorecards")
def scorecard_scores(scorecard_id: int):
    card = get_or_404(Scorecard, scorecard_id)
    items = []
    for snap, partner, tier, recommended, _r1, _r2 in session.execute(
        board.board_query(card, board.BoardFilters(sort="name"))
    ):
        names = {"partner": partner.name, "tier": tier, "recommended": recommended}
        items.append(score_json(card, snap, names))
    return {"items": items}


def _card_from_query() -> Scorecard:
    wanted = request.args.get("scorecard", "")
    if wanted:
        if not wanted.isdigit():
            abort(400, "scorecard must be a scorecard id.")
        return get_or_404(Scorecard, int(wanted))
    card = cards.default_scorecard()
    if card is None:
        abort(404, "There is no active scorecard.")
    return card


@bp.get("/partners/<int:partner_id>/scores")
@roles(ALL_ROLES)
@operation(
    "A partner's scores, oldest first, each explained (a partner user: only its own)",
    response=SCORES,
    query=SCORE_QUERY,
    tag="scorecards",
)
def partner_scores(partner_id: int):
    partner = get_or_404(Partner, partner_id)
    card = _card_from_query()
    names = {"partner": partner.name, "tier": partner.tier.name if partner.tier else None}
    return {"items": [score_json(card, s, names) for s in board.history(card, partner.id)]}


def metric_json(row: ImportedMetric) -> dict:
    return {
        "id": row.id,
        "partner_id": row.partner_id,
        "metric": row.metric,
        "period_start": row.period_start.isoformat(),
        "period_end": row.period_end.isoformat(),
        "value": row.value,
    }


@bp.get("/imported-metrics")
@roles(VENDOR)
@operation(
    "Imported figures (latest periods first)",
    response=IMPORTED_METRICS,
    query=IMPORTED_QUERY,
    tag="scorecards",
)
def imported_metrics_index():
    query = select(ImportedMetric).order_by(
        ImportedMetric.period_start.desc(), ImportedMetric.partner_id, ImportedMetric.metric
    )
    partner = request.args.get("partner_id", "")
    if partner:
        if not (partner.isdigit() and len(partner) <= 18 and v.is_row_id(int(partner))):
            abort(400, "partner_id must be a partner id.")
        query = query.where(ImportedMetric.partner_id == int(partner))
    metric = request.args.get("metric", "")
    if metric:
        if metric not in imported_metrics.METRICS:
            abort(400, f"metric is one of: {', '.join(imported_metrics.METRICS)}.")
        query = query.where(ImportedMetric.metric == metric)
    rows = session.execute(query.limit(1000)).scalars()
    return {"items": [metric_json(r) for r in rows]}


@bp.put("/imported-metrics")
@roles(VENDOR_MANAGERS)
@operation(
    "Create or replace figures per partner, metric and period start (all or nothing)",
    body=IMPORTED_METRICS_PUT,
    response=IMPORTED_METRICS,
    tag="scorecards",
)
def imported_metrics_put():
    items = g.api_body["items"]
    ids = {str(item["partner_id"]) for item in items}
    known = imported_metrics.partners_by_key(ids)
    errors, cleaned = {}, []
    for n, item in enumerate(items):
        cells = {**item, "partner": str(item["partner_id"])}
        try:
            cleaned.append(imported_metrics.clean(cells, known))
        except v.ValidationFailed as exc:
            for key, message in exc.errors.items():
                errors[f"items.{n}.{key}"] = message
    if errors:
        raise v.ValidationFailed(errors)
    counts = {"create": 0, "update": 0}
    saved = []
    for values in cleaned:
        action, row = imported_metrics.upsert(values, source="api")
        counts[action] += 1
        saved.append(row)
    session.flush()
    session.commit()
    return {
        "items": [metric_json(r) for r in saved],
        "created": counts["create"],
        "updated": counts["update"],
    }
