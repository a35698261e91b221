"""Pictures a partner may put in an image field: the template's own, its logo, or a picture
it uploaded (its library: a row per picture, the file stored by content under the
partner's own prefix).

One rule, applied wherever a partner's values meet the renderer (saving, previewing,
rendering): a stored file in an image field must be the partner's own, never another
partner's upload or any other stored file, which the renderer would otherwise fetch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.db import session
from app.storage import content_key, get_storage
from brand_templates import FieldValueError, ValidationError
from brand_templates.fieldtypes import STORAGE_PREFIX
from directory.logos import ProcessedPicture
from directory.models import Partner, PartnerPicture

PICTURES_PREFIX = "partner-pictures"
LIBRARY_SHOWN = 100  # the newest pictures a picker offers
NOT_YOURS = "must be a picture of the template, your logo or a picture you uploaded"


def _prefix(partner: Partner) -> str:
    return f"{PICTURES_PREFIX}/{partner.id}"


def picture_ref(partner: Partner, picture: ProcessedPicture) -> str:
    """The field value of PARTNER's uploaded PICTURE (its key follows from its content)."""
    return STORAGE_PREFIX + content_key(_prefix(partner), picture.data, picture.extension)


def store_picture(partner: Partner, picture: ProcessedPicture, user=None) -> PartnerPicture:
    """Add PARTNER's PICTURE to its library (once per content: the same bytes again give
    the same row) and store the file. Part of the caller's unit of work."""
    key = picture_ref(partner, picture)[len(STORAGE_PREFIX) :]
    query = select(PartnerPicture).where(
        PartnerPicture.partner_id == partner.id, PartnerPicture.storage_key == key
    )
    row = session.execute(query).scalar_one_or_none()
    if row is None:
        try:
            with session.begin_nested():
                row = PartnerPicture(
                    partner_id=partner.id,
                    storage_key=key,
                    content_type=picture.mime,
                    width=picture.width,
                    height=picture.height,
                    created_by_id=getattr(user, "id", None),
                )
                session.add(row)
        except IntegrityError:  # the same upload in a concurrent request
            row = session.execute(query).scalar_one()
    get_storage().put(key, picture.data, picture.mime)
    return row


def ref_of(row: PartnerPicture) -> str:
    """The field value of a picture of the library."""
    return STORAGE_PREFIX + row.storage_key


def library(partner: Partner, limit: int = LIBRARY_SHOWN) -> list[PartnerPicture]:
    """PARTNER's uploaded pictures, newest first."""
    return list(
        session.execute(
            select(PartnerPicture)
            .where(PartnerPicture.partner_id == partner.id)
            .order_by(PartnerPicture.created_at.desc(), PartnerPicture.id.desc())
            .limit(limit)
        ).scalars()
    )


def is_upload(partner: Partner, ref: str) -> bool:
    """Whether REF is a picture PARTNER uploaded."""
    return ref.startswith(STORAGE_PREFIX + _prefix(partner) + "/")


def is_own_file(partner: Partner, ref: str) -> bool:
    """Whether stored file REF is PARTNER's own: its logo (as uploaded or trimmed) or a
    picture it uploaded."""
    kit = partner.brand_kit
    logos = {kit.logo_key, kit.logo_trimmed_key} - {None} if kit else set()
    return ref in {STORAGE_PREFIX + key for key in logos} or is_upload(partner, ref)


def check_own_files(partner: Partner, fields: Mapping, values: Mapping[str, Any]) -> None:
    """FieldValueError naming each image field of VALUES that holds a stored file that is
    not PARTNER's own (FIELDS: the template's field specs by name)."""
    foreign = [
        ValidationError(None, None, name, NOT_YOURS)
        for name, value in values.items()
        if name in fields
        and fields[name].type == "image"
        and isinstance(value, str)
        and value.strip().startswith(STORAGE_PREFIX)
        and not is_own_file(partner, value.strip())
    ]
    if foreign:
        raise FieldValueError(foreign)
