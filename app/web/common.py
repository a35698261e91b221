"""Small helpers shared by the web faces."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Response, abort, flash, redirect, render_template, request
from flask_login import current_user

from app import validation as v
from app.db import session
from app.storage import StorageError, get_storage
from app.validation import ValidationFailed, is_row_id
from campaigns import email_images
from directory import locations, people


def form_data() -> dict[str, str]:
    """The submitted form, one value per field (the last one: a checked box beats its hidden
    'no'). ValidationFailed, naming each field, for a value that is not text (a control
    character or NUL): nothing of such a form reaches the domain."""
    data = {key: values[-1] for key, values in request.form.lists() if key != "csrf_token"}
    errors = {}
    for key, value in data.items():
        try:
            v.check_text(key, "A field's name")
            v.check_text(value, f"The field '{key}'")
        except v.Invalid as exc:
            errors[key] = str(exc)
    if errors:
        raise v.ValidationFailed(errors)
    return data


def get_or_404(model, object_id):
    """A row by id. Under a partner scope another partner's row is not found either."""
    obj = session.get(model, object_id) if is_row_id(object_id) else None
    if obj is None:
        abort(404)
    return obj


def uploaded_bytes(field: str) -> bytes | None:
    """The bytes of an uploaded file, or None if none was chosen.

    MAX_CONTENT_LENGTH bounds the request; the whole file is read so that a refusal for size
    can name the file's real size rather than the limit plus one byte.
    """
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        return None
    return upload.stream.read()


def run_action(action, success) -> bool:
    """One unit of work from a form: commit and flash ``success`` (a text, or a function
    giving it after the action), or roll back everything and flash every error."""
    try:
        action()
        session.commit()
    except ValidationFailed as exc:
        session.rollback()
        flash(" ".join(exc.errors.values()), "error")
        return False
    flash(success() if callable(success) else success, "success")
    return True


@dataclass
class FormOutcome:
    """What ``save_form`` did: RESPONSE (a redirect) when saved, else ERRORS by field name."""

    response: Response | None = None
    errors: dict[str, str] = field(default_factory=dict)


def errors_of(exc: ValueError) -> dict[str, str]:
    """The errors of a refusal by field: a ValidationFailed's own, or anything else (a
    ValueError such as Invalid, or the domain's FieldValueError with ``by_field``) under
    its fields or 'form'."""
    if isinstance(exc, ValidationFailed):
        return dict(exc.errors)
    return dict(getattr(exc, "by_field", None) or {"form": str(exc)})


def save_form(action, *, success, done, refusals=(ValueError,)) -> FormOutcome:
    """One unit of work from a form that is shown again on error: run ACTION, commit, flash
    SUCCESS (a text, or a function of ACTION's result; no message for None) and redirect to
    DONE (a URL, or a function of the result). On a refusal (ValidationFailed, ValueError, or
    REFUSALS) roll back everything and return the errors by field, for ``form_page`` to show
    beside the values typed (the templates show what was posted: ``typed``)."""
    try:
        result = action()
        session.commit()
    except refusals as exc:
        session.rollback()
        return FormOutcome(errors=errors_of(exc))
    message = success(result) if callable(success) else success
    if message:
        flash(message, "success")
    return FormOutcome(response=redirect(done(result) if callable(done) else done))


def form_page(template: str, *, errors: dict | None = None, **context):
    """TEMPLATE rendered with ERRORS: 400 when any, else 200. Its fields show ``typed(...)``
    values, so that what was posted is shown again, never the stored values."""
    errors = errors or {}
    return render_template(template, errors=errors, **context), (400 if errors else 200)


def typed(name: str, stored=""):
    """For a form's template: what was posted under NAME when the page answers a POST (a
    form shown again with its errors), else STORED."""
    if request.method == "POST" and name in request.form:
        return request.form.getlist(name)[-1]
    return "" if stored is None else stored


def typed_list(name: str, stored=(), *, posted_with: str = "csrf_token"):
    """The values of the checkboxes NAME as posted (none ticked is an empty list) when the page
    answers a POST of the form that holds POSTED_WITH, else STORED."""
    if request.method == "POST" and posted_with in request.form:
        return [value for value in request.form.getlist(name) if value]
    return list(stored or ())


