"""Journeys in the admin area: the list, the visual flow editor (server-rendered forms that JS
only enhances), publishing, trying a journey out, its funnel and numbers, its enrollments."""

from __future__ import annotations

from datetime import date

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app import clock
from app import validation as v
from app.db import session
from app.web import charts, confirm
from app.web.access import MARKETERS, VENDOR, roles
from app.web.admin import bp
from app.web.admin import journey_forms as forms
from app.web.admin.campaigns import _form_options, _picked_partners, _rules_from_form
from app.web.common import form_page, get_or_404, save_form, uploaded_bytes
from brand_templates.models import BrandTemplate, BrandTemplateVersion
from campaigns.journeys import (
    analytics,
    checks,
    editing,
    lifecycle,
    listing,
    preview,
    prospect_csv,
)
from campaigns.journeys import definition as d
from campaigns.journeys import starters as starter_lib
from campaigns.journeys.models import (
    EXIT_REASON_LABELS,
    JOURNEY_STATUS_LABELS,
    EnrollmentState,
    Journey,
    JourneyStatus,
)
from directory.models import Partner, PartnerStatus

PER_PAGE = 50
STATE_LABELS = {"active": "Inside", "paused": "Paused", "done": "Finished"}
OVER_TIME = [
    charts.Series("entered", "Entered", "#1e3a8a"),
    charts.Series("sent", "Emails sent", "#f59e0b"),
    charts.Series("clicks", "Clicks", "#0f766e"),
    charts.Series("goals", "Goal reached", "#be185d"),
]


def _journey(journey_id: int) -> Journey:
    return get_or_404(Journey, journey_id)


def _row_ids(text: str) -> list[int]:
    """The ids in comma-separated TEXT that can name a row (others name nothing)."""
    numbers = [int(x) for x in text.replace(" ", "").split(",") if x.isdigit() and len(x) < 12]
    return [n for n in numbers if v.is_row_id(n)]


def _errors_of(exc: v.ValidationFailed) -> str:
    return " ".join(exc.errors.values())


# --- the list ---------------------------------------------------------------------------------


@bp.get("/journeys")
@roles(VENDOR)
def journeys():
    return _list_page({})


def _list_page(errors: dict):
    """The journeys; with ERRORS, the new-journey form shown again as typed (400)."""
    status = request.args.get("status") or None
    if status not in {s.value for s in JourneyStatus}:
        status = None
    rows = analytics.list_journeys(status)
    return form_page(
        "admin/journeys/list.html",
        errors=errors,
        rows=rows,
        waiting=listing.waiting_counts([row["journey"].id for row in rows]),
        status=status,
        statuses=JOURNEY_STATUS_LABELS,
        starters=starter_lib.starters(),
        questions={"stop": _stop_question, "pause": _pause_question},
    )


@bp.post("/journeys/new")
@roles(MARKETERS)
def journey_new():
    """A new draft, blank or copied from a starter; on to the editor."""
    starter = request.form.get("starter") or ""

    def create() -> Journey:
        if starter:
            return starter_lib.copy_starter(starter, current_user)
        name = request.form.get("name", "").strip()
        return lifecycle.create_journey({"name": name or "New journey"}, current_user)

    outcome = save_form(
        create,
        success=lambda j: f"{j.name} is created as a draft. Build its flow, then publish it.",
        done=lambda j: url_for("admin.journey_edit", journey_id=j.id),
    )
    return outcome.response or _list_page(outcome.errors)


def _stop_question(journey: Journey) -> confirm.Question:
    return confirm.Question(
        title=f"Stop {journey.name}?",
        message=(
            "Everyone inside leaves the journey now and nobody enters it again. "
            "This cannot be undone (you can copy the journey)."
        ),
        confirm_label="Stop journey",
    )


def _pause_question(journey: Journey) -> confirm.Question:
    return confirm.Question(
        title=f"Pause {journey.name}?",
        message="Nobody moves on and nobody enters until you resume it; waits keep their times.",
        confirm_label="Pause journey",
        danger=False,
    )


