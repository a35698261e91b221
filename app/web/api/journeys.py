"""Journeys in the REST API for vendor staff: build, publish, pause, stop, enroll, simulate.

The views call the same domain functions as the admin screens (``campaigns.journeys``); the
schemas are in ``app.web.api.schemas.journeys``.
"""

from __future__ import annotations

from flask import abort, g, request

from app import validation as v
from app.db import session
from app.web.access import MARKETERS, VENDOR, acting_user, roles
from app.web.api import bp
from app.web.api.common import changed, choice_arg
from app.web.api.formats import moment
from app.web.api.schemas.journeys import (
    ENROLL_IN,
    ENROLL_OUT,
    ENROLLMENT_LIST,
    ENROLLMENT_STATES,
    JOURNEY_CREATE,
    JOURNEY_DETAIL,
    JOURNEY_LIST,
    JOURNEY_UPDATE,
    PUBLISH_IN,
    SIMULATE_IN,
    SIMULATION,
    STATUSES,
    TAG,
)
from app.web.api.spec import operation
from app.web.common import get_or_404
from campaigns.journeys import analytics, checks, lifecycle, listing, preview, starters
from campaigns.journeys.models import Journey

EMPTY_COUNTS = {"active": 0, "paused": 0, "done": 0, "goal": 0, "total": 0}


def journey_json(journey: Journey, version: int | None, counts: dict | None) -> dict:
    return {
        "id": journey.id,
        "name": journey.name,
        "description": journey.description or "",
        "status": journey.status,
        "version": version,
        "starter": journey.starter or "",
        "counts": dict(counts or EMPTY_COUNTS),
        "created_at": moment(journey.created_at),
        "published_at": moment(journey.published_at),
    }


def journey_detail_json(journey: Journey) -> dict:
    version = journey.current_version
    counts = analytics.state_counts([journey.id]).get(journey.id)
    try:
        problems = checks.problems(checks.clean_definition(journey.draft))
    except v.ValidationFailed as exc:
        problems = [{"step": key, "message": message} for key, message in exc.errors.items()]
    return {
        **journey_json(journey, version.number if version else None, counts),
        "draft": journey.draft or {},
        "definition": version.definition if version else None,
        "unpublished_changes": lifecycle.has_unpublished_changes(journey),
        "problems": problems,
        "funnel": analytics.funnel(journey.id),
        "emails": analytics.email_stats(journey.id),
        "conversion": analytics.conversion(journey.id),
    }


@bp.get("/journeys")
@roles(VENDOR)
@operation(
    "Journeys, newest first, with their enrollment counts",
    response=JOURNEY_LIST,
    tag=TAG,
    query={"status": {"type": "string", "enum": STATUSES}},
)
def journeys_index():
    status = choice_arg("status", STATUSES, "a journey status")
    return {
        "items": [
            journey_json(row["journey"], row["version"], row["counts"])
            for row in analytics.list_journeys(status)
        ]
    }


@bp.post("/journeys")
@roles(MARKETERS)
@operation(
    "Create a draft journey (from a definition, or a copy of a starter)",
    body=JOURNEY_CREATE,
    response=JOURNEY_DETAIL,
    status=201,
    tag=TAG,
)
def journeys_create():
    data = dict(g.api_body)
    if data.get("starter"):
        journey = starters.copy_starter(data["starter"], acting_user(), name=data.get("name"))
    else:
        journey = lifecycle.create_journey(data, acting_user())
    session.commit()
    return journey_detail_json(journey), 201


@bp.get("/journeys/<int:journey_id>")
@roles(VENDOR)
@operation(
    "One journey: its draft, its published definition, problems, funnel and email figures",
    response=JOURNEY_DETAIL,
    tag=TAG,
)
def journey_show(journey_id: int):
    return journey_detail_json(get_or_404(Journey, journey_id))


@bp.patch("/journeys/<int:journey_id>")
@roles(MARKETERS)
@operation(
    "Change a journey's name, description or draft (publish to make a new version)",
    body=JOURNEY_UPDATE,
    response=JOURNEY_DETAIL,
    tag=TAG,
)
def journey_update(journey_id: int):
    journey = get_or_404(Journey, journey_id)
    return changed(journey, lifecycle.update_journey, journey_detail_json)


