"""Prospects: companies the vendor would like as partners. Validation, create and update, the
admin search, and duplicates by email and company domain (among prospects and partners)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from urllib.parse import urlparse

from sqlalchemy import Select, func, or_, select

from app import audit
from app import validation as v
from app.db import session
from campaigns.journeys.models import PROSPECT_STATUS_LABELS, Prospect, ProspectStatus
from directory.models import Partner
from directory.partners import Page

PROSPECT_STATUSES = [s.value for s in ProspectStatus]
# addresses at these domains say nothing about the company
FREE_MAIL = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "proton.me",
        "protonmail.com",
        "mail.com",
        "yandex.ru",
    }
)

CLEANERS = {
    "company": partial(v.text, max_length=200, required=True, label="The company"),
    "contact_name": partial(v.text, max_length=200, label="The contact name"),
    "email": partial(v.email, required=True),
    "country": v.country_code,
    "website": v.url,
    "source": partial(v.text, max_length=60, label="The source"),
    "status": partial(v.choice, options=PROSPECT_STATUSES, label="The status", required=False),
    "notes": partial(v.text, max_length=5000, label="The notes"),
}
FIELDS = tuple(CLEANERS)


def domain_of(website: str = "", email: str = "") -> str:
    """The company's domain: the website's host without ``www.``, else the email's domain
    unless it is a free-mail provider's; '' when neither says."""
    site = (website or "").strip().lower()
    if site:
        host = urlparse(site if "://" in site else f"http://{site}").hostname or ""
        host = host.removeprefix("www.")
        if host:
            return host[:200]
    address = (email or "").strip().lower()
    if "@" in address:
        domain = address.rsplit("@", 1)[1]
        if domain and domain not in FREE_MAIL:
            return domain[:200]
    return ""


def clean_prospect_data(data, *, creating: bool) -> dict:
    """Validated attributes; ValidationFailed naming every field that is wrong."""
    cleaners = {k: c for k, c in CLEANERS.items() if creating or k in data}
    if creating:
        data = {"company": "", "email": "", **data}
    clean = v.collect(cleaners, data)
    if not clean.get("status"):
        clean.pop("status", None)
        if creating:
            clean["status"] = ProspectStatus.NEW.value
    return clean


def snapshot(prospect: Prospect) -> dict:
    return {key: getattr(prospect, key) for key in FIELDS}


def form_values(prospect: Prospect) -> dict:
    return {key: value or "" for key, value in snapshot(prospect).items()}


def create_prospect(data, actor) -> Prospect:
    clean = clean_prospect_data(data, creating=True)
    prospect = Prospect(**clean)
    prospect.domain = domain_of(prospect.website, prospect.email)
    session.add(prospect)
    session.flush()
    audit.record(actor, "prospect.create", prospect, changes=audit.diff({}, snapshot(prospect)))
    return prospect


def update_prospect(prospect: Prospect, data, actor) -> Prospect:
    clean = clean_prospect_data(data, creating=False)
    before = snapshot(prospect)
    for key, value in clean.items():
        setattr(prospect, key, value)
    prospect.domain = domain_of(prospect.website, prospect.email)
    changes = audit.diff(before, snapshot(prospect))
    if changes:
        audit.record(actor, "prospect.update", prospect, changes=changes)
    return prospect


def find_by_email(email: str) -> Prospect | None:
    return session.execute(
        select(Prospect)
        .where(func.lower(Prospect.email) == email.strip().lower())
        .order_by(Prospect.id)
        .limit(1)
    ).scalar_one_or_none()


@dataclass
class Duplicates:
    """Who else has this email or company domain."""

    partners: list[Partner] = field(default_factory=list)
    prospects: list[Prospect] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.partners or self.prospects)


def _partners_like(emails: set[str], domains: set[str]) -> list[tuple[Partner, str]]:
    """Partners whose email is one of EMAILS or whose domain is one of DOMAINS, with the
    domain each has."""
    if not emails and not domains:
        return []
    conditions = [func.lower(Partner.email).in_(sorted(emails))] if emails else []
    for domain in sorted(domains):
        conditions += [
            func.lower(Partner.website).like(f"%{domain}%"),
            func.lower(Partner.email).like(f"%@{domain}"),
        ]
    found = session.execute(select(Partner).where(or_(*conditions)).order_by(Partner.name))
    result = []
    for partner in found.scalars():
        domain = domain_of(partner.website, partner.email)
        if (partner.email or "").lower() in emails or (domain and domain in domains):
            result.append((partner, domain))
    return result