@bp.post("/journeys/<int:journey_id>/status")
@roles(MARKETERS)
def journey_status(journey_id: int):
    journey = _journey(journey_id)
    action = request.form.get("action")
    back = request.form.get("back") == "detail"
    done = (
        url_for("admin.journey_detail", journey_id=journey.id)
        if back
        else url_for("admin.journeys")
    )
    questions = {"stop": _stop_question, "pause": _pause_question}
    if action in questions and not confirm.confirmed():
        return confirm.confirmation_page(
            questions[action](journey),
            layout="admin/layout.html",
            cancel_url=done,
            keep=("action", "back"),
        )
    actions = {"pause": lifecycle.pause, "resume": lifecycle.resume, "stop": lifecycle.stop}
    if action not in actions:
        flash("Choose pause, resume or stop.", "error")
        return redirect(done)
    try:
        actions[action](journey, current_user)
        session.commit()
        flash(
            {"pause": "Paused.", "resume": "Resumed.", "stop": "Stopped."}[action],
            "success",
        )
    except v.ValidationFailed as exc:
        session.rollback()
        flash(_errors_of(exc), "error")
    return redirect(done)


# --- the editor -------------------------------------------------------------------------------


def _email_templates() -> list[tuple[int, str]]:
    """(version id, name) of every published email brand template, the newest version each."""
    rows = session.execute(
        select(BrandTemplateVersion.id, BrandTemplate.name, BrandTemplateVersion.number)
        .join(BrandTemplate, BrandTemplate.id == BrandTemplateVersion.template_id)
        .where(BrandTemplate.kind == "email", BrandTemplateVersion.published.is_(True))
        .order_by(BrandTemplate.name, BrandTemplateVersion.number.desc())
    ).all()
    return [(vid, f"{name} (version {number})") for vid, name, number in rows]


def _editor(
    journey: Journey,
    *,
    errors: dict | None = None,
    step_errors: dict | None = None,
    attempted: dict | None = None,
    settings: dict | None = None,
    open_step: str | None = None,
    simulation: dict | None = None,
    status: int = 200,
):
    """The editor page. ATTEMPTED: a step as typed that was refused (shown in its form);
    SETTINGS: the settings as typed, when they were refused."""
    draft = journey.draft or d.empty()
    try:
        problems = checks.messages_by_step(checks.problems(checks.clean_definition(draft)))
    except v.ValidationFailed as exc:
        problems = editing.errors_by_step(draft, exc.errors)
    shown = settings or draft
    aud = shown.get("audience") or {}
    picker_data = {
        "include_partner_ids": ", ".join(map(str, aud.get("include_partner_ids") or [])),
        "exclude_partner_ids": ", ".join(map(str, aud.get("exclude_partner_ids") or [])),
    }
    steps = d.steps_by_id(draft)
    options = _form_options(picker_data)
    options.pop("statuses")
    return render_template(
        "admin/journeys/editor.html",
        journey=journey,
        draft=draft,
        shown=shown,
        flow=editing.layout(draft),
        steps=steps,
        email_steps=[
            (sid, s.get("title") or sid) for sid, s in steps.items() if s["type"] == "email"
        ],
        problems=problems,
        errors=errors or {},
        step_errors=step_errors or {},
        attempted=attempted or {},
        open_step=open_step,
        simulation=simulation,
        unpublished=lifecycle.has_unpublished_changes(journey),
        templates=_email_templates(),
        **forms.editor_choices(),
        addable=[(k, d.STEP_TYPE_LABELS[k]) for k in editing.ADDABLE],
        labels=d.STEP_TYPE_LABELS,
        f=forms,
        d=d,
        statuses=JOURNEY_STATUS_LABELS,
        partner_statuses=[s.value for s in PartnerStatus],
        goal_facts=forms.goal_facts(shown),
        editable=journey.status != JourneyStatus.STOPPED.value,
        f_exit_keys=editing.exit_keys,
        **options,
        rules=(aud.get("rules") if aud.get("kind", "partners") == "partners" else {}) or {},
    ), status


@bp.get("/journeys/<int:journey_id>/edit")
@roles(MARKETERS)
def journey_edit(journey_id: int):
    journey = _journey(journey_id)
    return _editor(journey, open_step=request.args.get("open"))


