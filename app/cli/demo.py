"""Demo data: a program, its tiers, partners in real cities with generated logos, a user
per role."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from app.db import session
from app.models import ProgramSettings, Role, User
from directory import brand_kits, locations, partners, people
from directory.demo_logos import generate_logo
from directory.locator import geocoding
from directory.models import (
    Location,
    Partner,
    PartnerStatus,
    PartnerStatusChange,
    PartnerType,
    Tier,
)

if TYPE_CHECKING:
    from app.cli.demo_campaigns import Loaded

PASSWORD = "tandem-demo-2026"
DOMAIN = "demo.example.com"
TIERS = [
    ("Registered", 10, "#64748b"),
    ("Silver", 20, "#94a3b8"),
    ("Gold", 30, "#ca8a04"),
    ("Platinum", 40, "#334155"),
]

SERVICES = ["Installation", "Maintenance", "Consulting", "Financing", "Training", "Repairs"]
COUNTRY_LANGUAGES = {
    "DE": ["de"],
    "AT": ["de"],
    "CH": ["de", "fr"],
    "FR": ["fr"],
    "NL": ["nl"],
    "BE": ["nl", "fr"],
    "ES": ["es"],
    "IT": ["it"],
    "PL": ["pl"],
    "SE": ["sv"],
    "DK": ["da"],
    "NO": ["no"],
    "FI": ["fi"],
    "PT": ["pt"],
}

# (city, region, country, postal code, latitude, longitude)
CITIES = [
    ("Berlin", "Berlin", "DE", "10117", 52.5200, 13.4050),
    ("Munich", "Bavaria", "DE", "80331", 48.1351, 11.5820),
    ("Hamburg", "Hamburg", "DE", "20095", 53.5511, 9.9937),
    ("Cologne", "North Rhine-Westphalia", "DE", "50667", 50.9375, 6.9603),
    ("Frankfurt am Main", "Hesse", "DE", "60311", 50.1109, 8.6821),
    ("Stuttgart", "Baden-Württemberg", "DE", "70173", 48.7758, 9.1829),
    ("Vienna", "Vienna", "AT", "1010", 48.2082, 16.3738),
    ("Zurich", "Zurich", "CH", "8001", 47.3769, 8.5417),
    ("Paris", "Île-de-France", "FR", "75001", 48.8566, 2.3522),
    ("Lyon", "Auvergne-Rhône-Alpes", "FR", "69001", 45.7640, 4.8357),
    ("Marseille", "Provence-Alpes-Côte d'Azur", "FR", "13001", 43.2965, 5.3698),
    ("Toulouse", "Occitanie", "FR", "31000", 43.6047, 1.4442),
    ("Amsterdam", "North Holland", "NL", "1012", 52.3676, 4.9041),
    ("Rotterdam", "South Holland", "NL", "3011", 51.9244, 4.4777),
    ("Utrecht", "Utrecht", "NL", "3511", 52.0907, 5.1214),
    ("Brussels", "Brussels", "BE", "1000", 50.8503, 4.3517),
    ("Antwerp", "Flanders", "BE", "2000", 51.2194, 4.4025),
    ("London", "England", "GB", "EC1A 1BB", 51.5074, -0.1278),
    ("Manchester", "England", "GB", "M1 1AE", 53.4808, -2.2426),
    ("Birmingham", "England", "GB", "B1 1AA", 52.4862, -1.8904),
    ("Edinburgh", "Scotland", "GB", "EH1 1YZ", 55.9533, -3.1883),
    ("Dublin", "Leinster", "IE", "D02", 53.3498, -6.2603),
    ("Madrid", "Community of Madrid", "ES", "28013", 40.4168, -3.7038),
    ("Barcelona", "Catalonia", "ES", "08002", 41.3874, 2.1686),
    ("Valencia", "Valencian Community", "ES", "46002", 39.4699, -0.3763),
    ("Milan", "Lombardy", "IT", "20121", 45.4642, 9.1900),
    ("Rome", "Lazio", "IT", "00184", 41.9028, 12.4964),
    ("Turin", "Piedmont", "IT", "10121", 45.0703, 7.6869),
    ("Stockholm", "Stockholm", "SE", "111 20", 59.3293, 18.0686),
    ("Gothenburg", "Västra Götaland", "SE", "411 06", 57.7089, 11.9746),
    ("Copenhagen", "Capital Region", "DK", "1050", 55.6761, 12.5683),
    ("Oslo", "Oslo", "NO", "0150", 59.9139, 10.7522),
    ("Helsinki", "Uusimaa", "FI", "00100", 60.1699, 24.9384),
    ("Warsaw", "Masovia", "PL", "00-001", 52.2297, 21.0122),
    ("Prague", "Prague", "CZ", "110 00", 50.0755, 14.4378),
    ("New York", "New York", "US", "10007", 40.7128, -74.0060),
    ("Chicago", "Illinois", "US", "60602", 41.8781, -87.6298),
    ("Austin", "Texas", "US", "78701", 30.2672, -97.7431),
    ("Denver", "Colorado", "US", "80202", 39.7392, -104.9903),
    ("Seattle", "Washington", "US", "98104", 47.6062, -122.3321),
    ("San Francisco", "California", "US", "94103", 37.7749, -122.4194),
    ("Atlanta", "Georgia", "US", "30303", 33.7490, -84.3880),
    ("Boston", "Massachusetts", "US", "02108", 42.3601, -71.0589),
    ("Toronto", "Ontario", "CA", "M5H 2N2", 43.6532, -79.3832),
    ("Vancouver", "British Columbia", "CA", "V6B 1A1", 49.2827, -123.1207),
    ("Montreal", "Quebec", "CA", "H2Y 1C6", 45.5017, -73.5673),
    ("Sydney", "New South Wales", "AU", "2000", -33.8688, 151.2093),
    ("Melbourne", "Victoria", "AU", "3000", -37.8136, 144.9631),
    ("Auckland", "Auckland", "NZ", "1010", -36.8485, 174.7633),
    ("Singapore", "Singapore", "SG", "048583", 1.2903, 103.8519),
]
NAME_A = [
    "Blue",
    "North",
    "Bright",
    "Summit",
    "Clear",
    "Iron",
    "Silver",
    "Green",
    "Apex",
    "Harbor",
    "Red",
    "Swift",
    "True",
    "Nova",
    "Cedar",
    "Atlas",
    "Pioneer",
    "Vertex",
    "Orbit",
    "Keystone",
]
NAME_B = ["Peak", "Line", "Path", "Bridge", "Stone", "Wave", "Field", "Gate", "Point", "Ridge"]
NAME_C = [
    "Systems",
    "Solutions",
    "IT",
    "Networks",
    "Technologies",
    "Partners",
    "Digital",
    "Services",
    "Installations",
    "Integration",
]
SPECIALTIES = [
    "Cloud",
    "Security",
    "Networking",
    "Backup",
    "VoIP",
    "Solar",
    "HVAC",
    "Smart home",
    "Data centre",
    "Managed print",
    "Retail POS",
    "Healthcare IT",
]
# the vendor's own labels on a few partners: the list's tag filter and the onboarding journey's
# "has tag" condition and tag action show on them
DEMO_TAGS = [["vip"], [], ["webinar-2026"], [], ["vip", "co-marketing"], ["new"], [], ["new"]]
CERTIFICATIONS = ["Certified Installer", "Security Specialist", "Cloud Expert", "Service Partner"]
STREETS = [
    "Main Street",
    "Market Square",
    "Station Road",
    "Harbour Way",
    "Park Avenue",
    "High Street",
    "Industrial Park",
    "Riverside",
    "Church Lane",
    "King's Road",
]


def database_is_empty() -> bool:
    return session.execute(select(func.count(User.id))).scalar_one() == 0


def is_demo() -> bool:
    return (
        session.execute(select(User.id).where(User.email == f"admin@{DOMAIN}")).first() is not None
    )


def _program() -> None:
    session.add(
        ProgramSettings(
            vendor_name="Lumen Devices",
            program_name="Partner Network",
            primary_color="#1e3a8a",
            secondary_color="#0ea5e9",
            support_email=f"partners@{DOMAIN}",
            welcome_text="Co-branded campaigns, assets and leads for Lumen partners.",
        )
    )


def _tiers() -> list[Tier]:
    tiers = [Tier(name=n, rank=r, color=c) for n, r, c in TIERS]
    session.add_all(tiers)
    session.flush()
    return tiers


def _partner(i: int, rng: random.Random, tiers: list[Tier], manager: User) -> Partner:
    city, region, country, postal, lat, lon = CITIES[i % len(CITIES)]
    name = (
        f"{NAME_A[i % len(NAME_A)]}{NAME_B[(i * 7) % len(NAME_B)]} {NAME_C[(i * 3) % len(NAME_C)]}"
    )
    slug = f"{name.lower().replace(' ', '-')}-{city.lower().replace(' ', '-')}"
    status = rng.choices([s.value for s in PartnerStatus], weights=[4, 3, 5, 30, 3, 1])[0]
    domain = slug.split("-")[0] + ".example"
    partner = Partner(
        name=f"{name} {city}",
        slug=slug[:120],
        type=rng.choice([t.value for t in PartnerType]),
        tier_id=rng.choices(tiers, weights=[8, 7, 6, 3])[0].id,
        status=status,
        countries=[country],
        regions=[region],
        specialties=rng.sample(SPECIALTIES, rng.randint(1, 3)),
        certifications=rng.sample(CERTIFICATIONS, rng.randint(0, 2)),
        tags=list(DEMO_TAGS[i % len(DEMO_TAGS)]),
        website=f"https://www.{domain}",
        phone=f"+{rng.randint(1, 99)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
        email=f"hello@{domain}",
        description=f"{name} serves customers in and around {city} with installation, support and "
        f"{', '.join(rng.sample(SPECIALTIES, 2)).lower()} expertise.",
        listed_in_locator=status == PartnerStatus.ACTIVE.value,
        channel_manager_id=manager.id,
    )
    session.add(partner)
    session.flush()
    session.add(PartnerStatusChange(partner_id=partner.id, to_status=status, note="demo"))
    session.add(
        Location(
            partner_id=partner.id,
            label="Head office",
            street=f"{rng.randint(1, 200)} {rng.choice(STREETS)}",
            city=city,
            postal_code=postal,
            region=region,
            country_code=country,
            latitude=round(lat + rng.uniform(-0.03, 0.03), 5),
            longitude=round(lon + rng.uniform(-0.03, 0.03), 5),
            opening_hours="Mo-Fr 09:00-17:00",
            geocode_state="exact",
        )
    )
    _public_profile(i, partner, country)
    return partner


def _public_profile(i: int, partner: Partner, country: str) -> None:
    """What the locator shows: services, languages, a branch for some, Saturday hours for
    others, and one address the geocoder could not find (for the vendor's list to fix)."""
    extra = random.Random(1000 + i)  # apart from the main generator: its sequence stays
    partner.services = extra.sample(SERVICES, extra.randint(1, 3))
    partner.languages = sorted({"en", *COUNTRY_LANGUAGES.get(country, [])})
    head = partner.locations[0] if partner.locations else None
    if head is None:
        session.flush()
        head = partner.locations[0]
    if i % 4 == 1:
        head.opening_hours = "Mo-Fr 08:00-18:00\nSa 09:00-13:00"
    if i % 5 == 2:
        session.add(
            Location(
                partner_id=partner.id,
                label="Branch",
                street=f"{extra.randint(1, 200)} {extra.choice(STREETS)}",
                city=head.city,
                postal_code=head.postal_code,
                region=head.region,
                country_code=head.country_code,
                latitude=round(head.latitude + extra.uniform(-0.12, 0.12), 5),
                longitude=round(head.longitude + extra.uniform(-0.12, 0.12), 5),
                opening_hours="Mo-Fr 09:00-17:00",
                geocode_state="exact",
            )
        )
    if i == 7:
        session.add(
            Location(
                partner_id=partner.id,
                label="Warehouse",
                street="Unknown Road 1",
                city="Qwzxville",
                country_code=head.country_code,
                geocode_state="failed",
                geocode_note=f"No place called Qwzxville was found in {head.country_code}.",
            )
        )


def _starter_templates(author: User) -> None:
    """The starter library, published, so campaigns can be built at once."""
    from brand_templates import starter_slugs
    from brand_templates.library import load_starter
    from brand_templates.versions import import_template, publish

    for slug in starter_slugs():
        publish(session, import_template(session, load_starter(slug), slug=slug, user_id=author.id))


@dataclass(frozen=True)
class Demo:
    """What the demo loaded: (role, email, password) per login, and its campaigns."""

    logins: list[tuple[str, str, str]]
    campaigns: Loaded


def load(count: int = 50) -> Demo | None:
    """Fill an empty database (commits); what was loaded, or None if it was not empty."""
    from app.cli.demo_campaigns import load_campaigns
    from app.cli.demo_recruitment import load_recruitment

    if not database_is_empty():
        return None
    rng = random.Random(2026)
    _program()
    tiers = _tiers()
    logins = []
    staff = {}
    for role, local in [
        (Role.ADMIN, "admin"),
        (Role.MARKETER, "marketer"),
        (Role.CHANNEL_MANAGER, "manager"),
    ]:
        staff[role] = people.create_user(
            f"{local}@{DOMAIN}", PASSWORD, role, name=local.capitalize() + " Demo", actor="demo"
        )
        logins.append((role.value, f"{local}@{DOMAIN}", PASSWORD))
    created = [_partner(i, rng, tiers, staff[Role.CHANNEL_MANAGER]) for i in range(count)]
    for partner in created:
        kit = brand_kits.set_logo(partner, generate_logo(partner.name, seed=partner.id), "demo")
        if kit.logo_colors:
            kit.primary_color = kit.logo_colors[0]
        kit.tagline = "Your local experts"
    _starter_templates(staff[Role.MARKETER])
    first = created[0]
    # the demo partner users' partner: active, and Gold, so that it sees every live campaign
    first.status = PartnerStatus.ACTIVE.value
    # through the domain, so that its history shows the change in words ("Tier: Silver → Gold")
    manager = staff[Role.CHANNEL_MANAGER]
    partners.update_partner(first, {"tier": "Gold"}, manager, only=("tier",))
    session.flush()
    home = first.locations[0] if first.locations else None
    showroom = {"label": "Showroom", "street": "Marktplatz 1", "public": True}
    showroom["city"] = home.city if home else "Munich"
    showroom["country_code"] = home.country_code if home else "DE"
    # placed at once from the offline gazetteer (a running worker would do the same)
    geocoding.geocode_location(locations.add_location(first, showroom, manager))
    for role, local in [
        (Role.PARTNER_ADMIN, "partner.admin"),
        (Role.PARTNER_MEMBER, "partner.member"),
    ]:
        people.create_user(
            f"{local}@{DOMAIN}",
            PASSWORD,
            role,
            name=local.title().replace(".", " "),
            partner_id=first.id,
            actor="demo",
        )
        logins.append((role.value, f"{local}@{DOMAIN}", PASSWORD))
    session.commit()
    campaigns = load_campaigns(staff[Role.MARKETER], first, rng)
    from app.cli.demo_journeys import load_journeys

    load_journeys(staff[Role.MARKETER], rng)
    load_recruitment(created[1])
    from app.cli.demo_scorecards import load_scorecards

    load_scorecards(rng)
    from app.cli.demo_leads import load_leads

    load_leads(rng, first, session.execute(select(ProgramSettings)).scalars().first().program_name)
    return Demo(logins, campaigns)
