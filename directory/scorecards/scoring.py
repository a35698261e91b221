"""Scores: normalize each metric (against a target, or as a percentile among peers), weigh,
add up; place the score on the tier ladder; explain it line by line."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from app.db import session
from directory.models import Partner, PartnerStatus, Tier
from directory.scorecards import metrics
from directory.scorecards.models import Scorecard

# partners with a program to be scored on: prospects and applicants are recruitment's
SCORED_STATUSES = (
    PartnerStatus.ONBOARDING.value,
    PartnerStatus.ACTIVE.value,
    PartnerStatus.INACTIVE.value,
)


@dataclass
class Line:
    metric: str
    value: float | None
    normalized: float
    contribution: float


@dataclass
class PartnerScore:
    partner_id: int
    tier_id: int | None
    score: float
    lines: list[Line] = field(default_factory=list)
    recommended_tier_id: int | None = None


def normalize_target(value: float | None, target: float, lower_is_better: bool = False) -> float:
    """0–100: how close VALUE comes to TARGET (at or beyond it: 100; nothing: 0)."""
    if value is None or target <= 0:
        return 0.0
    if lower_is_better:
        return 100.0 if value <= target else 100.0 * target / value
    return max(0.0, min(100.0, 100.0 * value / target))


def normalize_percentiles(values: list[float | None], lower_is_better: bool = False) -> list[float]:
    """0–100 per value: the share of the other peers it beats (ties share the lower rank, like
    SQL's percent_rank); a missing value scores 0 and counts as the lowest."""
    n = len(values)
    if n <= 1:
        return [100.0 if v not in (None, 0) else 0.0 for v in values]
    keyed = [(-v if lower_is_better else v) if v is not None else float("-inf") for v in values]
    ordered = sorted(keyed)
    out = []
    for original, key in zip(values, keyed, strict=True):
        if original is None:
            out.append(0.0)
            continue
        below = bisect_left(ordered, key)
        if bisect_right(ordered, key) == n and below == 0:
            out.append(0.0)  # everyone is equal: nobody is ahead
        else:
            out.append(100.0 * below / (n - 1))
    return out


def total_weight(card: Scorecard) -> float:
    return sum(float(line.get("weight") or 0) for line in card.lines) or 1.0


def window(card: Scorecard, now: datetime) -> tuple[datetime, datetime]:
    return now - timedelta(days=card.period_days or 365), now


def ladder(card: Scorecard) -> list[tuple[Tier, float]]:
    """(tier, lowest score) of the scorecard's thresholds, the best tier first."""
    tiers = {t.id: t for t in session.execute(select(Tier)).scalars()}
    pairs = [
        (tiers[int(tid)], float(score))
        for tid, score in (card.thresholds or {}).items()
        if str(tid).isdigit() and int(tid) in tiers
    ]
    return sorted(pairs, key=lambda pair: -pair[0].rank)


def tier_for(score: float, steps: list[tuple[Tier, float]]) -> Tier | None:
    """The best tier whose threshold SCORE reaches (None: below every threshold)."""
    return next((tier for tier, lowest in steps if score >= lowest), None)


def scored_partners(partner_ids: list[int] | None = None) -> list[tuple[int, int | None]]:
    query = select(Partner.id, Partner.tier_id).where(Partner.status.in_(SCORED_STATUSES))
    if partner_ids is not None:
        query = query.where(Partner.id.in_(partner_ids))
    return list(session.execute(query.order_by(Partner.id)).all())


def compute(card: Scorecard, now: datetime) -> list[PartnerScore]:
    """Every scored partner's score by CARD over its window ending at NOW.

    The metric values come from a few grouped queries over all partners; normalizing and
    weighing run over those columns. Percentiles are among the scored partners (the peers).
    """
    partners = scored_partners()
    ids = [pid for pid, _ in partners]
    start, end = window(card, now)
    keys = [line["metric"] for line in card.lines if line.get("metric") in metrics.METRICS]
    table = metrics.values(keys, start, end, ids) if ids else {}
    weight_sum = total_weight(card)
    steps = ladder(card)
    normalized: dict[str, list[float]] = {}
    for line in card.lines:
        key = line.get("metric")
        if key not in metrics.METRICS:
            continue
        info = metrics.METRICS[key]
        column = [table[pid].get(key) for pid in ids]
        if line.get("method") == "percentile":
            normalized[key] = normalize_percentiles(column, info.lower_is_better)
        else:
            target = float(line.get("target") or 0)
            normalized[key] = [normalize_target(v, target, info.lower_is_better) for v in column]
    scores = []
    for index, (pid, tier_id) in enumerate(partners):
        lines = []
        for line in card.lines:
            key = line.get("metric")
            if key not in normalized:
                continue
            norm = normalized[key][index]
            share = float(line.get("weight") or 0) / weight_sum
            lines.append(Line(key, table[pid].get(key), round(norm, 2), round(norm * share, 2)))
        score = round(sum(line.contribution for line in lines), 1)
        best = tier_for(score, steps)
        scores.append(PartnerScore(pid, tier_id, score, lines, best.id if best else None))
    return scores


@dataclass
class ExplainedLine:
    metric: str
    label: str
    group: str
    method: str
    target: float | None
    value: float | None
    normalized: float
    weight: float
    weighted: float  # weight share in percent
    contribution: float


def explain(card: Scorecard, lines: dict[str, list]) -> list[ExplainedLine]:
    """A snapshot's lines, in the scorecard's order: value → normalized → weight → points."""
    weight_sum = total_weight(card)
    out = []
    for line in card.lines:
        key = line.get("metric")
        if key not in lines or key not in metrics.METRICS:
            continue
        value, norm, contribution = lines[key]
        weight = float(line.get("weight") or 0)
        out.append(
            ExplainedLine(
                metric=key,
                label=metrics.METRICS[key].label,
                group=line.get("group", ""),
                method=line.get("method", "target"),
                target=line.get("target"),
                value=value,
                normalized=norm,
                weight=weight,
                weighted=round(100 * weight / weight_sum, 1),
                contribution=contribution,
            )
        )
    return out


def reasons(card: Scorecard, score: float, lines: dict[str, list], to_tier, steps) -> list[str]:
    """Why a partner should move: the threshold it passes or misses, its strongest and weakest
    lines."""
    out = []
    lowest = dict((tier.id, low) for tier, low in steps)
    if to_tier is not None:
        out.append(f"Score {score:.0f} reaches {to_tier.name} (from {lowest[to_tier.id]:.0f}).")
    explained = [line for line in explain(card, lines) if line.weight]
    best = sorted(explained, key=lambda line: -line.normalized)[:2]
    worst = sorted(explained, key=lambda line: line.normalized)[:2]
    for line in best:
        if line.normalized >= 60:
            out.append(f"Strong: {line.label} ({line.normalized:.0f}/100).")
    for line in worst:
        if line.normalized < 50:
            out.append(f"Weak: {line.label} ({line.normalized:.0f}/100).")
    return out


def to_next_tier(card: Scorecard, score: float, lines: dict[str, list]) -> dict | None:
    """What it takes to reach the next tier up: its name, the points missing, and the lines
    that would bring them (for a target line, the value to reach)."""
    steps = ladder(card)
    above = [(tier, low) for tier, low in steps if low > score]
    if not above:
        return None
    tier, low = above[-1]  # the nearest tier above
    missing = round(low - score, 1)
    weight_sum = total_weight(card)
    steps_out = []
    remaining = missing
    # lines against a target first: they say what to do ("reach 10 downloads")
    order = sorted(
        explain(card, lines),
        key=lambda x: (x.method == "percentile", -(x.weight * (100 - x.normalized))),
    )
    for line in order:
        room = line.weight / weight_sum * (100 - line.normalized)
        if room <= 0.05 or remaining <= 0:
            continue
        take = min(room, remaining)
        info = metrics.METRICS[line.metric]
        wanted = None
        if line.method != "percentile" and line.target:
            needed_norm = line.normalized + take * weight_sum / line.weight
            target = float(line.target)
            if info.lower_is_better:
                wanted = target * 100 / needed_norm if needed_norm else None
            else:
                wanted = target * needed_norm / 100
        steps_out.append({"line": line, "points": round(take, 1), "reach": wanted})
        remaining -= take
    return {"tier": tier, "threshold": low, "missing": missing, "steps": steps_out}