@bp.post("/journeys/<int:journey_id>/edit")
@roles(MARKETERS)
def journey_settings(journey_id: int):
    """Save the name, audience, entry trigger, goal, exit and re-entry rules, send window."""
    journey = _journey(journey_id)
    form = request.form
    include, include_problem = _picked_partners(form, "include_partner_ids")
    exclude, exclude_problem = _picked_partners(form, "exclude_partner_ids")
    settings = forms.settings_from_form(
        form, journey.draft or d.empty(), _rules_from_form(form), include, exclude
    )
    picker_errors = {
        name: problem
        for name, problem in (
            ("include_partner_ids", include_problem),
            ("exclude_partner_ids", exclude_problem),
        )
        if problem
    }
    try:
        if picker_errors:
            raise v.ValidationFailed(picker_errors)
        lifecycle.update_journey(
            journey,
            {
                "name": form.get("name", ""),
                "description": form.get("description", ""),
                "definition": settings,
            },
            current_user,
        )
        session.commit()
    except v.ValidationFailed as exc:
        session.rollback()
        journey = _journey(journey_id)
        typed = Journey(name=form.get("name", ""), description=form.get("description", ""))
        return _editor(
            journey,
            errors=exc.errors,
            settings={**settings, "_name": typed.name, "_description": typed.description},
            status=400,
        )
    flash("Saved.", "success")
    return redirect(url_for("admin.journey_edit", journey_id=journey.id) + "#settings")


@bp.post("/journeys/<int:journey_id>/steps")
@roles(MARKETERS)
def journey_step(journey_id: int):
    """Add a step on an exit of another (action=add), save one's form (save) or remove it."""
    journey = _journey(journey_id)
    action = request.form.get("action") or "save"
    draft = journey.draft or d.empty()
    step_id = request.form.get("step") or ""
    editor = url_for("admin.journey_edit", journey_id=journey.id)
    attempted = None
    new = draft
    try:
        if action == "add":
            new, step_id = editing.add_step(
                draft,
                request.form.get("type") or "",
                after=request.form.get("after") or editing.START,
                exit_key=request.form.get("exit") or "next",
            )
            message = f"{d.STEP_TYPE_LABELS[request.form['type']]} added: set it up below."
        elif action == "remove":
            new = editing.remove_step(draft, step_id)
            message = "Step removed."
        else:
            old = d.step(draft, step_id)
            if old is None:
                raise v.ValidationFailed({"step": "That step is gone; reload the editor."})
            attempted = forms.step_from_form(old, request.form)
            new = editing.replace_step(draft, step_id, attempted)
            message = "Step saved."
        lifecycle.update_journey(journey, {"definition": new}, current_user)
        session.commit()
    except v.ValidationFailed as exc:
        session.rollback()
        journey = _journey(journey_id)
        if attempted is None:
            flash(_errors_of(exc), "error")
            return redirect(editor)
        by_step = editing.errors_by_step(new, exc.errors)
        return _editor(
            journey,
            step_errors={step_id: " ".join(by_step.values())},
            attempted={step_id: attempted},
            open_step=step_id,
            status=400,
        )
    flash(message, "success")
    if action == "remove":
        return redirect(editor + "#flow")
    return redirect(
        url_for("admin.journey_edit", journey_id=journey.id, open=step_id) + f"#form-{step_id}"
    )


@bp.post("/journeys/<int:journey_id>/publish")
@roles(MARKETERS)
def journey_publish(journey_id: int):
    journey = _journey(journey_id)
    move = request.form.get("move_enrollments") == "yes"
    try:
        version = lifecycle.publish(journey, current_user, move_enrollments=move)
        session.commit()
    except v.ValidationFailed as exc:
        session.rollback()
        journey = _journey(journey_id)
        flash("The journey cannot be published yet: " + _errors_of(exc), "error")
        return _editor(journey, step_errors=exc.errors, status=400)
    flash(f"Version {version.number} is published and live.", "success")
    return redirect(url_for("admin.journey_detail", journey_id=journey.id))