@bp.post("/journeys/<int:journey_id>/publish")
@roles(MARKETERS)
@operation(
    "Publish the draft as a new version and make the journey live (422 lists its problems)",
    body=PUBLISH_IN,
    response=JOURNEY_DETAIL,
    tag=TAG,
)
def journey_publish(journey_id: int):
    journey = get_or_404(Journey, journey_id)
    lifecycle.publish(
        journey, acting_user(), move_enrollments=bool(g.api_body.get("move_enrollments"))
    )
    session.commit()
    return journey_detail_json(journey)


def _acted(journey_id: int, act) -> dict:
    """ACT(journey, acting user) on the journey, committed: its JSON as it is now."""
    journey = get_or_404(Journey, journey_id)
    act(journey, acting_user())
    session.commit()
    return journey_detail_json(journey)


@bp.post("/journeys/<int:journey_id>/pause")
@roles(MARKETERS)
@operation("Pause a live journey", response=JOURNEY_DETAIL, tag=TAG)
def journey_pause(journey_id: int):
    return _acted(journey_id, lifecycle.pause)


@bp.post("/journeys/<int:journey_id>/resume")
@roles(MARKETERS)
@operation("Resume a paused journey", response=JOURNEY_DETAIL, tag=TAG)
def journey_resume(journey_id: int):
    return _acted(journey_id, lifecycle.resume)


@bp.post("/journeys/<int:journey_id>/stop")
@roles(MARKETERS)
@operation("Stop a journey for good: everyone inside exits", response=JOURNEY_DETAIL, tag=TAG)
def journey_stop(journey_id: int):
    return _acted(journey_id, lifecycle.stop)


@bp.post("/journeys/<int:journey_id>/simulate")
@roles(VENDOR)
@operation(
    "The path a partner or prospect would take through the draft, without sending",
    body=SIMULATE_IN,
    response=SIMULATION,
    tag=TAG,
)
def journey_simulate(journey_id: int):
    journey = get_or_404(Journey, journey_id)
    data = g.api_body
    definition = checks.clean_definition(journey.draft)
    return preview.simulate(
        definition,
        partner_id=data.get("partner_id"),
        prospect_id=data.get("prospect_id"),
        suppose=data.get("suppose") or {},
    )


def enrollment_json(item: dict) -> dict:
    e = item["enrollment"]
    return {
        "id": e.id,
        "subject": item["subject"],
        "partner_id": e.partner_id,
        "prospect_id": e.prospect_id,
        "version": e.version.number if e.version else None,
        "state": e.state,
        "step": e.step_id,
        "exit_reason": e.exit_reason or "",
        "next_run_at": moment(e.next_run_at),
        "entered_at": moment(e.entered_at),
        "finished_at": moment(e.finished_at),
        "source": e.source or "",
    }


@bp.get("/journeys/<int:journey_id>/enrollments")
@roles(VENDOR)
@operation(
    "The journey's enrollments, newest first",
    response=ENROLLMENT_LIST,
    tag=TAG,
    query={
        "state": {"type": "string", "enum": ENROLLMENT_STATES},
        "page": {"type": "integer", "minimum": 1, "maximum": 100_000},
    },
)
def journey_enrollments(journey_id: int):
    journey = get_or_404(Journey, journey_id)
    state = choice_arg("state", ENROLLMENT_STATES, "an enrollment state")
    page = request.args.get("page", "1")
    if not page.isdigit() or not 1 <= int(page) <= 100_000:
        abort(400, "The page is a number from 1.")
    found = listing.enrollments_page(journey.id, state=state, page=int(page))
    return {"items": [enrollment_json(i) for i in found["items"]], "total": found["total"]}


@bp.post("/journeys/<int:journey_id>/enrollments")
@roles(VENDOR)
@operation(
    "Enroll partners or prospects by hand (the audience and re-entry rules apply)",
    body=ENROLL_IN,
    response=ENROLL_OUT,
    tag=TAG,
)
def journey_enroll(journey_id: int):
    journey = get_or_404(Journey, journey_id)
    data = g.api_body
    result = lifecycle.enroll_many(
        journey,
        acting_user(),
        partner_ids=data.get("partner_ids") or [],
        prospect_ids=data.get("prospect_ids") or [],
        source="api",
    )
    session.commit()
    return result
