"""Recruitment test data: application forms and prospects, through the domain functions."""

from __future__ import annotations

from campaigns.journeys import applications, prospects


def application_form(**overrides) -> dict:
    """The public form, filled in as an applicant would."""
    return {
        "company": "Delta Solar GmbH",
        "contact_name": "Dana Delta",
        "email": "dana@deltasolar.example",
        "phone": "+49 30 1234567",
        "country": "DE",
        "website": "https://www.deltasolar.example",
        "partner_type": "installer",
        "specialties": "Solar, Storage",
        "message": "We would like to sell your products.",
        "consent": "yes",
        **overrides,
    }


def make_application(**overrides):
    return applications.submit(application_form(**overrides))


def make_prospect(company: str = "Echo Energy", **extra):
    slug = company.split()[0].lower()
    data = {
        "company": company,
        "contact_name": f"{company} contact",
        "email": f"hello@{slug}.example",
        "country": "FR",
        "website": f"https://{slug}.example",
        "source": "Trade fair",
        **extra,
    }
    return prospects.create_prospect(data, "test")
