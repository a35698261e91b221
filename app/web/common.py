"""Small helpers shared by the web faces."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request
from flask_login import current_user

from app import validation as v
from app.db import session
from app.storage import StorageError, get_storage
from app.validation import ValidationFailed, is_row_id
from directory import locations


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


# files are revalidated by their ETag (the render key) on every use
FILE_CACHE = "private, max-age=0, must-revalidate"
# a downloaded HTML email opened in the browser shows, and runs nothing
FILE_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


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
        response.headers["Content-Security-Policy"] = FILE_CSP
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
        data = form_data()
        try:
            if location is None:
                locations.add_location(partner, data, current_user)
            else:
                locations.update_location(location, data, current_user)
            session.commit()
            flash("Location saved.", "success")
            return redirect(done)
        except ValidationFailed as exc:
            session.rollback()
            errors = exc.errors
    return render_template(
        "location_form.html",
        layout=layout,
        partner=partner,
        location=location,
        data=data,
        errors=errors,
    ), (400 if errors else 200)
