"""API: prospects (vendor staff only)."""

from __future__ import annotations

from app.web.access import VENDOR, roles
from app.web.api import bp
from app.web.api.common import changed, created, filters_or_400, page_json
from app.web.api.formats import moment
from app.web.api.schemas.recruitment import (
    PROSPECT,
    PROSPECT_CREATE,
    PROSPECT_PAGE,
    PROSPECT_QUERY,
    PROSPECT_UPDATE,
)
from app.web.api.spec import operation
from app.web.common import get_or_404
from campaigns.journeys import fit, prospects
from campaigns.journeys.models import Prospect


def prospect_json(
    p: Prospect,
    score: fit.RecruitmentScore,
    *,
    duplicates: prospects.Duplicates | None = None,
) -> dict:
    found = {
        "id": p.id,
        "company": p.company,
        "contact_name": p.contact_name,
        "email": p.email,
        "country": p.country,
        "website": p.website,
        "domain": p.domain,
        "source": p.source,
        "status": p.status,
        "notes": p.notes,
        "partner_id": p.partner_id,
        "created_at": moment(p.created_at),
        "recruitment_score": score.as_dict(),
    }
    if duplicates is not None:
        found["duplicates"] = {
            "partners": [x.id for x in duplicates.partners],
            "prospects": [x.id for x in duplicates.prospects],
        }
    return found


def _with_duplicates(p: Prospect) -> dict:
    return prospect_json(
        p,
        fit.for_prospects([p])[p.id],
        duplicates=prospects.duplicates(p.email, p.domain, exclude_prospect_id=p.id),
    )


@bp.get("/prospects")
@roles(VENDOR)
@operation("Search prospects", response=PROSPECT_PAGE, query=PROSPECT_QUERY, tag="recruitment")
def prospects_index():
    filters = filters_or_400(prospects.ProspectFilters)
    if filters.sort == "score":
        page, scores = fit.search_by_score(filters)
    else:
        page = prospects.search_prospects(filters)
        scores = fit.for_prospects(page.items)
    return page_json(page, lambda p: prospect_json(p, scores[p.id]))


@bp.post("/prospects")
@roles(VENDOR)
@operation(
    "Add a prospect (the answer names its duplicates)",
    body=PROSPECT_CREATE,
    response=PROSPECT,
    status=201,
    tag="recruitment",
)
def prospects_create():
    return created(prospects.create_prospect, _with_duplicates)


@bp.get("/prospects/<int:prospect_id>")
@roles(VENDOR)
@operation("One prospect, with its duplicates", response=PROSPECT, tag="recruitment")
def prospect_show(prospect_id: int):
    return _with_duplicates(get_or_404(Prospect, prospect_id))


@bp.patch("/prospects/<int:prospect_id>")
@roles(VENDOR)
@operation("Change a prospect", body=PROSPECT_UPDATE, response=PROSPECT, tag="recruitment")
def prospect_update(prospect_id: int):
    return changed(get_or_404(Prospect, prospect_id), prospects.update_prospect, _with_duplicates)
