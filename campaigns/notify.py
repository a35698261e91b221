"""The "new campaign for you" email to the users of newly targeted partners, sent once each."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import escape
from sqlalchemy import select

from app import runtime
from app.db import session, utcnow
from app.mail import queue_mail
from app.models import ProgramSettings, User
from campaigns.models import Campaign, CampaignPartner

# where partner users find a campaign in the portal
PORTAL_PATH = "/portal/campaigns/{campaign_id}"


def campaign_link(campaign: Campaign) -> str:
    return runtime.settings().base_url + PORTAL_PATH.format(campaign_id=campaign.id)


def _program() -> ProgramSettings:
    return (
        session.execute(select(ProgramSettings)).scalars().first()
        or ProgramSettings.with_defaults()
    )


def message_for(campaign: Campaign, user: User, program: ProgramSettings) -> tuple[str, str, str]:
    """(subject, text, html) of the announcement of CAMPAIGN to USER."""
    link = campaign_link(campaign)
    greeting = f"Hello {user.name}," if user.name else "Hello,"
    subject = f"New campaign from {program.vendor_name}: {campaign.name}"
    lines = [
        greeting,
        "",
        f"{program.vendor_name} has launched a new campaign for you in the "
        f"{program.program_name}: {campaign.name}.",
    ]
    if campaign.description:
        lines += ["", campaign.description]
    lines += [
        "",
        "Its assets are ready with your logo and contact details. "
        "Customize and download them here:",
        link,
    ]
    text = "\n".join(lines) + "\n"
    description = f"<p>{escape(campaign.description)}</p>" if campaign.description else ""
    html = (
        f"<p>{escape(greeting)}</p>"
        f"<p>{escape(program.vendor_name)} has launched a new campaign for you in the "
        f"{escape(program.program_name)}: <strong>{escape(campaign.name)}</strong>.</p>"
        f"{description}"
        "<p>Its assets are ready with your logo and contact details.</p>"
        f'<p><a href="{escape(link)}">Customize and download them</a></p>'
    )
    return subject, text, html


@dataclass(frozen=True)
class Announcement:
    """What announcing a campaign did: emails queued, and why some partners got none."""

    emails: int = 0  # announcements queued for delivery
    suppressed: int = 0  # addresses on the suppression list (unsubscribed): no email
    silent_partners: int = 0  # partners told now with no active user to email


def notify_new_partners(campaign: Campaign) -> int:
    """Queue the announcement for every targeted partner not yet told; the number of emails."""
    return announce(campaign).emails


def announce(campaign: Campaign) -> Announcement:
    """Queue the announcement for every targeted partner not yet told, and say what it did.

    Marks each partner notified in the same unit of work, so a partner hears of a campaign
    once however often it is launched or synced. Suppressed addresses are honoured by
    ``queue_mail`` (category "marketing").
    """
    targets = list(
        session.execute(
            select(CampaignPartner).where(
                CampaignPartner.campaign_id == campaign.id,
                CampaignPartner.notified_at.is_(None),
            )
        ).scalars()
    )
    if not targets:
        return Announcement()
    program = _program()
    partner_ids = [t.partner_id for t in targets]
    sent = suppressed = 0
    reached: set[int] = set()
    for start in range(0, len(partner_ids), 1000):  # bounded IN lists
        users = (
            session.execute(
                select(User)
                .where(
                    User.partner_id.in_(partner_ids[start : start + 1000]), User.active.is_(True)
                )
                .order_by(User.id)
            )
            .scalars()
            .all()
        )
        for user in users:
            subject, text, html = message_for(campaign, user, program)
            message = queue_mail(user.email, subject, text, html, category="marketing")
            reached.add(user.partner_id)
            if message.status == "suppressed":
                suppressed += 1
            else:
                sent += 1
    now = utcnow()
    for target in targets:
        target.notified_at = now
    return Announcement(sent, suppressed, len(set(partner_ids) - reached))
