"""Partners: validation, create, update, lifecycle status, and the admin search."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import Select, func, or_, select

from app import audit
from app import validation as v
from app.db import session, utcnow
from app.models import VENDOR_ROLES, User
from directory import activity, events, tags
from directory.models import (
    STATUS_TRANSITIONS,
    Partner,
    PartnerStatus,
    PartnerStatusChange,
    PartnerType,
    Tier,
)

PARTNER_TYPES = [t.value for t in PartnerType]
PARTNER_STATUSES = [s.value for s in PartnerStatus]
# the fields a partner admin may change on its own profile
SELF_EDITABLE = (
    "name",
    "website",
    "phone",
    "email",
    "description",
    "specialties",
    "countries",
    "regions",
)


def _tier_id(value) -> int | None:
    name = v.text(value, max_length=60, label="The tier")
    if not name:
        return None
    tier = session.execute(
        select(Tier).where(func.lower(Tier.name) == name.lower())
    ).scalar_one_or_none()
    if tier is None:
        names = ", ".join(session.execute(select(Tier.name).order_by(Tier.rank)).scalars())
        raise v.Invalid(f"'{name}' is not a tier (tiers: {names}).")
    return tier.id


def _channel_manager_id(value) -> int | None:
    address = v.text(value, max_length=254, label="The channel manager")
    if not address:
        return None
    user = session.execute(
        select(User).where(func.lower(User.email) == address.lower(), User.partner_id.is_(None))
    ).scalar_one_or_none()
    if user is None or user.role not in VENDOR_ROLES:
        raise v.Invalid(f"'{address}' is not a vendor user.")
    return user.id


def _slug(value) -> str:
    # a blank slug is made from the name on create and left as it is on update
    return v.slug(value) if str(value or "").strip() else ""


CLEANERS = {
    "name": partial(v.text, max_length=200, required=True, label="The name"),
    "slug": _slug,
    "type": partial(v.choice, options=PARTNER_TYPES, label="The type"),
    "tier": _tier_id,
    "status": partial(v.choice, options=PARTNER_STATUSES, label="The status"),
    "countries": v.country_list,
    "regions": v.word_list,
    "specialties": v.word_list,
    "certifications": v.word_list,
    "tags": tags.clean_tags,
    "website": v.url,
    "phone": v.phone,
    "email": v.email,
    "description": partial(v.text, max_length=5000, label="The description"),
    "listed_in_locator": v.boolean,
    "channel_manager": _channel_manager_id,
}
RENAMED = {"tier": "tier_id", "channel_manager": "channel_manager_id"}


def clean_partner_data(data, *, creating: bool, only: tuple[str, ...] | None = None) -> dict:
    """Validated model attributes from outside data; raises ValidationFailed with every error."""
    cleaners = {k: c for k, c in CLEANERS.items() if only is None or k in only}
    if creating and "name" not in data:
        data = {**data, "name": ""}
    clean = v.collect(cleaners, data)
    if not clean.get("slug"):
        clean.pop("slug", None)
    return {RENAMED.get(k, k): val for k, val in clean.items()}


def unique_slug(base: str, *, exclude_id: int | None = None) -> str:
    candidate, n = base, 2
    while True:
        query = select(Partner.id).where(Partner.slug == candidate)
        if exclude_id:
            query = query.where(Partner.id != exclude_id)
        if session.execute(query).first() is None:
            return candidate
        candidate, n = f"{base}-{n}", n + 1


def snapshot(partner: Partner) -> dict:
    return {key: getattr(partner, RENAMED.get(key, key)) for key in CLEANERS}


def _history_snapshot(partner: Partner) -> dict:
    """The snapshot as the history keeps it: the tier by name and the channel manager by
    address, as they were (ids would name whatever has that id when the history is read)."""
    values = snapshot(partner)
    tier = session.get(Tier, values["tier"]) if values["tier"] else None
    manager = session.get(User, values["channel_manager"]) if values["channel_manager"] else None
    values["tier"] = tier.name if tier else None
    values["channel_manager"] = manager.email if manager else None
    return values


def form_values(partner: Partner) -> dict:
    """The partner's fields as a person types them (lists comma-joined, tier by name)."""
    values = {
        k: ", ".join(val) if isinstance(val, list) else val for k, val in snapshot(partner).items()
    }
    values["tier"] = partner.tier.name if partner.tier else ""
    values["channel_manager"] = partner.channel_manager.email if partner.channel_manager else ""
    return values


