"""Journeys' lifecycle: create and edit a draft, publish it as a new version, pause, resume,
stop; enroll by hand. One function per action; the caller commits (one transaction each)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select, update

from app import audit, clock
from app import validation as v
from app.db import session
from campaigns.journeys import checks, enrollments
from campaigns.journeys import definition as d
from campaigns.journeys.models import (
    Enrollment,
    EnrollmentState,
    ExitReason,
    Journey,
    JourneyStatus,
    JourneyVersion,
)

OPEN = (EnrollmentState.ACTIVE.value, EnrollmentState.RUNNING.value)


def _meta(data: Mapping, *, creating: bool) -> dict[str, Any]:
    clean = v.collect(
        {
            "name": lambda value: v.text(
                value, max_length=200, required=True, label="The journey's name"
            ),
            "description": lambda value: v.text(value, max_length=2000, label="The description"),
        },
        data,
    )
    if creating and "name" not in clean:
        raise v.ValidationFailed({"name": "The journey's name is required."})
    return clean


def create_journey(data: Mapping, actor, *, starter: str = "") -> Journey:
    clean = _meta(data, creating=True)
    definition = checks.clean_definition(data.get("definition") or d.empty())
    journey = Journey(
        name=clean["name"],
        description=clean.get("description", ""),
        draft=definition,
        starter=starter,
        created_by_id=getattr(actor, "id", None),
    )
    session.add(journey)
    session.flush()
    audit.record(actor, "journey.create", journey, changes={"name": [None, journey.name]})
    return journey


def update_journey(journey: Journey, data: Mapping, actor) -> Journey:
    """Edit the name, description or draft definition; a published journey keeps running on
    its current version until the draft is published."""
    if journey.status == JourneyStatus.STOPPED.value:
        raise v.ValidationFailed({"status": "A stopped journey cannot be edited; copy it."})
    clean = _meta(data, creating=False)
    before = {"name": journey.name, "description": journey.description}
    for key, value in clean.items():
        setattr(journey, key, value)
    if "definition" in data:
        journey.draft = checks.clean_definition(data.get("definition"))
    changes = audit.diff(before, {"name": journey.name, "description": journey.description})
    if "definition" in data:
        changes["definition"] = ["", "edited"]
    audit.record(actor, "journey.update", journey, changes=changes)
    return journey


def has_unpublished_changes(journey: Journey) -> bool:
    version = journey.current_version
    return version is None or version.definition != journey.draft


def publish(journey: Journey, actor, *, move_enrollments: bool = False) -> JourneyVersion:
    """Freeze the draft as the next version and make the journey live.

    Enrollments already inside continue on their version, or with MOVE_ENROLLMENTS move to
    the new version at the same step id (those whose step is gone stay on theirs).
    ValidationFailed with a message per step id when the draft has problems.
    """
    if journey.status == JourneyStatus.STOPPED.value:
        raise v.ValidationFailed({"status": "A stopped journey cannot be published again."})
    definition = checks.clean_definition(journey.draft)
    found = checks.problems(definition)
    if found:
        raise v.ValidationFailed(checks.messages_by_step(found))
    number = (
        session.execute(
            select(func.max(JourneyVersion.number)).where(JourneyVersion.journey_id == journey.id)
        ).scalar()
        or 0
    ) + 1
    version = JourneyVersion(
        journey_id=journey.id,
        number=number,
        definition=definition,
        published_at=clock.now(),
        published_by_id=getattr(actor, "id", None),
    )
    session.add(version)
    session.flush()
    previous = journey.current_version_id
    journey.current_version_id = version.id
    journey.current_version = version
    journey.published_at = version.published_at
    was = journey.status
    journey.status = JourneyStatus.LIVE.value
    moved = 0
    if move_enrollments and previous is not None:
        step_ids = list(d.steps_by_id(definition))
        moved = session.execute(
            update(Enrollment)
            .where(
                Enrollment.journey_id == journey.id,
                Enrollment.version_id != version.id,
                Enrollment.state.in_((*OPEN, EnrollmentState.PAUSED.value)),
                Enrollment.step_id.in_(step_ids),
            )
            .values(version_id=version.id)
            .execution_options(synchronize_session=False)
        ).rowcount
    if was == JourneyStatus.PAUSED.value:
        _resume_enrollments(journey)
    audit.record(
        actor,
        "journey.publish",
        journey,
        changes={"version": [None, number], "moved_enrollments": [None, moved]},
    )
    return version


def _resume_enrollments(journey: Journey) -> None:
    session.execute(
        update(Enrollment)
        .where(
            Enrollment.journey_id == journey.id,
            Enrollment.state == EnrollmentState.PAUSED.value,
        )
        .values(state=EnrollmentState.ACTIVE.value)
        .execution_options(synchronize_session=False)
    )


def pause(journey: Journey, actor) -> Journey:
    """Nobody moves on and nobody enters until it is resumed; the waits keep their times."""
    if journey.status != JourneyStatus.LIVE.value:
        raise v.ValidationFailed({"status": "Only a live journey can be paused."})
    journey.status = JourneyStatus.PAUSED.value
    # a row a worker holds right now finishes its step; the next tick sees the journey paused
    session.execute(
        update(Enrollment)
        .where(
            Enrollment.journey_id == journey.id,
            Enrollment.state == EnrollmentState.ACTIVE.value,
        )
        .values(state=EnrollmentState.PAUSED.value)
        .execution_options(synchronize_session=False)
    )
    audit.record(actor, "journey.pause", journey, changes={"status": ["live", "paused"]})
    return journey


def resume(journey: Journey, actor) -> Journey:
    if journey.status != JourneyStatus.PAUSED.value:
        raise v.ValidationFailed({"status": "Only a paused journey can be resumed."})
    journey.status = JourneyStatus.LIVE.value
    _resume_enrollments(journey)
    audit.record(actor, "journey.resume", journey, changes={"status": ["paused", "live"]})
    return journey


def stop(journey: Journey, actor) -> Journey:
    """End the journey for good: everyone inside exits ('journey stopped')."""
    if journey.status == JourneyStatus.STOPPED.value:
        raise v.ValidationFailed({"status": "The journey is already stopped."})
    before = journey.status
    journey.status = JourneyStatus.STOPPED.value
    now = clock.now()
    session.execute(
        update(Enrollment)
        .where(
            Enrollment.journey_id == journey.id,
            Enrollment.state.in_((*OPEN, EnrollmentState.PAUSED.value)),
        )
        .values(
            state=EnrollmentState.DONE.value,
            exit_reason=ExitReason.STOPPED.value,
            step_id=None,
            next_run_at=None,
            finished_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    audit.record(actor, "journey.stop", journey, changes={"status": [before, "stopped"]})
    return journey


def enroll_many(
    journey: Journey,
    actor,
    *,
    partner_ids: Iterable[int] = (),
    prospect_ids: Iterable[int] = (),
    source: str = "manual",
) -> dict[str, int]:
    """Enroll partners or prospects by hand (or by the API); {"enrolled": n, "skipped": m}."""
    if journey.status != JourneyStatus.LIVE.value:
        raise v.ValidationFailed({"status": "Publish the journey before enrolling anyone."})
    enrolled = skipped = 0
    for partner_id in dict.fromkeys(int(i) for i in partner_ids):
        made = enrollments.enroll(journey, partner_id=partner_id, source=source)
        enrolled, skipped = enrolled + bool(made), skipped + (not made)
    for prospect_id in dict.fromkeys(int(i) for i in prospect_ids):
        made = enrollments.enroll(journey, prospect_id=prospect_id, source=source)
        enrolled, skipped = enrolled + bool(made), skipped + (not made)
    audit.record(actor, "journey.enroll", journey, changes={"enrolled": [None, enrolled]})
    return {"enrolled": enrolled, "skipped": skipped}
