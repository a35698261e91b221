"""Scorecard definitions: validation, create and update, and the starter scorecard."""

from __future__ import annotations

from functools import partial

from sqlalchemy import func, select

from app import audit
from app import validation as v
from app.db import session
from directory.models import Tier
from directory.scorecards.metrics import METRICS
from directory.scorecards.models import Scorecard

METHODS = ("target", "percentile")
MAX_LINES = 20
STARTER_NAME = "Partner performance"
# sales 50, engagement 20, enablement 20, marketing 10
STARTER_LINES = [
    {"metric": "revenue", "group": "Sales", "weight": 35, "method": "percentile"},
    {"metric": "pipeline", "group": "Sales", "weight": 15, "method": "percentile"},
    {
        "metric": "assets_downloaded",
        "group": "Engagement",
        "weight": 10,
        "method": "target",
        "target": 12,
    },
    {
        "metric": "campaigns_used",
        "group": "Engagement",
        "weight": 10,
        "method": "target",
        "target": 4,
    },
    {
        "metric": "certifications",
        "group": "Enablement",
        "weight": 15,
        "method": "target",
        "target": 3,
    },
    {
        "metric": "portal_logins",
        "group": "Enablement",
        "weight": 5,
        "method": "target",
        "target": 24,
    },
    {
        "metric": "profile_completeness",
        "group": "Marketing",
        "weight": 10,
        "method": "target",
        "target": 100,
    },
]
# tier name → lowest score, for the tiers that exist
STARTER_THRESHOLDS = {"platinum": 90, "gold": 75, "silver": 60, "registered": 0}


def clean_lines(raw) -> list[dict]:
    """Validated metric lines; Invalid with every problem in one message."""
    if not isinstance(raw, list) or not raw:
        raise v.Invalid("Give at least one metric line.")
    if len(raw) > MAX_LINES:
        raise v.Invalid(f"A scorecard has at most {MAX_LINES} metric lines.")
    lines, problems, seen = [], [], set()
    for number, line in enumerate(raw, 1):
        if not isinstance(line, dict):
            problems.append(f"line {number} is not a metric line")
            continue
        metric = str(line.get("metric") or "")
        if metric not in METRICS:
            problems.append(f"line {number}: '{metric[:40]}' is not a metric")
            continue
        if metric in seen:
            problems.append(f"line {number}: {METRICS[metric].label} appears twice")
            continue
        seen.add(metric)
        method = str(line.get("method") or "target")
        if method not in METHODS:
            problems.append(f"line {number}: the normalization is 'target' or 'percentile'")
            continue
        try:
            weight = v.float_in(line.get("weight"), 0, 1000, label=f"line {number}: the weight")
            target = v.float_in(line.get("target"), 0, 1e15, label=f"line {number}: the target")
        except v.Invalid as exc:
            problems.append(str(exc))
            continue
        if method == "target" and not target:
            problems.append(f"line {number}: a target above 0 is needed")
            continue
        clean = {
            "metric": metric,
            "group": v.text(line.get("group"), max_length=40, label="The group"),
            "weight": weight or 0,
            "method": method,
        }
        if method == "target":
            clean["target"] = target
        lines.append(clean)
    if problems:
        message = "; ".join(problems)
        raise v.Invalid(message[0].upper() + message[1:] + ".")
    if not sum(line["weight"] for line in lines):
        raise v.Invalid("At least one line needs a weight above 0.")
    return lines


def clean_thresholds(raw) -> dict[str, float]:
    """{tier id: lowest score} from {tier name or id: score}."""
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        raise v.Invalid("The thresholds are a mapping of tier to lowest score.")
    tiers = list(session.execute(select(Tier)).scalars())
    out, problems = {}, []
    for key, score in raw.items():
        tier = next(
            (t for t in tiers if str(t.id) == str(key) or t.name.lower() == str(key).lower()),
            None,
        )
        if tier is None:
            problems.append(f"'{str(key)[:40]}' is not a tier")
            continue
        try:
            out[str(tier.id)] = v.float_in(score, 0, 100, label=f"{tier.name}'s threshold")
        except v.Invalid as exc:
            problems.append(str(exc))
    if problems:
        raise v.Invalid("; ".join(problems) + ".")
    return {k: val for k, val in out.items() if val is not None}


CLEANERS = {
    "name": partial(v.text, max_length=120, required=True, label="The name"),
    "description": partial(v.text, max_length=2000, label="The description"),
    "period_days": partial(v.float_in, low=7, high=3660, label="The period in days"),
    "keep_daily_days": partial(v.float_in, low=7, high=3660, label="The days of daily scores"),
    "keep_monthly_months": partial(
        v.float_in, low=0, high=1200, label="The months of monthly scores"
    ),
    "lines": clean_lines,
    "thresholds": clean_thresholds,
    "active": v.boolean,
}


def _clean(data: dict, card: Scorecard | None) -> dict:
    clean = v.collect(CLEANERS, data)
    for number in ("period_days", "keep_daily_days", "keep_monthly_months"):
        if clean.get(number) is not None:
            clean[number] = int(clean[number])
        else:
            clean.pop(number, None)
    if "name" in clean:
        same = select(Scorecard.id).where(func.lower(Scorecard.name) == clean["name"].lower())
        if card is not None:
            same = same.where(Scorecard.id != card.id)
        if session.execute(same).first():
            raise v.ValidationFailed({"name": f"There is already a scorecard '{clean['name']}'."})
    return clean


def create_scorecard(data: dict, actor) -> Scorecard:
    if "lines" not in data:
        raise v.ValidationFailed({"lines": "Give at least one metric line."})
    card = Scorecard(**_clean({"name": "", **data}, None))
    session.add(card)
    session.flush()
    audit.record(actor, "scorecard.create", card, changes={"name": [None, card.name]})
    return card


def update_scorecard(card: Scorecard, data: dict, actor) -> Scorecard:
    clean = _clean(data, card)
    before = {k: getattr(card, k) for k in clean}
    for key, value in clean.items():
        setattr(card, key, value)
    audit.record(actor, "scorecard.update", card, changes=audit.diff(before, clean))
    return card


def ensure_starter(actor="system") -> Scorecard:
    """The starter scorecard (sales 50, engagement 20, enablement 20, marketing 10), made once,
    with thresholds for the tiers of the ladder that have the usual names."""
    card = session.execute(
        select(Scorecard).where(Scorecard.name == STARTER_NAME)
    ).scalar_one_or_none()
    if card is not None:
        return card
    tiers = {t.name.lower(): t for t in session.execute(select(Tier)).scalars()}
    thresholds = {str(tiers[n].id): s for n, s in STARTER_THRESHOLDS.items() if n in tiers}
    card = Scorecard(
        name=STARTER_NAME,
        description="Sales 50, engagement 20, enablement 20, marketing 10.",
        period_days=365,
        lines=[dict(line) for line in STARTER_LINES],
        thresholds=thresholds,
    )
    session.add(card)
    session.flush()
    audit.record(actor, "scorecard.create", card, changes={"name": [None, card.name]})
    return card


def all_scorecards() -> list[Scorecard]:
    return list(session.execute(select(Scorecard).order_by(Scorecard.id)).scalars())


def default_scorecard() -> Scorecard | None:
    return session.execute(
        select(Scorecard).where(Scorecard.active.is_(True)).order_by(Scorecard.id).limit(1)
    ).scalar_one_or_none()
