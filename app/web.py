"""Small helpers shared by the web faces."""

from __future__ import annotations

from flask import abort, flash, request

from app.db import session
from app.validation import ValidationFailed, is_row_id


def form_data() -> dict[str, str]:
    """The submitted form, one value per field (the last one: a checked box beats its hidden 'no')."""
    return {key: values[-1] for key, values in request.form.lists() if key != "csrf_token"}


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
