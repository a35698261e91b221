"""Campaign tasks: thin, each takes ids and calls campaigns/; and their beat schedule.

Every task is safe to run twice (the database decides what is left to do), so the
application's ``task_acks_late`` and ``task_reject_on_worker_lost`` can redeliver freely.
"""

from __future__ import annotations

from workers.celery_app import celery

BEAT_SCHEDULE = {
    "campaigns-launch-due": {"task": "tandem.campaigns.launch_due", "schedule": 60.0},
    "campaigns-sync-live": {"task": "tandem.campaigns.sync_all_live", "schedule": 60.0},
    "campaigns-end-expired": {"task": "tandem.campaigns.end_expired", "schedule": 900.0},
}
celery.conf.beat_schedule = {**(celery.conf.beat_schedule or {}), **BEAT_SCHEDULE}


@celery.task(name="tandem.campaigns.render_chunk", acks_late=True)
def render_chunk(render_ids: list[int]) -> dict[str, str]:
    from campaigns.rendering import render_one

    return {str(render_id): render_one(render_id) for render_id in render_ids}


@celery.task(name="tandem.campaigns.launch")
def launch_campaign(campaign_id: int) -> bool:
    """The ETA task of a scheduled launch; does nothing if it was rescheduled or cancelled."""
    from campaigns.service import launch_if_due

    return launch_if_due(campaign_id)


@celery.task(name="tandem.campaigns.launch_due")
def launch_due_campaigns() -> list[int]:
    from campaigns import service

    return service.launch_due_campaigns()


@celery.task(name="tandem.campaigns.sync_targets")
def sync_targets(campaign_id: int) -> int:
    from campaigns.service import sync_targets as sync

    return sync(campaign_id).partners_added


@celery.task(name="tandem.campaigns.sync_partner")
def sync_partner(partner_id: int) -> list[int]:
    from campaigns.service import sync_partner as sync

    return sync(partner_id)


@celery.task(name="tandem.campaigns.sync_all_live")
def sync_all_live() -> dict[str, int]:
    from campaigns import service

    return service.sync_all_live()


@celery.task(name="tandem.campaigns.end_expired")
def end_expired_campaigns() -> list[int]:
    from campaigns import service

    return service.end_expired_campaigns()