@bp.post("/journeys/<int:journey_id>/simulate")
@roles(VENDOR)
def journey_simulate(journey_id: int):
    """The path a chosen partner would take through the draft, without sending anything."""
    journey = _journey(journey_id)
    ids, problem = _picked_partners(request.form, "sim_partner_ids")
    suppose = {
        fact: True for fact in request.form.getlist("suppose") if fact in forms.CONDITION_FACTS
    }
    try:
        if problem:
            raise v.ValidationFailed({"sim_partner_ids": problem})
        chosen = _row_ids(ids)
        if not chosen:
            raise v.ValidationFailed({"sim_partner_ids": "Choose a partner to simulate."})
        published = request.form.get("version") == "published" and journey.current_version
        definition = (
            journey.current_version.definition
            if published
            else checks.clean_definition(journey.draft or d.empty())
        )
        result = preview.simulate(definition, partner_id=chosen[0], suppose=suppose)
    except v.ValidationFailed as exc:
        session.rollback()
        flash(_errors_of(exc), "error")
        if current_user.role not in MARKETERS or request.form.get("version") == "published":
            return redirect(url_for("admin.journey_detail", journey_id=journey.id) + "#try")
        return redirect(url_for("admin.journey_edit", journey_id=journey.id) + "#try")
    session.rollback()  # nothing of a simulation is kept
    partner = session.get(Partner, chosen[0])
    steps = d.steps_by_id(definition)
    simulation = {
        "partner": partner,
        "suppose": suppose,
        "path": [
            {
                **item,
                "title": (steps.get(item["step"]) or {}).get("title") or item["step"],
                "label": d.STEP_TYPE_LABELS.get(item["type"], item["type"]),
            }
            for item in result["path"]
        ],
        "end": result["end"],
    }
    if published or current_user.role not in MARKETERS:
        return render_template(
            "admin/journeys/simulation.html", journey=journey, simulation=simulation
        )
    return _editor(journey, simulation=simulation)


@bp.post("/journeys/<int:journey_id>/test-send")
@roles(MARKETERS)
def journey_test_send(journey_id: int):
    """Send an email step of the draft to yourself as a chosen partner would get it."""
    journey = _journey(journey_id)
    step_id = request.form.get("step") or ""
    ids, problem = _picked_partners(request.form, f"test_partner_ids_{step_id}")
    try:
        if problem:
            raise v.ValidationFailed({"partner": problem})
        chosen = _row_ids(ids)
        if not chosen:
            raise v.ValidationFailed({"partner": "Choose a partner to send the test as."})
        definition = checks.clean_definition(journey.draft or d.empty())
        preview.test_send(definition, step_id, partner_id=chosen[0], to=current_user.email)
        session.commit()
    except v.ValidationFailed as exc:
        session.rollback()
        flash(_errors_of(exc), "error")
    else:
        flash(f"A test of this email is on its way to {current_user.email}.", "success")
    return redirect(
        url_for("admin.journey_edit", journey_id=journey_id, open=step_id) + f"#form-{step_id}"
    )


# --- the detail: funnel, numbers, chart -------------------------------------------------------


@bp.get("/journeys/<int:journey_id>")
@roles(VENDOR)
def journey_detail(journey_id: int):
    journey = _journey(journey_id)
    definition = (
        journey.current_version.definition if journey.current_version else journey.draft
    ) or d.empty()
    funnel = {row["step"]: row for row in analytics.funnel(journey.id)}
    stats = analytics.email_stats(journey.id)
    per_day = analytics.over_time(journey.id, days=60)
    points = {date.fromisoformat(row["day"]): row for row in per_day}
    steps = d.steps_by_id(definition)
    chart = charts.time_series(
        "Journey activity over time",
        points,
        OVER_TIME,
        end=clock.now().date(),
        what="People and emails",
    )
    return render_template(
        "admin/journeys/detail.html",
        journey=journey,
        definition=definition,
        flow=editing.layout(definition),
        steps=steps,
        funnel=funnel,
        stats=stats,
        conversion=analytics.conversion(journey.id),
        counts=analytics.state_counts([journey.id]).get(journey.id, {}),
        waiting=listing.waiting_counts([journey.id]).get(journey.id, 0),
        chart=chart,
        labels=d.STEP_TYPE_LABELS,
        f=forms,
        statuses=JOURNEY_STATUS_LABELS,
        questions={"stop": _stop_question, "pause": _pause_question},
        unpublished=lifecycle.has_unpublished_changes(journey),
        suggestions=_form_options({})["suggestions"],
    )