def invite_from_form(*, done: str, partner_id=None, roles=None, role=None) -> FormOutcome:
    """The invitation form posted (email, name, and a role among ROLES unless ROLE is fixed)
    saved: an invitation to PARTNER_ID's team (a vendor user's without), then on to DONE; or
    its errors by field, for ``form_page`` to show beside what was typed."""

    def send():
        data = form_data()
        chosen = role or data.get("role") or ""
        if roles is not None and chosen not in roles:
            raise ValidationFailed({"role": "Choose partner admin or partner member."})
        name = data.get("name", "")
        return people.invite(
            data.get("email", ""), chosen, current_user, partner_id=partner_id, name=name
        )

    return save_form(send, success=lambda sent: f"Invitation sent to {sent[0].email}.", done=done)


# files are revalidated by their ETag (the render key) on every use
FILE_CACHE = "private, max-age=0, must-revalidate"
# a previewed HTML email shows (its images are inline), and runs nothing
FILE_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def download_csp() -> str:
    """FILE_CSP for a downloaded HTML email opened in the browser: its images are published
    under BASE_URL (campaigns.email_images)."""
    return FILE_CSP.replace("img-src data:", f"img-src data: {email_images.url_prefix()}")


def file_response(item, *, inline: bool = False) -> Response:
    """ITEM (a stored file: ``render_key``, ``storage_key``, ``content_type``, ``filename``)
    as a download: 304 when the client has it (the render key is the ETag), a short-lived
    presigned redirect with S3 storage, else the bytes with their name."""
    etag = item.render_key
    if request.if_none_match.contains(etag):
        # the same caching as the file's own answer: a 304 updates the cached copy's headers
        return Response(status=304, headers={"ETag": f'"{etag}"', "Cache-Control": FILE_CACHE})
    storage = get_storage()
    presigned = storage.presigned_url(
        item.storage_key, expires=300, filename=item.filename, content_type=item.content_type
    )
    if presigned:
        return redirect(presigned, code=302)
    response = Response(storage.get(item.storage_key), mimetype=item.content_type.split(";")[0])
    response.headers["Content-Disposition"] = (
        f'{"inline" if inline else "attachment"}; filename="{item.filename}"'
    )
    response.set_etag(etag)
    response.headers["Cache-Control"] = FILE_CACHE
    if item.content_type.startswith("text/html"):
        response.headers["Content-Security-Policy"] = download_csp()
    return response


def image_response(data: bytes, key: str) -> Response:
    """Stored image bytes under a content-addressed key, cached for good."""
    mime = {
        "png": "image/png",
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "webp": "image/webp",
        "svg": "image/svg+xml",
    }.get(key.rsplit(".", 1)[-1].lower(), "application/octet-stream")
    response = Response(data, mimetype=mime)
    # keys are content-addressed, so the bytes behind a key never change
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    if mime == "image/svg+xml":
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'"
        )
    return response


def logo_response(partner, variant: str):
    """One variant of a partner's logo (original, trimmed, thumb), or 404."""
    kit = partner.brand_kit
    key = (
        kit
        and {
            "original": kit.logo_key,
            "trimmed": kit.logo_trimmed_key,
            "thumb": kit.logo_thumb_key,
        }[variant]
    )
    if not key:
        abort(404)
    try:
        return image_response(get_storage().get(key), key)
    except StorageError:
        abort(404)


def location_form(partner, location, *, layout: str, done: str):
    """The form of a new (LOCATION None) or existing location of PARTNER: saved in one unit of
    work and back to DONE, or shown again with the values typed and every error (400)."""
    errors: dict = {}
    data = {k: getattr(location, k) for k in locations.CLEANERS} if location else {"public": True}
    if request.method == "POST":
        outcome = save_form(
            lambda: _save_location(partner, location, form_data()),
            success="Location saved.",
            done=done,
        )
        if outcome.response:
            return outcome.response
        errors = outcome.errors
    return form_page(
        "location_form.html",
        errors=errors,
        layout=layout,
        partner=partner,
        location=location,
        data=data,
    )


def _save_location(partner, location, data: dict) -> None:
    if location is None:
        locations.add_location(partner, data, current_user)
    else:
        locations.update_location(location, data, current_user)