def create_partner(data, actor) -> Partner:
    clean = clean_partner_data(data, creating=True)
    if clean.get("slug"):
        if session.execute(select(Partner.id).where(Partner.slug == clean["slug"])).first():
            raise v.ValidationFailed({"slug": f"The slug '{clean['slug']}' is taken."})
    else:
        clean["slug"] = unique_slug(v.slugify(clean["name"]))
    status = clean.pop("status", PartnerStatus.PROSPECT.value)
    partner = Partner(status=status, status_changed_at=utcnow(), **clean)
    session.add(partner)
    session.flush()
    session.add(
        PartnerStatusChange(
            partner_id=partner.id,
            from_status=None,
            to_status=status,
            changed_by_id=getattr(actor, "id", None),
            note="created",
        )
    )
    events.record(events.PARTNER_CREATED, partner.id, status=status)
    _record_certifications(partner, [])
    audit.record(
        actor,
        "partner.create",
        partner,
        partner_id=partner.id,
        changes=audit.diff({}, _history_snapshot(partner)),
    )
    return partner


def update_partner(
    partner: Partner, data, actor, *, only: tuple[str, ...] | None = None
) -> Partner:
    clean = clean_partner_data(data, creating=False, only=only)
    new_status = clean.pop("status", None)
    if "slug" in clean and clean["slug"] != partner.slug:
        if session.execute(
            select(Partner.id).where(Partner.slug == clean["slug"], Partner.id != partner.id)
        ).first():
            raise v.ValidationFailed({"slug": f"The slug '{clean['slug']}' is taken."})
    before = _history_snapshot(partner)
    old_tier_id = partner.tier_id
    for key, value in clean.items():
        setattr(partner, key, value)
    if "tier_id" in clean and clean["tier_id"] != old_tier_id:
        events.record(
            events.PARTNER_TIER_CHANGED,
            partner.id,
            from_tier_id=old_tier_id,
            to_tier_id=clean["tier_id"],
        )
    _record_certifications(partner, before["certifications"] or [])
    if new_status and new_status != partner.status:
        change_status(partner, new_status, actor)
    changes = audit.diff(before, _history_snapshot(partner))
    if changes:
        audit.record(actor, "partner.update", partner, partner_id=partner.id, changes=changes)
    return partner


def change_tags(partner: Partner, *, add: str = "", remove: str = "", actor=None) -> Partner:
    """PARTNER with the tag ADD and without the tag REMOVE (a journey's action), audited like
    any change; ValidationFailed when a tag is not one or the partner would hold too many."""
    try:
        added, removed = (tags.clean_tag(t) if t else "" for t in (add, remove))
    except v.Invalid as exc:
        raise v.ValidationFailed({"tags": str(exc)}) from exc
    held = [t for t in partner.tags or [] if t != removed]
    if added and added not in held:
        held.append(added)
    if held != list(partner.tags or []):
        update_partner(partner, {"tags": held}, actor, only=("tags",))
    return partner


def _record_certifications(partner: Partner, before: list[str]) -> None:
    """One activity per certification the partner did not hold before."""
    held = {name.lower() for name in before}
    for name in partner.certifications or []:
        if name.lower() not in held:
            activity.record(partner.id, activity.CERTIFICATION_ADDED, ref=("certification", name))


def change_status(partner: Partner, new_status: str, actor, note: str = "") -> PartnerStatusChange:
    clean = v.collect(
        {
            "status": partial(v.choice, options=PARTNER_STATUSES, label="The status"),
            "note": partial(v.text, max_length=500, label="The note"),
        },
        {"status": new_status, "note": note},
    )
    new = PartnerStatus(clean["status"])
    old = PartnerStatus(partner.status)
    if new == old:
        raise v.ValidationFailed({"status": f"The partner is already {old.value}."})
    if new not in STATUS_TRANSITIONS[old]:
        allowed = ", ".join(sorted(s.value for s in STATUS_TRANSITIONS[old]))
        raise v.ValidationFailed(
            {"status": f"A partner cannot go from {old.value} to {new.value} (allowed: {allowed})."}
        )
    partner.status = new.value
    partner.status_changed_at = utcnow()
    events.record(
        events.PARTNER_STATUS_CHANGED, partner.id, from_status=old.value, to_status=new.value
    )
    change = PartnerStatusChange(
        partner_id=partner.id,
        from_status=old.value,
        to_status=new.value,
        changed_by_id=getattr(actor, "id", None),
        note=clean["note"],
    )
    session.add(change)
    audit.record(
        actor,
        "partner.status",
        partner,
        partner_id=partner.id,
        changes={"status": [old.value, new.value]},
    )
    return change