@bp.get("/journeys/<int:journey_id>/export.csv")
@roles(VENDOR)
def journey_export(journey_id: int):
    journey = _journey(journey_id)
    response = Response(analytics.export_csv(journey.id), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="journey-{journey.id}-enrollments.csv"'
    )
    return response


# --- enrollments ------------------------------------------------------------------------------


@bp.get("/journeys/<int:journey_id>/enrollments")
@roles(VENDOR)
def journey_enrollments(journey_id: int):
    journey = _journey(journey_id)
    state = request.args.get("state") or None
    if state not in STATE_LABELS:
        state = None
    step = request.args.get("step") or None
    try:
        page = max(1, min(int(request.args.get("page") or 1), 100_000))
    except ValueError:
        page = 1
    definition = (
        journey.current_version.definition if journey.current_version else journey.draft
    ) or d.empty()
    steps = d.steps_by_id(definition)
    if step not in steps:
        step = None
    result = listing.enrollments_page(
        journey.id, state=state, step=step, page=page, per_page=PER_PAGE
    )
    picker_options = _form_options({"include_partner_ids": request.args.get("_none", "")})
    return render_template(
        "admin/journeys/enrollments.html",
        journey=journey,
        result=result,
        paths={
            item["enrollment"].id: analytics.path(item["enrollment"].id) for item in result["items"]
        },
        state=state,
        step=step,
        page=page,
        pages=max(1, -(-result["total"] // PER_PAGE)),
        steps=steps,
        state_labels=STATE_LABELS,
        exit_labels={str(k): label for k, label in EXIT_REASON_LABELS.items()},
        prospects=d.audience_kind(definition) == "prospects",
        suggestions=picker_options["suggestions"],
        live=journey.status == JourneyStatus.LIVE.value,
    )


@bp.post("/journeys/<int:journey_id>/enrollments")
@roles(MARKETERS)
def journey_enroll(journey_id: int):
    """Enroll partners picked by hand, or the prospects of an uploaded CSV."""
    journey = _journey(journey_id)
    back = url_for("admin.journey_enrollments", journey_id=journey.id)
    try:
        data = uploaded_bytes("file")
        if data is not None:
            prospect_ids, made = prospect_csv.for_enrollment(data, current_user)
            result = lifecycle.enroll_many(journey, current_user, prospect_ids=prospect_ids)
            note = f" ({made} new prospects added)" if made else ""
        else:
            ids, problem = _picked_partners(request.form, "partner_ids")
            if problem:
                raise v.ValidationFailed({"partner_ids": problem})
            chosen = _row_ids(ids)
            if not chosen:
                raise v.ValidationFailed({"partner_ids": "Choose at least one partner."})
            result = lifecycle.enroll_many(journey, current_user, partner_ids=chosen)
            note = ""
        session.commit()
    except v.ValidationFailed as exc:
        session.rollback()
        flash(_errors_of(exc), "error")
        return redirect(back)
    skipped = result["skipped"]
    flash(
        f"{result['enrolled']} enrolled{note}."
        + (
            f" {skipped} could not enter (outside the audience, already inside, or the re-entry "
            "rule)."
            if skipped
            else ""
        ),
        "success" if result["enrolled"] else "info",
    )
    return redirect(back)


def _state_label(enrollment) -> str:
    if enrollment.state == EnrollmentState.DONE.value:
        return EXIT_REASON_LABELS.get(enrollment.exit_reason, "Finished")
    return STATE_LABELS.get(enrollment.state, "Inside")


@bp.app_template_filter("enrollment_state")
def enrollment_state_filter(enrollment) -> str:
    return _state_label(enrollment)
