"""Which partners a campaign targets, and late joiners: partners added as they come to
match a live campaign's rules, and taken out when they no longer do.

A partner that leaves keeps its renders and customizations for when it matches again. The
syncs (``sync_targets``, ``sync_partner``, ``sync_all_live``) commit the unit of work
themselves; the render tasks they hand to the workers are sent after that commit
(``campaigns.dispatch``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypeVar

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.db import session, utcnow
from campaigns import dispatch, targeting
from campaigns.journeys import triggers as journey_triggers
from campaigns.lookup import _locked
from campaigns.models import AssetRender, Campaign, CampaignPartner, CampaignStatus, RenderStatus
from campaigns.notify import announce
from campaigns.progress import requeue_stalled

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class NoEmailReason:
    """Why some partners a launch added got no email: CODE, how many (COUNT, of UNIT:
    partners or addresses) and the same in words (the admin's launch message, the API's)."""

    code: str  # no_address, unsubscribed, told_before
    count: int
    unit: str
    text: str


def _counted(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


@dataclass(frozen=True)
class TargetingResult:
    partners_added: int
    renders_queued: int
    emails_queued: int
    partners_removed: int = 0
    # why some added partners got no email (not compared: the counts above are the result)
    suppressed: int = field(default=0, compare=False)  # addresses unsubscribed from marketing
    silent_partners: int = field(default=0, compare=False)  # told, with nobody to email
    already_told: int = field(default=0, compare=False)  # added back, announced before

    @property
    def no_email_reasons(self) -> list[NoEmailReason]:
        """Why not every partner added got an email, each reason that applies."""
        reasons = [
            NoEmailReason(
                "no_address",
                self.silent_partners,
                "partners",
                _counted(self.silent_partners, "partner has", "partners have")
                + " nobody with an email address to tell yet (they find the campaign in the"
                " portal)",
            ),
            NoEmailReason(
                "unsubscribed",
                self.suppressed,
                "addresses",
                _counted(self.suppressed, "address", "addresses")
                + " unsubscribed from marketing email",
            ),
            NoEmailReason(
                "told_before",
                self.already_told,
                "partners",
                _counted(self.already_told, "partner was", "partners were")
                + " told of this campaign before",
            ),
        ]
        return [reason for reason in reasons if reason.count]


def _action(action: Callable[[], T], attempts: int = 3) -> T:
    """Run ACTION, which commits; on any error roll back (releasing the campaign's lock) and
    raise, except a unique-constraint race with another launch or sync: run it again."""
    for attempt in range(attempts):
        try:
            return action()
        except IntegrityError:
            session.rollback()
            if attempt == attempts - 1:
                raise
            log.info("campaign targeting raced another transaction; trying again")
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")


def _targets(campaign: Campaign) -> dict[int, datetime | None]:
    """{partner id: when it left (None: targeted now)} of every partner CAMPAIGN targeted."""
    return dict(
        session.execute(
            select(CampaignPartner.partner_id, CampaignPartner.left_at).where(
                CampaignPartner.campaign_id == campaign.id
            )
        ).all()
    )


def _target(campaign: Campaign, partner_ids: Iterable[int], source: str) -> TargetingResult:
    """Target the partners among PARTNER_IDS not targeted now (new ones, and ones that left
    and match again), make every missing render row, announce the campaign to partners not
    yet told (never twice), and queue the renders."""
    existing = _targets(campaign)
    wanted = list(dict.fromkeys(partner_ids))
    new_ids = [pid for pid in wanted if pid not in existing]
    back_ids = [pid for pid in wanted if existing.get(pid) is not None]
    now = utcnow()
    if new_ids:
        session.execute(
            insert(CampaignPartner),
            [
                {"campaign_id": campaign.id, "partner_id": pid, "added_at": now, "source": source}
                for pid in new_ids
            ],
        )
    told_before = _told(campaign, back_ids)
    _set_left_at(campaign, back_ids, None)
    if new_ids:
        journey_triggers.fire_many(
            "campaign_launched", new_ids, {"campaign_id": campaign.id, "source": source}
        )
    render_ids = _ensure_renders(campaign)
    told = announce(campaign)
    dispatch.queue_renders(render_ids)
    return TargetingResult(
        len(new_ids) + len(back_ids),
        len(render_ids),
        told.emails,
        suppressed=told.suppressed,
        silent_partners=told.silent_partners,
        already_told=told_before,
    )


def _told(campaign: Campaign, partner_ids: list[int]) -> int:
    """How many of PARTNER_IDS were announced CAMPAIGN before."""
    told = 0
    for chunk in dispatch.chunks(partner_ids, 1000):
        told += session.execute(
            select(func.count())
            .select_from(CampaignPartner)
            .where(
                CampaignPartner.campaign_id == campaign.id,
                CampaignPartner.partner_id.in_(chunk),
                CampaignPartner.notified_at.is_not(None),
            )
        ).scalar_one()
    return told


def _untarget(
    campaign: Campaign, matching_ids: Iterable[int], among: Iterable[int] | None = None
) -> int:
    """Mark the partners targeted now that are not in MATCHING_IDS (only those AMONG, when
    given) as left: they no longer see the campaign. Their renders and customizations stay
    for when they match again. The number that left."""
    matching = set(matching_ids)
    current = [pid for pid, left in _targets(campaign).items() if left is None]
    if among is not None:
        among = set(among)
        current = [pid for pid in current if pid in among]
    leaving = [pid for pid in current if pid not in matching]
    _set_left_at(campaign, leaving, utcnow())
    return len(leaving)


def _set_left_at(campaign: Campaign, partner_ids: list[int], when: datetime | None) -> None:
    for chunk in dispatch.chunks(partner_ids, 1000):
        session.execute(
            update(CampaignPartner)
            .where(
                CampaignPartner.campaign_id == campaign.id, CampaignPartner.partner_id.in_(chunk)
            )
            .values(left_at=when)
            .execution_options(synchronize_session=False)
        )


def _ensure_renders(campaign: Campaign) -> list[int]:
    """Pending AssetRender rows for every (asset, targeted partner) that has none; their ids."""
    asset_ids = [asset.id for asset in campaign.assets]
    if not asset_ids:
        return []
    partner_ids = session.execute(
        select(CampaignPartner.partner_id)
        .where(CampaignPartner.campaign_id == campaign.id, CampaignPartner.left_at.is_(None))
        .order_by(CampaignPartner.partner_id)
    ).scalars()
    have = {
        tuple(row)
        for row in session.execute(
            select(AssetRender.asset_id, AssetRender.partner_id).where(
                AssetRender.campaign_id == campaign.id
            )
        )
    }
    now = utcnow()
    rows = [
        {
            "campaign_id": campaign.id,
            "asset_id": asset_id,
            "partner_id": partner_id,
            "status": RenderStatus.PENDING.value,
            "error": "",
            "attempts": 0,
            "updated_at": now,
        }
        for partner_id in partner_ids
        for asset_id in asset_ids
        if (asset_id, partner_id) not in have
    ]
    if not rows:
        return []
    return list(session.scalars(insert(AssetRender).returning(AssetRender.id), rows))


# --- late joiners -----------------------------------------------------------------------


def sync_targets(campaign_id: int) -> TargetingResult:
    """Keep a live campaign's targets in step with its rules: add the partners it matches
    now and did not target (new partners, promotions), render its assets for them and
    announce it to them; partners that no longer match (a lower tier, terminated, excluded
    since) leave it. Commits."""

    def action() -> TargetingResult:
        campaign = _locked(campaign_id)
        if campaign.status != CampaignStatus.LIVE.value:
            session.commit()
            return TargetingResult(0, 0, 0)
        matching = targeting.matching_ids(campaign)
        removed = _untarget(campaign, matching)
        result = _target(campaign, matching, "late")
        session.commit()
        return replace(result, partners_removed=removed)

    return _action(action)


def sync_partner(partner_id: int) -> list[int]:
    """Add PARTNER_ID to every live campaign it now matches, and take it out of those it no
    longer matches; the ids of the campaigns it joined."""
    joined = []
    for campaign_id in _live_campaign_ids():

        def action(campaign_id: int = campaign_id) -> bool:
            campaign = _locked(campaign_id)
            if campaign.status != CampaignStatus.LIVE.value:
                session.commit()
                return False
            matching = targeting.matching_ids(campaign, only=[partner_id])
            if not matching:
                _untarget(campaign, matching, among=[partner_id])
                session.commit()
                return False
            added = _target(campaign, matching, "late").partners_added
            session.commit()
            return bool(added)

        if _action(action):
            joined.append(campaign_id)
    return joined


def on_partner_changed(partner_id: int) -> None:
    """Call after a partner is created or changed: a worker adds it to the live campaigns
    it now matches. Sent after the caller's commit (at once if it has committed)."""
    dispatch.queue_task("sync_partner", [partner_id])


def sync_all_live_soon() -> None:
    """Call after many partners changed at once (a CSV import, a tier ladder change): a
    worker runs ``sync_all_live``. Sent after the caller's commit (at once if committed)."""
    dispatch.queue_task("sync_all_live", [])


def _live_campaign_ids() -> list[int]:
    ids = list(
        session.execute(
            select(Campaign.id)
            .where(Campaign.status == CampaignStatus.LIVE.value)
            .order_by(Campaign.id)
        ).scalars()
    )
    session.commit()  # ends the read; nothing of ours to write
    return ids


def sync_all_live() -> dict[str, int]:
    """The beat's sweep: late joiners and leavers of every live campaign, then stalled
    renders."""
    added = removed = 0
    for campaign_id in _live_campaign_ids():
        try:
            result = sync_targets(campaign_id)
            added, removed = added + result.partners_added, removed + result.partners_removed
        except Exception:  # noqa: BLE001 - one broken campaign must not stop the others
            session.rollback()
            log.exception("targeting sync of campaign %s failed", campaign_id)
    return {
        "partners_added": added,
        "partners_removed": removed,
        "renders_requeued": requeue_stalled(),
    }
