"""What launching a campaign now would do, asked before it is done: how many partners it
would add and how many emails it would send (the launch itself: ``lifecycle.launch``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.db import session
from app.models import Suppression, User
from campaigns import dispatch, targeting
from campaigns.models import Campaign, CampaignPartner


@dataclass(frozen=True)
class LaunchForecast:
    partners: int  # partners the launch adds (new ones, and ones that left and match again)
    emails: int  # announcements it sends: active users of partners not told yet, not suppressed
    suppressed: int  # users of those partners whose address is on the suppression list
    silent_partners: int  # partners it adds, not told yet, with no active user to tell


def launch_forecast(campaign: Campaign) -> LaunchForecast:
    """What ``lifecycle.launch`` of CAMPAIGN would do if it ran now, by the same rules: the
    partners it matches and does not target now are added, and every targeted partner not yet
    told of the campaign is told once (``notify.notify_new_partners``)."""
    targets = dict(
        session.execute(
            select(CampaignPartner.partner_id, CampaignPartner.left_at).where(
                CampaignPartner.campaign_id == campaign.id
            )
        ).all()
    )
    adding = [pid for pid in targeting.matching_ids(campaign) if pid not in targets or targets[pid]]
    untold = set(adding) - set(targets)
    untold |= set(
        session.execute(
            select(CampaignPartner.partner_id).where(
                CampaignPartner.campaign_id == campaign.id, CampaignPartner.notified_at.is_(None)
            )
        ).scalars()
    )
    emails = suppressed = 0
    reached: set[int] = set()
    for chunk in dispatch.chunks(sorted(untold), 1000):
        rows = session.execute(
            select(User.partner_id, func.count(User.id), func.count(Suppression.id))
            .outerjoin(Suppression, Suppression.email == func.lower(User.email))
            .where(User.partner_id.in_(chunk), User.active.is_(True))
            .group_by(User.partner_id)
        ).all()
        for partner_id, users, unsubscribed in rows:
            emails += users - unsubscribed
            suppressed += unsubscribed
            reached.add(partner_id)
    silent = sum(1 for pid in adding if pid in untold and pid not in reached)
    return LaunchForecast(len(adding), emails, suppressed, silent)
