"""Demo recruitment: prospects (some invited, one a duplicate of a partner) and two
applications waiting for review, sent through the public form's own function."""

from __future__ import annotations

from app.db import session
from campaigns.journeys import applications, prospects
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
APPLICATIONS = [
    {
        "company": "Fjord Solar AS",
        "contact_name": "Ola Nordmann",
        "email": "ola@fjordsolar.example.com",
        "phone": "+47 22 12 34 56",
        "country": "NO",
        "website": "https://fjordsolar.example.com",
        "partner_type": "installer",
        "specialties": "Solar, Storage",
        "message": "We install about 300 rooftop systems a year around Bergen.",
        "consent": "yes",
    },
    {
        "company": "Greenline Trading Ltd",
        "contact_name": "Priya Shah",
        "email": "priya@greenline-trading.example.com",
        "phone": "+44 20 7946 0000",
        "country": "GB",
        "website": "greenline-trading.example.com",
        "partner_type": "distributor",
        "specialties": "Inverters, Batteries",
        "message": "Distributor for the UK and Ireland, 40 resellers in our network.",
        "consent": "yes",
    },
]


def load_recruitment(partner: Partner) -> None:
    """The prospects and the two applications (commits). PARTNER gets a prospect look-alike,
    so that the list flags a duplicate."""
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
    for form in APPLICATIONS:
        applications.submit(form)
    session.commit()
