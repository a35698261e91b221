"""The recruitment scorecard: how well a prospect or an applicant fits the program.

Three weighted criteria, each 0–100 and explained in words:

- market (40): the country, by how many partners already serve it: an open market scores
  100, one with N partners 100 / (1 + N); no country, 0;
- fit (35): the share of its specialties that the program's partners sell (what the program
  is about); none given, 0;
- reach (25): what shows it reaches customers: a website (50), an address at a company
  domain rather than a free-mail one (25), a phone number (25).

The program's side (partners per country, the specialties they sell) is read once per call
with two queries over the partners (``Program.load``); scoring a subject is then pure, so a
list of a thousand prospects is scored without a query per row.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from app import validation as v
from app.db import session
from campaigns.journeys import prospects
from campaigns.journeys.models import Application, Prospect
from directory.models import Partner, PartnerStatus

CRITERIA = {"market": ("Market", 40.0), "fit": ("Fit", 35.0), "reach": ("Reach", 25.0)}
REACH_POINTS = {"website": 50.0, "company_email": 25.0, "phone": 25.0}
# the partners whose countries and specialties describe the program
SERVING = (PartnerStatus.ONBOARDING.value, PartnerStatus.ACTIVE.value)


@dataclass(frozen=True)
class Program:
    partners_per_country: dict[str, int]
    specialties: frozenset[str]

    @classmethod
    def load(cls) -> Program:
        rows = session.execute(
            select(Partner.countries, Partner.specialties).where(Partner.status.in_(SERVING))
        ).all()
        countries: Counter[str] = Counter()
        specialties: set[str] = set()
        for partner_countries, partner_specialties in rows:
            countries.update({str(c).upper() for c in partner_countries or []})
            specialties.update(str(s).strip().lower() for s in partner_specialties or [])
        return cls(dict(countries), frozenset(specialties))


@dataclass(frozen=True)
class Subject:
    """What recruitment knows of a company, from a prospect or an application."""

    country: str = ""
    specialties: tuple[str, ...] = ()
    website: str = ""
    email: str = ""
    phone: str = ""

    @classmethod
    def of_application(cls, application: Application) -> Subject:
        return cls(
            country=application.country or "",
            specialties=tuple(application.specialties or ()),
            website=application.website or "",
            email=application.email or "",
            phone=application.phone or "",
        )

    @classmethod
    def of_prospect(cls, prospect: Prospect, application: Application | None = None) -> Subject:
        """A prospect, with what its latest application added (specialties, phone)."""
        return cls(
            country=prospect.country or (application.country if application else ""),
            specialties=tuple(application.specialties or ()) if application else (),
            website=prospect.website or (application.website if application else ""),
            email=prospect.email or "",
            phone=application.phone if application else "",
        )


@dataclass
class Line:
    criterion: str
    label: str
    weight: float  # of 100
    normalized: float
    contribution: float
    why: str


@dataclass
class RecruitmentScore:
    score: float
    lines: list[Line] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "score": self.score,
            "lines": [
                {
                    "criterion": line.criterion,
                    "label": line.label,
                    "weight": line.weight,
                    "normalized": line.normalized,
                    "contribution": line.contribution,
                    "why": line.why,
                }
                for line in self.lines
            ],
        }


def _market(subject: Subject, program: Program) -> tuple[float, str]:
    code = subject.country.upper()
    if not code:
        return 0.0, "No country given."
    name = v.country_name(code) or code
    serving = program.partners_per_country.get(code, 0)
    if not serving:
        return 100.0, f"{name}: no partner serves it yet, an open market."
    partners = "1 partner serves" if serving == 1 else f"{serving} partners serve"
    return 100.0 / (1 + serving), f"{name}: {partners} it already."


def _fit(subject: Subject, program: Program) -> tuple[float, str]:
    given = list(dict.fromkeys(s.strip() for s in subject.specialties if s.strip()))
    if not given:
        return 0.0, "No specialties given."
    matching = [s for s in given if s.lower() in program.specialties]
    if not matching:
        return 0.0, f"None of its specialties ({', '.join(given)}) is one the partners sell."
    share = 100.0 * len(matching) / len(given)
    return share, f"{len(matching)} of {len(given)} specialties match: {', '.join(matching)}."


def _reach(subject: Subject) -> tuple[float, str]:
    domain = subject.email.rsplit("@", 1)[-1].lower() if "@" in subject.email else ""
    signs = {
        "website": bool(subject.website.strip()),
        "company_email": bool(domain) and domain not in prospects.FREE_MAIL,
        "phone": bool(subject.phone.strip()),
    }
    words = {"website": "a website", "company_email": "a company email", "phone": "a phone"}
    has = [words[k] for k, present in signs.items() if present]
    lacks = [words[k] for k, present in signs.items() if not present]
    points = sum(REACH_POINTS[k] for k, present in signs.items() if present)
    said = f"Has {', '.join(has)}." if has else "No website, company email or phone."
    if has and lacks:
        said += f" No {', '.join(w.removeprefix('a ') for w in lacks)}."
    return points, said


def score(subject: Subject, program: Program) -> RecruitmentScore:
    """SUBJECT's recruitment score by the criteria, line by line."""
    found = {
        "market": _market(subject, program),
        "fit": _fit(subject, program),
        "reach": _reach(subject),
    }
    total_weight = sum(weight for _label, weight in CRITERIA.values())
    lines = []
    for key, (label, weight) in CRITERIA.items():
        normalized, why = found[key]
        contribution = normalized * weight / total_weight
        lines.append(Line(key, label, weight, round(normalized, 1), round(contribution, 1), why))
    return RecruitmentScore(round(sum(line.contribution for line in lines), 1), lines)


def latest_applications(prospect_ids: list[int]) -> dict[int, Application]:
    """Each prospect's latest application (one query for all of them)."""
    if not prospect_ids:
        return {}
    rows = session.execute(
        select(Application)
        .where(Application.prospect_id.in_(prospect_ids))
        .order_by(Application.created_at, Application.id)
    ).scalars()
    return {a.prospect_id: a for a in rows}  # the later overwrite the earlier


def for_prospects(found: list[Prospect], program: Program | None = None) -> dict:
    """{prospect id: its RecruitmentScore} for FOUND: a query for the program (unless given)
    and one for their applications."""
    program = program or Program.load()
    applied = latest_applications([p.id for p in found])
    return {p.id: score(Subject.of_prospect(p, applied.get(p.id)), program) for p in found}


def for_application(application: Application, program: Program | None = None) -> RecruitmentScore:
    return score(Subject.of_application(application), program or Program.load())


def search_by_score(f: prospects.ProspectFilters) -> tuple[prospects.Page, dict]:
    """The page of prospects F finds, the best recruitment score first (then by company), and
    the scores of the page. Every prospect found is scored (a query for the program, one for
    their applications, then pure work), since the order needs them all."""
    found = list(session.execute(prospects.prospect_query(f)).scalars())
    scores = for_prospects(found)
    found.sort(key=lambda p: -scores[p.id].score)  # stable: by company among equals
    page = prospects.page_of(f, found)
    return page, {p.id: scores[p.id] for p in page.items}
