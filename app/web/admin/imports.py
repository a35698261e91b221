"""What the CSV import screens share: the uploaded file kept in storage between the dry run
and the import, and CSV files sent back (rows to fix, samples)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, request

from app.storage import StorageError, content_key, get_storage
from app.web.common import uploaded_bytes
from directory.partner_csv import CsvError


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
