"""Renders of a campaign: send again the failed ones and the ones whose task was lost, and
count them by status.

``retry_failed`` and ``requeue_stalled`` commit the unit of work themselves; the render tasks
they hand to the workers are sent after that commit (``campaigns.dispatch``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from app import audit, claims
from app.db import session, utcnow
from campaigns import dispatch
from campaigns.lookup import get_campaign
from campaigns.models import AssetRender, CampaignAsset, RenderStatus
from campaigns.rendering import RENDERS, RUNNING_TIMEOUT
from directory.models import Partner

log = logging.getLogger(__name__)

# a pending render whose task has not run for this long lost its message: send it again
PENDING_REQUEUE_AFTER = timedelta(minutes=15)


# --- renders ----------------------------------------------------------------------------


def _reset_to_pending(conditions: list, *, reason: str) -> list[int]:
    ids = list(session.execute(select(AssetRender.id).where(*conditions)).scalars())
    for start in range(0, len(ids), 1000):
        session.execute(
            update(AssetRender)
            .where(AssetRender.id.in_(ids[start : start + 1000]))
            .values(status=RenderStatus.PENDING.value, error="", updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    if ids:
        log.info("%s: %d renders back to pending", reason, len(ids))
    dispatch.queue_renders(ids)
    return ids


def retry_failed(campaign_id: int, actor=None) -> int:
    """Render the campaign's failed renders again; how many. Commits."""
    campaign = get_campaign(campaign_id)
    ids = _reset_to_pending(
        [
            AssetRender.campaign_id == campaign_id,
            AssetRender.status == RenderStatus.FAILED.value,
        ],
        reason=f"retry of campaign {campaign_id}",
    )
    if ids:
        audit.record(actor, "campaign.retry_renders", campaign, changes={"renders": len(ids)})
    session.commit()
    return len(ids)


def requeue_stalled(
    now: datetime | None = None,
    *,
    pending_after: timedelta = PENDING_REQUEUE_AFTER,
    running_after: timedelta = RUNNING_TIMEOUT,
) -> int:
    """Send again the renders whose task was lost: pending for longer than PENDING_AFTER, or
    running for longer than RUNNING_AFTER (their worker died). Commits; how many.

    The broker only carries work that can be redone: a message lost with a dead worker or an
    embedded broker is made again from the database. A duplicate message is harmless, as
    ``render_one`` leaves rows that are done alone.
    """
    ids = claims.sweep(
        RENDERS, pending_after, lease=running_after, now=now, values={AssetRender.error: ""}
    )
    if ids:
        log.info("stalled renders: %d renders back to pending", len(ids))
    dispatch.queue_renders(ids)
    session.commit()
    return len(ids)


def progress(campaign_id: int, *, max_failures: int = 200) -> dict:
    """The campaign's renders by status, from the database, and why the failed ones failed."""
    counts = dict(
        session.execute(
            select(AssetRender.status, func.count())
            .where(AssetRender.campaign_id == campaign_id)
            .group_by(AssetRender.status)
        ).all()
    )
    failures = session.execute(
        select(Partner.name, CampaignAsset.title, AssetRender.error)
        .join(Partner, Partner.id == AssetRender.partner_id)
        .join(CampaignAsset, CampaignAsset.id == AssetRender.asset_id)
        .where(
            AssetRender.campaign_id == campaign_id,
            AssetRender.status == RenderStatus.FAILED.value,
        )
        .order_by(Partner.name, CampaignAsset.position, CampaignAsset.id)
        .limit(max_failures)
    )
    return {
        "total": sum(counts.values()),
        **{status.value: counts.get(status.value, 0) for status in RenderStatus},
        "failures": [tuple(row) for row in failures],
    }
