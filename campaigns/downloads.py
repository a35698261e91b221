"""What a partner downloads: a stored, content-addressed render in the format it asks for."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import datetime

from app.db import utcnow
from app.storage import get_storage
from brand_templates.rendering import CONTENT_TYPES, FORMATS
from campaigns.models import Campaign, CampaignAsset, RenderStatus
from campaigns.rendering import (
    RenderProblem,
    bundle_of,
    current_render,
    download_name,
    prepare,
    store_render,
)
from directory.models import Partner


@dataclass(frozen=True)
class Download:
    render_key: str
    storage_key: str
    content_type: str
    filename: str
    made_at: datetime  # when the file was rendered (UTC)


def formats_of(asset: CampaignAsset) -> tuple[str, ...]:
    """The formats an asset can be downloaded in; the first is its own."""
    return FORMATS[bundle_of(asset).manifest.kind]


def download_for(asset: CampaignAsset, partner: Partner, fmt: str | None = None) -> Download:
    """The partner's current file of ASSET in FMT, rendered only if nothing stored matches.

    The asset's own format goes through ``current_render`` (the row the launch made); other
    formats are stored under their own render key the first time they are asked for.
    """
    fmt = fmt or formats_of(asset)[0]
    if fmt not in formats_of(asset):
        raise ValueError(f"{asset.title} is not available as {fmt}")
    if fmt == formats_of(asset)[0]:
        row = current_render(asset, partner)
        if row.status != RenderStatus.DONE.value:
            raise RenderProblem(row.error or "the render failed")
        return Download(
            row.render_key,
            row.storage_key,
            row.content_type,
            download_name(asset, partner, row.extension),
            row.updated_at,  # a done row changes no more until it is rendered again
        )
    prepared = prepare(asset, partner, fmt=fmt)
    stored = store_render(prepared)
    return Download(
        prepared.key,
        stored["storage_key"],
        CONTENT_TYPES[fmt],
        download_name(asset, partner, stored["extension"]),
        utcnow(),
    )


def campaign_zip(campaign: Campaign, partner: Partner) -> tuple[bytes, str]:
    """Every asset of CAMPAIGN for PARTNER in its own format, as one zip (and its name)."""
    buffer = io.BytesIO()
    storage = get_storage()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for asset in campaign.assets:
            item = download_for(asset, partner)
            # dated when it was rendered (a zip holds no time zone: UTC, as everywhere)
            info = zipfile.ZipInfo(item.filename, date_time=item.made_at.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, storage.get(item.storage_key))
    slug = "".join(c if c.isalnum() else "-" for c in campaign.name.lower()).strip("-")[:60]
    return buffer.getvalue(), f"{slug or 'campaign'}-{partner.slug}.zip"