@dataclass
class PartnerFilters:
    q: str = ""
    tier: str = ""
    type: str = ""
    status: str = ""
    country: str = ""
    tag: str = ""
    sort: str = "name"
    page: int = 1
    per_page: int = 25
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args) -> PartnerFilters:
        def arg(name: str) -> str:
            # PostgreSQL refuses NUL in text parameters: a NUL typed into a URL is dropped
            return (args.get(name) or "").replace("\x00", "").strip()

        f = cls(
            q=arg("q")[:100],
            tier=arg("tier")[:60],
            type=arg("type").lower(),
            status=arg("status").lower(),
            country=arg("country").upper()[:2],
            sort=arg("sort") or "name",
        )
        if arg("tag"):
            try:
                f.tag = tags.clean_tag(arg("tag")[:100])
            except v.Invalid as exc:
                f.errors.append(str(exc))
        try:
            f.page = max(1, min(int(args.get("page") or 1), 100000))
        except ValueError:
            f.page = 1
        try:
            f.per_page = max(5, min(int(args.get("per_page") or 25), 200))
        except ValueError:
            f.per_page = 25
        if f.type and f.type not in PARTNER_TYPES:
            f.errors.append(f"Unknown partner type '{f.type}'.")
            f.type = ""
        if f.status and f.status not in PARTNER_STATUSES:
            f.errors.append(f"Unknown status '{f.status}'.")
            f.status = ""
        if f.sort.lstrip("-") not in SORTS:
            f.sort = "name"
        return f


SORTS = {
    "name": Partner.name,
    "tier": Tier.rank,
    "status": Partner.status,
    "type": Partner.type,
    "created": Partner.created_at,
}


def partner_query(f: PartnerFilters) -> Select:
    query = select(Partner).outerjoin(Tier, Partner.tier_id == Tier.id)
    if f.q:
        like = f"%{f.q.lower()}%"
        query = query.where(
            or_(
                func.lower(Partner.name).like(like),
                func.lower(Partner.slug).like(like),
                func.lower(Partner.email).like(like),
                func.lower(Partner.website).like(like),
            )
        )
    if f.tier:
        query = query.where(func.lower(Tier.name) == f.tier.lower())
    if f.type:
        query = query.where(Partner.type == f.type)
    if f.status:
        query = query.where(Partner.status == f.status)
    if f.country:
        # JSON lists are stored as text on both databases; a quoted code is an exact element
        from sqlalchemy import String, cast

        query = query.where(cast(Partner.countries, String).like(f'%"{f.country}"%'))
    if f.tag:
        query = query.where(tags.has_tag(f.tag))
    column = SORTS[f.sort.lstrip("-")]
    order = column.desc() if f.sort.startswith("-") else column.asc()
    return query.order_by(order.nulls_last(), Partner.id)


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def search_partners(f: PartnerFilters) -> Page:
    query = partner_query(f)
    total = session.execute(
        select(func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    page = min(f.page, max(1, -(-total // f.per_page)))
    items = session.execute(query.limit(f.per_page).offset((page - 1) * f.per_page)).scalars().all()
    return Page(items=list(items), total=total, page=page, per_page=f.per_page)


def tiers() -> list[Tier]:
    return list(session.execute(select(Tier).order_by(Tier.rank)).scalars())


def _partner_ids_for(word: str) -> list[int]:
    if word.isdigit():
        number = int(word)
        found = session.get(Partner, number) if v.is_row_id(number) else None
        return [found.id] if found else []
    by_slug = session.execute(select(Partner.id).where(Partner.slug == word.lower())).first()
    if by_slug:
        return [by_slug[0]]
    return list(
        session.execute(
            select(Partner.id).where(func.lower(Partner.name) == word.lower()).order_by(Partner.id)
        ).scalars()
    )


def ids_named(text: str) -> list[int]:
    """The partners that TEXT names as a person types them: an id, a slug or a name, or several
    of these comma separated. Invalid says which words name no partner, or several."""
    text = v.text(text, max_length=2000, label="The partner")
    if not text:
        return []
    whole = _partner_ids_for(text)  # a name may hold commas: "Smith, Jones & Co"
    if len(whole) == 1:
        return whole
    ids: list[int] = []
    problems: list[str] = []
    for word in (w.strip() for w in text.split(",")):
        if not word:
            continue
        found = _partner_ids_for(word)
        if not found:
            problems.append(f"no partner is called '{word}'")
        elif len(found) > 1:
            slugs = session.execute(select(Partner.slug).where(Partner.id.in_(found))).scalars()
            problems.append(
                f"several partners are called '{word}' (type a slug: {', '.join(slugs)})"
            )
        elif found[0] not in ids:
            ids.append(found[0])
    if problems:
        message = "; ".join(problems)
        raise v.Invalid(message[0].upper() + message[1:] + ".")
    return ids
