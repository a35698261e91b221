"""Campaign tasks (``tandem.campaigns.<verb>``): thin, each takes ids and calls campaigns/.

Every task is safe to run twice (the database decides what is left to do), so the
application's ``task_acks_late`` and ``task_reject_on_worker_lost`` can redeliver freely.
"""

from __future__ import annotations

from app.jobs import celery
from campaigns import lifecycle, membership, rendering

BEAT_SCHEDULE = {
    "campaigns-launch-due": {"task": "tandem.campaigns.launch_due", "schedule": 60.0},
    "campaigns-sync-live": {"task": "tandem.campaigns.sync_all_live", "schedule": 60.0},
    "campaigns-end-expired": {"task": "tandem.campaigns.end_expired", "schedule": 900.0},
}


@celery.task(name="tandem.campaigns.render_chunk", acks_late=True)
def render_chunk(render_ids: list[int]) -> dict[str, str]:
    return {str(render_id): rendering.render_one(render_id) for render_id in render_ids}


@celery.task(name="tandem.campaigns.launch")
def launch_campaign(campaign_id: int) -> bool:
    """The ETA task of a scheduled launch; does nothing if it was rescheduled or cancelled."""
    return lifecycle.launch_if_due(campaign_id)


@celery.task(name="tandem.campaigns.launch_due")
def launch_due_campaigns() -> list[int]:
    return lifecycle.launch_due_campaigns()


@celery.task(name="tandem.campaigns.sync_targets")
def sync_targets(campaign_id: int) -> int:
    return membership.sync_targets(campaign_id).partners_added


@celery.task(name="tandem.campaigns.sync_partner")
def sync_partner(partner_id: int) -> list[int]:
    return membership.sync_partner(partner_id)


@celery.task(name="tandem.campaigns.sync_all_live")
def sync_all_live() -> dict[str, int]:
    return membership.sync_all_live()


@celery.task(name="tandem.campaigns.end_expired")
def end_expired_campaigns() -> list[int]:
    return lifecycle.end_expired_campaigns()
