"""What the vendor reads from the snapshots: the score table, a partner's history, the 80/20
view (Pareto and quadrants) and the CSV export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from app.db import session
from directory.models import Partner, Tier
from directory.scorecards import metrics, scoring
from directory.scorecards.models import Scorecard, ScoreSnapshot

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUADRANTS = {
    "stars": "Stars: high score, high potential",
    "potential": "Potential: low score, high potential",
    "steady": "Steady: high score, lower potential",
    "at_risk": "At risk: low score, low potential",
}
MIDDLE = 50.0


@dataclass
class BoardFilters:
    q: str = ""
    tier: str = ""
    recommended: str = ""  # "", "promote", "demote", "any"
    sort: str = "-score"
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args) -> BoardFilters:
        def arg(name: str) -> str:
            return (args.get(name) or "").replace("\x00", "").strip()

        f = cls(q=arg("q")[:100], tier=arg("tier")[:60], recommended=arg("recommended"))
        f.sort = arg("sort") or "-score"
        if f.sort.lstrip("-") not in SORTS:
            f.sort = "-score"
        if f.recommended not in ("", "promote", "demote", "any"):
            f.errors.append("Unknown recommendation filter.")
            f.recommended = ""
        return f


CurrentTier = Tier.__table__.alias("current_tier")
NextTier = Tier.__table__.alias("next_tier")
TREND = ScoreSnapshot.score - func.coalesce(ScoreSnapshot.previous_score, ScoreSnapshot.score)
SORTS = {
    "score": ScoreSnapshot.score,
    "name": Partner.name,
    "trend": TREND,
    "tier": CurrentTier.c.rank,
    "recommended": NextTier.c.rank,
}


def board_query(card: Scorecard, f: BoardFilters):
    """(snapshot, partner, current tier name, recommended tier name, rank of each) of the
    scorecard's latest run."""
    query = (
        select(
            ScoreSnapshot,
            Partner,
            CurrentTier.c.name,
            NextTier.c.name,
            CurrentTier.c.rank,
            NextTier.c.rank,
        )
        .join(Partner, Partner.id == ScoreSnapshot.partner_id)
        .outerjoin(CurrentTier, CurrentTier.c.id == Partner.tier_id)
        .outerjoin(NextTier, NextTier.c.id == ScoreSnapshot.recommended_tier_id)
        .where(ScoreSnapshot.run_id == (card.last_run_id or 0))
    )
    if f.q:
        like = f"%{f.q.lower()}%"
        query = query.where(
            or_(func.lower(Partner.name).like(like), func.lower(Partner.slug).like(like))
        )
    if f.tier:
        query = query.where(func.lower(CurrentTier.c.name) == f.tier.lower())
    if f.recommended == "promote":
        query = query.where(
            func.coalesce(NextTier.c.rank, -1) > func.coalesce(CurrentTier.c.rank, -1)
        )
    elif f.recommended == "demote":
        query = query.where(NextTier.c.rank < CurrentTier.c.rank)
    elif f.recommended == "any":
        query = query.where(
            func.coalesce(NextTier.c.id, -1) != func.coalesce(Partner.tier_id, -1),
            NextTier.c.id.is_not(None),
        )
    column = SORTS[f.sort.lstrip("-")]
    order = column.desc() if f.sort.startswith("-") else column.asc()
    return query.order_by(order.nulls_last(), Partner.name, Partner.id)


def board(card: Scorecard, f: BoardFilters, limit: int = 500) -> list[dict]:
    rows = []
    for snap, partner, tier, recommended, tier_rank, rec_rank in session.execute(
        board_query(card, f).limit(limit)
    ):
        rows.append(
            {
                "snapshot": snap,
                "partner": partner,
                "score": snap.score,
                "trend": None
                if snap.previous_score is None
                else round(snap.score - snap.previous_score, 1),
                "tier": tier,
                "recommended": recommended,
                "move": _move(tier_rank, rec_rank, recommended),
            }
        )
    return rows


def _move(tier_rank, rec_rank, recommended) -> str:
    if recommended is None:
        return ""
    if tier_rank is None or rec_rank > tier_rank:
        return "promote"
    return "demote" if rec_rank < tier_rank else ""