def duplicates(
    email: str,
    domain: str,
    *,
    exclude_prospect_id: int | None = None,
    exclude_partner_id: int | None = None,
) -> Duplicates:
    """The partners and prospects that share EMAIL or DOMAIN."""
    email = (email or "").strip().lower()
    emails = {email} if email else set()
    domains = {domain} if domain else set()
    found = Duplicates()
    found.partners = [p for p, _d in _partners_like(emails, domains) if p.id != exclude_partner_id]
    conditions = []
    if email:
        conditions.append(func.lower(Prospect.email) == email)
    if domain:
        conditions.append(Prospect.domain == domain)
    if conditions:
        query = select(Prospect).where(or_(*conditions)).order_by(Prospect.id)
        if exclude_prospect_id is not None:
            query = query.where(Prospect.id != exclude_prospect_id)
        found.prospects = list(session.execute(query.limit(20)).scalars())
    return found


def duplicate_hints(prospects: list[Prospect]) -> dict[int, list[str]]:
    """For each of PROSPECTS (a page of the list), what it duplicates, in words."""
    emails = {p.email.lower() for p in prospects if p.email}
    domains = {p.domain for p in prospects if p.domain}
    hints: dict[int, list[str]] = {p.id: [] for p in prospects}
    if not prospects:
        return hints
    others = session.execute(
        select(Prospect.id, func.lower(Prospect.email), Prospect.domain).where(
            or_(
                func.lower(Prospect.email).in_(sorted(emails)),
                Prospect.domain.in_(sorted(domains or {""})),
            )
        )
    ).all()
    partners = _partners_like(emails, domains)
    for p in prospects:
        email = p.email.lower()
        if any(oid != p.id and oemail == email for oid, oemail, _d in others):
            hints[p.id].append("Same email as another prospect")
        elif p.domain and any(oid != p.id and od == p.domain for oid, _e, od in others):
            hints[p.id].append("Same company domain as another prospect")
        for partner, domain in partners:
            if (partner.email or "").lower() == email or (p.domain and domain == p.domain):
                hints[p.id].append(f"Looks like the partner {partner.name}")
    return hints


SORTS = ("", "score")


@dataclass
class ProspectFilters:
    q: str = ""
    status: str = ""
    country: str = ""
    source: str = ""
    sort: str = ""  # "" (by company) or "score" (the recruitment score, best first)
    page: int = 1
    per_page: int = 50
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args) -> ProspectFilters:
        def arg(name: str) -> str:
            return (args.get(name) or "").replace("\x00", "").strip()

        f = cls(
            q=arg("q")[:100],
            status=arg("status").lower(),
            country=arg("country").upper()[:2],
            source=arg("source")[:60],
            sort=arg("sort").lower(),
        )
        try:
            f.page = max(1, min(int(args.get("page") or 1), 100000))
        except ValueError:
            f.page = 1
        try:
            f.per_page = max(5, min(int(args.get("per_page") or 50), 200))
        except ValueError:
            f.per_page = 50
        if f.sort not in SORTS:
            f.errors.append(f"Unknown order '{f.sort[:20]}'.")
            f.sort = ""
        if f.status and f.status not in PROSPECT_STATUSES:
            f.errors.append(f"Unknown status '{f.status}'.")
            f.status = ""
        return f


def prospect_query(f: ProspectFilters) -> Select:
    query = select(Prospect)
    if f.q:
        like = f"%{f.q.lower()}%"
        query = query.where(
            or_(
                func.lower(Prospect.company).like(like),
                func.lower(Prospect.contact_name).like(like),
                func.lower(Prospect.email).like(like),
                func.lower(Prospect.domain).like(like),
            )
        )
    if f.status:
        query = query.where(Prospect.status == f.status)
    if f.country:
        query = query.where(Prospect.country == f.country)
    if f.source:
        query = query.where(func.lower(Prospect.source) == f.source.lower())
    return query.order_by(Prospect.company, Prospect.id)


def _page_number(f: ProspectFilters, total: int) -> int:
    return min(f.page, max(1, -(-total // f.per_page)))


def search_prospects(f: ProspectFilters) -> Page:
    """A page of the prospects F finds, by company (for the order by score see
    ``fit.search_by_score``)."""
    query = prospect_query(f)
    total = session.execute(
        select(func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    page = _page_number(f, total)
    items = session.execute(query.limit(f.per_page).offset((page - 1) * f.per_page)).scalars()
    return Page(items=list(items), total=total, page=page, per_page=f.per_page)


def page_of(f: ProspectFilters, ordered: list) -> Page:
    """F's page of ORDERED, every prospect F finds in the order wanted."""
    page = _page_number(f, len(ordered))
    items = ordered[(page - 1) * f.per_page : page * f.per_page]
    return Page(items=items, total=len(ordered), page=page, per_page=f.per_page)


def sources() -> list[str]:
    """The sources prospects came from, for the list's filter."""
    rows = session.execute(
        select(Prospect.source).where(Prospect.source != "").distinct().order_by(Prospect.source)
    )
    return list(rows.scalars())


def status_label(status: str) -> str:
    try:
        return PROSPECT_STATUS_LABELS[ProspectStatus(status)]
    except ValueError:
        return status
