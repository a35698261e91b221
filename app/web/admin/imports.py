"""What the CSV import screens share: the steps upload -> dry run -> import every row (all or
nothing) or the good ones only, with the rows in error sent back as a CSV to fix; the uploaded
file kept in storage between the steps; CSV files sent back (rows to fix, samples)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from flask import Response, flash, render_template, request
from flask_login import current_user

from app.db import session
from app.storage import StorageError, content_key, get_storage
from app.web.common import uploaded_bytes
from directory.csv_rows import CsvError

NOTHING_IMPORTED = "Nothing was imported: fix the rows marked below and upload again."


@dataclass(frozen=True)
class CsvImport:
    """One import of the domain, a module with ``parse(data)``, which reads a new file before
    it is stored (CsvError for a file that cannot be read as a whole), ``run_import(data,
    actor, commit=, only_good=)``, the dry run or the import in one transaction, and
    ``rejected_csv(result)``, the file of the rows to fix, sent as REJECTED_NAME."""

    domain: ModuleType
    rejected_name: str


def import_screen(
    kind: CsvImport,
    template: str,
    imported: Callable[[Any], Response],
    page: Callable[[], dict],
):
    """The view of an import screen: on POST one step of KIND as the form's ``action`` says;
    once rows are committed, IMPORTED(result) answers (a redirect). Else TEMPLATE with the dry
    run's result, the waiting file's key, the file's error (400) and PAGE()'s values."""
    result, upload_key, file_error = None, None, None
    if request.method == "POST":
        action = request.form.get("action")
        try:
            data, upload_key = import_file(kind.domain.parse)
            if action == "rejected":  # the dry run's rows with errors, to fix
                result = kind.domain.run_import(data, current_user, commit=False)
                return csv_file(kind.domain.rejected_csv(result), kind.rejected_name)
            commit = action in ("commit", "commit_good")
            only_good = action == "commit_good"
            result = kind.domain.run_import(data, current_user, commit=commit, only_good=only_good)
            if result.committed:
                get_storage().delete(upload_key)
                return imported(result)
            if commit:
                flash(NOTHING_IMPORTED, "error")
        except CsvError as exc:
            session.rollback()
            file_error, upload_key = str(exc), None
    return render_template(
        template, result=result, upload_key=upload_key, file_error=file_error, **page()
    ), (400 if file_error else 200)


def flash_imported(result, counts: str) -> None:
    """'Imported: COUNTS.' (COUNTS names ``{create}`` and ``{update}``), and how many rows with
    errors were left out."""
    message = "Imported: " + counts.format(
        create=result.count("create"), update=result.count("update")
    )
    if result.error_rows:
        message += f" {len(result.error_rows)} rows with errors were left out."
    flash(message, "success")


def import_file(check: Callable[[bytes], object]) -> tuple[bytes, str]:
    """The file of this import step and its storage key: the one waiting in storage (the form's
    ``upload_key``), or a new upload, which CHECK reads before it is stored. CsvError else."""
    storage = get_storage()
    upload_key = request.form.get("upload_key") or None
    if upload_key:
        try:  # the key comes back from the form: anything but a waiting import is refused
            data = storage.get(upload_key) if upload_key.startswith("imports/") else None
        except StorageError:
            data = None
        if data is None:
            raise CsvError("The uploaded file has expired; upload it again.")
        return data, upload_key
    data = uploaded_bytes("file")
    if data is None:
        raise CsvError("Choose a CSV file to upload.")
    check(data)  # every file-level check before anything is stored
    return data, storage.put(content_key("imports", data, ".csv"), data, "text/csv")


def csv_file(text: str, filename: str) -> Response:
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
