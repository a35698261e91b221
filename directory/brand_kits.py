"""Brand kits: a partner's logo, colours, tagline and contact block."""

from __future__ import annotations

from functools import partial

from app import audit
from app import validation as v
from app.db import session
from app.storage import content_key, get_storage
from directory import activity
from directory.logos import ProcessedLogo, process_logo
from directory.models import BrandKit, Partner
from renderers.contrast import GRAPHIC_CONTRAST, contrast_ratio

# the backgrounds of the brand kit's "on white" and "on dark" logo previews
LOGO_BACKGROUNDS = {"light": "#ffffff", "dark": "#111827"}

CLEANERS = {
    "primary_color": v.color,
    "secondary_color": v.color,
    "tagline": partial(v.text, max_length=200, label="The tagline"),
    "contact_phone": v.phone,
    "contact_email": v.email,
    "contact_website": v.url,
    "contact_address": partial(v.text, max_length=300, label="The address line"),
}


def brand_kit_for(partner: Partner) -> BrandKit:
    """The partner's brand kit, created (pre-filled from the profile) on first use."""
    if partner.brand_kit is None:
        partner.brand_kit = BrandKit(
            partner_id=partner.id,
            contact_phone=partner.phone,
            contact_email=partner.email,
            contact_website=partner.website,
        )
        session.flush()
    return partner.brand_kit


def update_brand_kit(partner: Partner, data, actor) -> BrandKit:
    kit = brand_kit_for(partner)
    clean = v.collect(CLEANERS, data)
    before = {k: getattr(kit, k) for k in clean}
    changes = audit.diff(before, clean)
    for key, value in clean.items():
        setattr(kit, key, value)
    if changes:
        audit.record(actor, "brand_kit.update", kit, partner_id=partner.id, changes=changes)
    return kit


def store_logo(processed: ProcessedLogo) -> dict:
    """Store the original and its derivatives under content-addressed keys."""
    storage = get_storage()
    original = storage.put(
        content_key("logos", processed.original, processed.extension),
        processed.original,
        processed.mime,
    )
    trimmed = storage.put(
        content_key("logos", processed.trimmed_png, ".png"), processed.trimmed_png, "image/png"
    )
    thumb = storage.put(
        content_key("logos", processed.thumbnail_png, ".png"), processed.thumbnail_png, "image/png"
    )
    return {
        "logo_key": original,
        "logo_mime": processed.mime,
        "logo_trimmed_key": trimmed,
        "logo_thumb_key": thumb,
        "logo_width": processed.width,
        "logo_height": processed.height,
        "logo_colors": processed.colors,
    }


def set_logo(partner: Partner, data: bytes, actor, *, max_bytes: int | None = None) -> BrandKit:
    """Check an uploaded logo by content, make its derivatives once, and attach it.

    Raises LogoRejected (a ValueError with a message for people) and writes nothing then.
    """
    processed = process_logo(data, **({"max_bytes": max_bytes} if max_bytes else {}))
    kit = brand_kit_for(partner)
    stored = store_logo(processed)
    for key, value in stored.items():
        setattr(kit, key, value)
    audit.record(
        actor,
        "brand_kit.logo",
        kit,
        partner_id=partner.id,
        changes={"logo": [None, stored["logo_key"]]},
    )
    activity.record(partner.id, activity.LOGO_UPLOADED, ref=("brand_kit", stored["logo_key"]))
    return kit


def remove_logo(partner: Partner, actor) -> BrandKit:
    kit = brand_kit_for(partner)
    for key in (
        "logo_key",
        "logo_mime",
        "logo_trimmed_key",
        "logo_thumb_key",
        "logo_width",
        "logo_height",
    ):
        setattr(kit, key, None)
    kit.logo_colors = []
    audit.record(actor, "brand_kit.logo_removed", kit, partner_id=partner.id)
    return kit


def logo_colors_fading_on_dark(kit: BrandKit) -> list[tuple[str, float]]:
    """The logo's own colours that barely stand out on the dark preview background, with
    their contrast ratio, lowest first: below 3:1 (WCAG's least for the parts of a graphic)
    that part of the logo can disappear where a design puts it on a dark colour.

    A JPEG is left out: it has no see-through parts, so it always brings its own background.
    (White is not checked the same way: logos are drawn for white, and the white details
    they have sit on their own shapes.)
    """
    if not kit.logo_colors or kit.logo_mime == "image/jpeg":
        return []
    ratios = [(color, contrast_ratio(color, LOGO_BACKGROUNDS["dark"])) for color in kit.logo_colors]
    return [
        (color, round(ratio, 1))
        for color, ratio in sorted(ratios, key=lambda item: item[1])
        if ratio < GRAPHIC_CONTRAST
    ]
