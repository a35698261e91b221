"""Demo recruitment: prospects from several sources, some invited, one the look-alike of a
partner (flagged as a duplicate). The two applications waiting for review come with the
recruitment journey's demo (``app.cli.demo_journeys``)."""

from __future__ import annotations

from app.db import session
from campaigns.journeys import prospects
from campaigns.journeys.models import ProspectStatus
from directory.models import Partner

PROSPECTS = [
    (
        "Northwind Energy",
        "Lena Berg",
        "lena@northwind-energy.example.com",
        "DE",
        "Trade fair",
        True,
    ),
    ("Fjord Solar AS", "Ola Nordmann", "ola@fjordsolar.example.com", "NO", "Trade fair", True),
    (
        "Sunrise Installers",
        "Maria Rossi",
        "maria@sunrise-installers.example.com",
        "IT",
        "Web",
        False,
    ),
    (
        "Atlas Distribution",
        "Tom Baker",
        "tom@atlas-distribution.example.com",
        "GB",
        "Referral",
        True,
    ),
    ("Vega Systems", "Ana Lopez", "ana@vegasystems.example.com", "ES", "Web", False),
    ("Helio Service", "Jan de Vries", "jan@helioservice.example.com", "NL", "Referral", False),
]


def load_recruitment(partner: Partner) -> None:
    """The prospects (commits). PARTNER gets a prospect look-alike, so that the list flags a
    duplicate."""
    for company, contact, email, country, source, invited in PROSPECTS:
        prospect = prospects.create_prospect(
            {
                "company": company,
                "contact_name": contact,
                "email": email,
                "country": country,
                "website": "https://" + email.split("@")[1],
                "source": source,
            },
            "demo",
        )
        if invited:
            prospect.status = ProspectStatus.INVITED.value
    if partner.website:
        prospects.create_prospect(
            {
                "company": partner.name,
                "email": "sales@" + prospects.domain_of(partner.website),
                "country": (partner.countries or [""])[0],
                "website": partner.website,
                "source": "Purchased list",
            },
            "demo",
        )
    session.commit()
