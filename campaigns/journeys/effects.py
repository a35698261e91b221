"""What an executed step does besides moving its enrollment: an email (collected in the batch
and written with it, one outbox message and one journey send per (enrollment, step, seq)),
a partner update (status, tier, a tag), a note to the channel manager."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from app import mail
from app.db import session
from app.models import ProgramSettings, User
from campaigns.journeys import messages
from campaigns.journeys.facts import Batch
from directory.models import Partner, Tier

log = logging.getLogger(__name__)


def send_key(enrollment_id: int, step_id: str, seq: int) -> str:
    """The unique key of a journey email: one per (enrollment, step, seq)."""
    return f"{enrollment_id}:{step_id}:{seq}"


def apply(
    effect: dict,
    row: Any,
    seq: int,
    recipient: messages.Recipient | None,
    program: ProgramSettings,
    batch: Batch,
    now: datetime,
) -> None:
    step = effect["step"]
    kind = effect["kind"]
    if kind == "email" and recipient is not None:
        key = send_key(row.id, str(step["id"]), seq)
        composed = messages.compose(step, recipient, send_key=key, program=program)
        suppressed = recipient.email in batch.suppressed
        batch.outgoing.append(
            (
                {
                    "to": recipient.email,
                    "subject": composed.subject,
                    "text": composed.text,
                    "html": composed.html,
                    "suppressed": suppressed,
                    "unsubscribe_url": composed.unsubscribe_url,
                },
                {
                    "key": key,
                    "enrollment_id": row.id,
                    "journey_id": row.journey_id,
                    "step_id": str(step["id"]),
                    "seq": seq,
                    "partner_id": row.partner_id,
                    "prospect_id": row.prospect_id,
                    "to_address": recipient.email,
                    "status": "suppressed" if suppressed else "queued",
                    "sent_at": now,
                    "opens": 0,
                    "opened_by_proxy": False,
                    "clicks": 0,
                },
            )
        )
        batch.sends[recipient.email].append(now)
    elif kind == "update_partner" and row.partner_id is not None:
        _update_partner(row.partner_id, step)
    elif kind == "notify":
        _notify(step, row, recipient)


def _update_partner(partner_id: int, step: dict) -> None:
    from app import validation as v
    from directory import partners as directory_partners

    partner = session.get(Partner, partner_id)
    if partner is None:
        return
    try:
        if step.get("status") and step["status"] != partner.status:
            directory_partners.change_status(partner, step["status"], None, note="journey")
        if step.get("tier"):
            tier = session.execute(
                select(Tier).where(func.lower(Tier.name) == str(step["tier"]).lower())
            ).scalar_one_or_none()
            if tier is not None and partner.tier_id != tier.id:
                directory_partners.update_partner(
                    partner, {"tier": tier.name}, None, only=("tier",)
                )
        if step.get("tag") or step.get("remove_tag"):
            directory_partners.change_tags(
                partner, add=step.get("tag") or "", remove=step.get("remove_tag") or ""
            )
    except v.ValidationFailed as exc:  # a move the partner's lifecycle refuses: skip it
        log.info("journey step %s: partner %s not updated: %s", step.get("id"), partner_id, exc)


def _notify(step: dict, row: Any, recipient: messages.Recipient | None) -> None:
    to = step.get("to") or ""
    if not to and row.partner_id is not None:
        to = (
            session.execute(
                select(User.email)
                .join(Partner, Partner.channel_manager_id == User.id)
                .where(Partner.id == row.partner_id)
            ).scalar_one_or_none()
            or ""
        )
    if not to:
        return
    values = messages.words(recipient) if recipient else {}
    subject = messages.fill(step.get("subject") or "A journey needs you: {{ name }}", values)
    body = messages.fill(step.get("body") or "{{ name }} reached a step of a journey.", values)
    mail.queue_mail(to, subject[:300], body, category="transactional")