def latest_snapshot(card: Scorecard, partner_id: int) -> ScoreSnapshot | None:
    return session.execute(
        select(ScoreSnapshot)
        .where(ScoreSnapshot.scorecard_id == card.id, ScoreSnapshot.partner_id == partner_id)
        .order_by(ScoreSnapshot.computed_at.desc(), ScoreSnapshot.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def history(card: Scorecard, partner_id: int, limit: int = 400) -> list[ScoreSnapshot]:
    """The partner's snapshots by CARD, oldest first."""
    rows = session.execute(
        select(ScoreSnapshot)
        .where(ScoreSnapshot.scorecard_id == card.id, ScoreSnapshot.partner_id == partner_id)
        .order_by(ScoreSnapshot.computed_at.desc(), ScoreSnapshot.id.desc())
        .limit(limit)
    ).scalars()
    return list(reversed(list(rows)))


# --- the 80/20 view --------------------------------------------------------------------------


def pareto(card: Scorecard, metric: str, now) -> dict:
    """The partners by METRIC over CARD's window, largest first, with their cumulative share,
    and the share the top 20 % carry."""
    start, end = scoring.window(card, now)
    ids = [pid for pid, _ in scoring.scored_partners()]
    values = metrics.values([metric], start, end, ids) if ids else {}
    names = (
        dict(session.execute(select(Partner.id, Partner.name).where(Partner.id.in_(ids))).all())
        if ids
        else {}
    )
    ranked = sorted(
        ((pid, row.get(metric) or 0.0) for pid, row in values.items()),
        key=lambda pair: (-pair[1], names.get(pair[0], "")),
    )
    total = sum(value for _pid, value in ranked)
    running, rows = 0.0, []
    for pid, value in ranked:
        running += value
        rows.append(
            {
                "partner_id": pid,
                "name": names.get(pid, ""),
                "value": value,
                "cumulative": round(100 * running / total, 1) if total else 0.0,
            }
        )
    top = max(1, round(len(ranked) * 0.2)) if ranked else 0
    top_share = round(100 * sum(v for _p, v in ranked[:top]) / total, 1) if total else 0.0
    deciles = []
    n = len(ranked)
    for d in range(1, 11):
        upto = round(n * d / 10)
        share = 100 * sum(v for _p, v in ranked[:upto]) / total if total else 0.0
        deciles.append({"name": f"Top {d * 10} %", "share": round(share, 1)})
    return {
        "metric": metric,
        "rows": rows,
        "total": total,
        "top_count": top,
        "top_share": top_share,
        "deciles": deciles,
    }


def quadrants(card: Scorecard, potential_metric: str, now) -> dict[str, list[dict]]:
    """The partners of the latest run by score (at least MIDDLE: high) against potential (the
    percentile of POTENTIAL_METRIC among them, at least MIDDLE: high)."""
    snaps = list(
        session.execute(
            select(ScoreSnapshot.partner_id, ScoreSnapshot.score, Partner.name)
            .join(Partner, Partner.id == ScoreSnapshot.partner_id)
            .where(ScoreSnapshot.run_id == (card.last_run_id or 0))
            .order_by(Partner.name, Partner.id)
        ).all()
    )
    out: dict[str, list[dict]] = {key: [] for key in QUADRANTS}
    if not snaps:
        return out
    start, end = scoring.window(card, now)
    ids = [pid for pid, _s, _n in snaps]
    raw = metrics.values([potential_metric], start, end, ids)
    info = metrics.METRICS[potential_metric]
    potential = scoring.normalize_percentiles(
        [raw[pid].get(potential_metric) for pid in ids], info.lower_is_better
    )
    for (pid, score, name), pot in zip(snaps, potential, strict=True):
        high_score, high_potential = score >= MIDDLE, pot >= MIDDLE
        key = (
            ("stars" if high_potential else "steady")
            if high_score
            else ("potential" if high_potential else "at_risk")
        )
        out[key].append(
            {"partner_id": pid, "name": name, "score": score, "potential": round(pot, 1)}
        )
    return out


# --- export ----------------------------------------------------------------------------------


def _cell(value) -> str:
    value = "" if value is None else str(value)
    return "'" + value if value.startswith(FORMULA_START) else value


def export_csv(card: Scorecard) -> str:
    """One row per partner of the latest run: score, trend, tiers, and every metric's value,
    normalized value and points."""
    keys = [line["metric"] for line in card.lines if line.get("metric") in metrics.METRICS]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = ["partner", "slug", "score", "previous_score", "tier", "recommended_tier"]
    for key in keys:
        header += [key, f"{key}_normalized", f"{key}_points"]
    writer.writerow(header)
    for snap, partner, tier, recommended, _r1, _r2 in session.execute(
        board_query(card, BoardFilters(sort="name"))
    ):
        row = [partner.name, partner.slug, snap.score, snap.previous_score, tier, recommended]
        for key in keys:
            row += list(snap.lines.get(key) or [None, None, None])
        writer.writerow([_cell(x) for x in row])
    return out.getvalue()


# --- for journeys --------------------------------------------------------------------------


def crossings(card: Scorecard, run_id: int) -> list[dict]:
    """The partners whose score crossed one of CARD's tier thresholds in run RUN_ID, compared
    with the run before: {"partner_id", "tier_id", "threshold", "direction": "up" | "down"}.
    The journeys' entry trigger "score crossed a threshold" reads this after a run."""
    steps = scoring.ladder(card)
    out = []
    rows = session.execute(
        select(ScoreSnapshot.partner_id, ScoreSnapshot.score, ScoreSnapshot.previous_score).where(
            ScoreSnapshot.run_id == run_id, ScoreSnapshot.previous_score.is_not(None)
        )
    )
    for pid, score, before in rows:
        for tier, low in steps:
            if before < low <= score:
                out.append(
                    {"partner_id": pid, "tier_id": tier.id, "threshold": low, "direction": "up"}
                )
            elif score < low <= before:
                out.append(
                    {"partner_id": pid, "tier_id": tier.id, "threshold": low, "direction": "down"}
                )
    return sorted(out, key=lambda c: (c["partner_id"], -c["threshold"]))
