"""Admin: partner scorecards — the score table, a partner's scorecard, tier recommendations,
the 80/20 view with its action plans, scoring runs, exports and the imported metrics."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import validation as v
from app.db import session, utcnow
from app.web import charts
from app.web.access import VENDOR, VENDOR_MANAGERS, roles
from app.web.admin import bp, imports
from app.web.common import form_data, get_or_404, run_action
from campaigns import audiences
from campaigns.membership import on_partner_changed
from directory import imported_metrics, partners
from directory.models import Partner
from directory.scorecards import board, cards, metrics, recommendations, runs, scoring
from directory.scorecards.models import Scorecard, TierRecommendation


def _card() -> Scorecard:
    """The scorecard named by ?scorecard= (default: the first active one); 404 if none."""
    wanted = request.args.get("scorecard", "")
    card = None
    if wanted.isdigit():
        card = get_or_404(Scorecard, int(wanted))
    else:
        card = cards.default_scorecard()
    if card is None:
        abort(404)
    return card


@bp.get("/scorecards")
@roles(VENDOR)
def scorecards():
    card = cards.default_scorecard()
    wanted = request.args.get("scorecard", "")
    if wanted.isdigit():
        card = get_or_404(Scorecard, int(wanted))
    f = board.BoardFilters.from_args(request.args)
    rows = board.board(card, f) if card else []
    return render_template(
        "admin/scorecards.html",
        card=card,
        cards=cards.all_scorecards(),
        f=f,
        rows=rows,
        tiers=partners.tiers(),
        runs=runs.latest_runs(card.id, 5) if card else [],
        open_count=len(recommendations.open_recommendations(card.id)) if card else 0,
    )


@bp.post("/scorecards/run")
@roles(VENDOR_MANAGERS)
def scorecard_run():
    card = _card()
    run_action(
        lambda: runs.request_run(card, current_user.email),
        "Scoring has started; the table shows the new scores when it is done.",
    )
    return redirect(url_for("admin.scorecards", scorecard=card.id))


@bp.get("/scorecards/export.csv")
@roles(VENDOR)
def scorecard_export():
    card = _card()
    return imports.csv_file(board.export_csv(card), f"scores-{card.id}.csv")


@bp.post("/scorecards/starter")
@roles(VENDOR_MANAGERS)
def scorecard_starter():
    """The starter scorecard (sales 50, engagement 20, enablement 20, marketing 10), made once
    and scored at once."""

    def make() -> None:
        card = cards.ensure_starter(current_user)
        session.flush()
        if card.last_run_id is None:
            runs.request_run(card, current_user.email)

    run_action(make, "The starter scorecard is ready; the partners are being scored.")
    return redirect(url_for("admin.scorecards"))


@bp.get("/scorecards/partners/<int:partner_id>")
@roles(VENDOR)
def scorecard_partner(partner_id: int):
    partner = get_or_404(Partner, partner_id)
    if not request.args.get("scorecard") and cards.default_scorecard() is None:
        return render_template("admin/scorecard_partner.html", partner=partner, card=None)
    card = _card()
    snaps = board.history(card, partner.id)
    latest = snaps[-1] if snaps else None
    points = [(s.computed_at.date(), s.score) for s in snaps]
    chart = charts.line(f"Score of {partner.name}", points, label="Score", y_max=100, what="Score")
    explained = scoring.explain(card, latest.lines) if latest else []
    return render_template(
        "admin/scorecard_partner.html",
        partner=partner,
        card=card,
        latest=latest,
        chart=chart,
        explained=explained,
        metrics=metrics.METRICS,
        next_tier=scoring.to_next_tier(card, latest.score, latest.lines) if latest else None,
        recs=[
            r for r in recommendations.open_recommendations(card.id) if r.partner_id == partner.id
        ],
        imported=imported_metrics.for_partner(partner.id, 40),
        labels=imported_metrics.METRICS,
    )


@bp.get("/scorecards/recommendations")
@roles(VENDOR)
def scorecard_recommendations():
    card = _card()
    return render_template(
        "admin/scorecard_recommendations.html",
        card=card,
        recs=recommendations.open_recommendations(card.id),
    )


@bp.post("/scorecards/recommendations/<int:recommendation_id>/accept")
@roles(VENDOR_MANAGERS)
def recommendation_accept(recommendation_id: int):
    rec = get_or_404(TierRecommendation, recommendation_id)

    def accept() -> None:
        partner = recommendations.accept(rec, current_user, request.form.get("note", ""))
        on_partner_changed(partner.id)  # campaigns follow the tier change, as after an edit

    run_action(accept, lambda: f"{rec.partner.name} is now {rec.to_tier.name}.")
    if request.form.get("back") == "partner":
        return redirect(url_for("admin.scorecard_partner", partner_id=rec.partner_id))
    return redirect(url_for("admin.scorecard_recommendations", scorecard=rec.scorecard_id))


@bp.post("/scorecards/recommendations/<int:recommendation_id>/dismiss")
@roles(VENDOR_MANAGERS)
def recommendation_dismiss(recommendation_id: int):
    rec = get_or_404(TierRecommendation, recommendation_id)
    run_action(
        lambda: recommendations.dismiss(rec, current_user, request.form.get("note", "")),
        f"The recommendation for {rec.partner.name} is dismissed.",
    )
    return redirect(url_for("admin.scorecard_recommendations", scorecard=rec.scorecard_id))


def _metric_arg(name: str, default: str) -> str:
    value = request.args.get(name, default)
    return (
        value
        if value in metrics.METRICS and metrics.METRICS[value].source != "derived"
        else default
    )


@bp.get("/scorecards/pareto")
@roles(VENDOR)
def scorecard_pareto():
    card = _card()
    metric = _metric_arg("metric", "revenue")
    potential = _metric_arg("potential", "market_reach")
    now = utcnow()
    data = board.pareto(card, metric, now)
    label = metrics.METRICS[metric].label
    chart = charts.breakdown(
        f"Share of {label.lower()} carried by the top partners",
        data["deciles"],
        [charts.Series("share", "Share (%)", "#1e3a8a")],
        heading="Partners",
        what="Share of the total (%)",
    )
    groups = board.quadrants(card, potential, now)
    return render_template(
        "admin/scorecard_pareto.html",
        card=card,
        data=data,
        chart=chart,
        metric=metric,
        potential=potential,
        metric_label=label,
        choices=[(k, m.label) for k, m in metrics.METRICS.items() if m.source != "derived"],
        groups=groups,
        quadrant_labels=board.QUADRANTS,
        destinations={kind: (d.label, d.choices()) for kind, d in audiences.DESTINATIONS.items()},
    )


@bp.post("/scorecards/action-plan")
@roles(VENDOR_MANAGERS)
def scorecard_action_plan():
    card = _card()
    quadrant = request.form.get("quadrant", "")
    potential = request.form.get("potential", "market_reach")
    if potential not in metrics.METRICS:
        potential = "market_reach"
    kind, _, target = request.form.get("target", "").partition(":")
    back = url_for("admin.scorecard_pareto", scorecard=card.id)
    if quadrant not in board.QUADRANTS or not target.isdigit():
        flash("Choose a group of partners and where to send them.", "error")
        return redirect(back), 303
    ids = [row["partner_id"] for row in board.quadrants(card, potential, utcnow())[quadrant]]
    added = {}

    def send() -> None:
        added["n"] = audiences.hand_over(kind, int(target), ids, current_user)

    run_action(
        send,
        lambda: f"{len(ids)} partners sent ({added['n']} new to it).",
    )
    return redirect(back)


# --- scorecard definitions -----------------------------------------------------------------


@bp.route("/scorecards/<int:scorecard_id>/edit", methods=["GET", "POST"])
@roles(VENDOR_MANAGERS)
def scorecard_edit(scorecard_id: int):
    card = get_or_404(Scorecard, scorecard_id)
    errors: dict = {}
    data = {
        "name": card.name,
        "description": card.description,
        "period_days": card.period_days,
        "keep_daily_days": card.keep_daily_days,
        "keep_monthly_months": card.keep_monthly_months,
        "active": card.active,
    }
    lines = [dict(line) for line in card.lines]
    thresholds = {t.name: card.thresholds.get(str(t.id), "") for t in partners.tiers()}
    if request.method == "POST":
        try:
            data = form_data()
            lines = _lines_from_form(data)
            thresholds = {t.name: data.get(f"threshold_{t.id}", "") for t in partners.tiers()}
            cards.update_scorecard(
                card,
                {
                    "name": data.get("name", ""),
                    "description": data.get("description", ""),
                    "period_days": data.get("period_days", ""),
                    "keep_daily_days": data.get("keep_daily_days", ""),
                    "keep_monthly_months": data.get("keep_monthly_months", ""),
                    "active": data.get("active", "no"),
                    "lines": lines,
                    "thresholds": {k: val for k, val in thresholds.items() if str(val).strip()},
                },
                current_user,
            )
            session.commit()
            flash("Scorecard saved. Run it to see the new scores.", "success")
            return redirect(url_for("admin.scorecards", scorecard=card.id))
        except v.ValidationFailed as exc:
            session.rollback()
            errors = exc.errors
    return render_template(
        "admin/scorecard_form.html",
        card=card,
        data=data,
        lines=lines + [{}] * 2,
        thresholds=thresholds,
        tiers=partners.tiers(),
        errors=errors,
        choices=[(k, m.label) for k, m in metrics.METRICS.items()],
    ), (400 if errors else 200)


def _lines_from_form(data: dict) -> list[dict]:
    lines = []
    for n in range(cards.MAX_LINES + 2):
        metric = data.get(f"metric_{n}", "").strip()
        if not metric:
            continue
        lines.append(
            {
                "metric": metric,
                "group": data.get(f"group_{n}", ""),
                "weight": data.get(f"weight_{n}", ""),
                "method": data.get(f"method_{n}", "target"),
                "target": data.get(f"target_{n}", ""),
            }
        )
    return lines


# --- imported metrics ----------------------------------------------------------------------


@bp.route("/scorecards/metrics/import", methods=["GET", "POST"])
@roles(VENDOR_MANAGERS)
def metrics_import():
    """Upload → dry run (every row's values or errors) → import all, or only the good rows;
    the rows with errors come back as a CSV to fix. One transaction per import."""
    return imports.import_screen(
        METRIC_IMPORT,
        "admin/metrics_import.html",
        _metrics_imported,
        lambda: {
            "columns": imported_metrics.COLUMNS,
            "metric_names": imported_metrics.METRICS,
            "count": imported_metrics.count(),
        },
    )


METRIC_IMPORT = imports.CsvImport(imported_metrics, "metrics-to-fix.csv")


def _metrics_imported(result):
    imports.flash_imported(result, "{create} new figures, {update} replaced.")
    return redirect(url_for("admin.metrics_import"))


@bp.get("/scorecards/metrics/sample.csv")
@roles(VENDOR_MANAGERS)
def metrics_import_sample():
    return imports.csv_file(imported_metrics.sample_csv(), "metrics-sample.csv")
