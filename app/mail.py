"""Outgoing email. Every message is a row (the outbox); with MAIL_URL=smtp://... a worker sends it.

Marketing mail honours the suppression list and carries one-click unsubscribe (RFC 8058).
With ``MAIL_RATE_PER_MINUTE`` the workers send at most that many messages a minute, all
together: each takes a slot of the minute's count in the database before it sends, and a
message over the rate stays queued and is handed over again for a later minute.
"""

from __future__ import annotations

import math
import random
import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlparse

from sqlalchemy import delete, func, select, update

from app import after_commit, claims, clock, jobs, runtime, security
from app.db import bulk_insert, session, utcnow
from app.models import MailMessage, MailRateWindow, Suppression

UNSUBSCRIBE_SALT = "unsubscribe"
# a queued message this old has lost its task (its first try runs within seconds)
STALLED_AFTER = timedelta(minutes=15)
# an SMTP conversation takes seconds (30 s timeout): a 'sending' claim this old is abandoned
SENDING_TIMEOUT = timedelta(minutes=10)
# the outbox's claims: a worker takes a message to send it; the sweep hands over the 'queued'
# ones that lost their task ('failed' ones are retried by their task)
OUTBOX = claims.Claimable(
    table=MailMessage,
    id=MailMessage.id,
    state=MailMessage.status,
    claimable=("queued", "failed"),
    claimed="sending",
    claimed_at=MailMessage.claimed_at,
    attempts=MailMessage.attempts,
    lease=SENDING_TIMEOUT,
    due_at=MailMessage.created_at,
    handed_at=MailMessage.handed_at,
    sweep_states=("queued",),
)


def is_suppressed(address: str) -> bool:
    return (
        session.execute(select(Suppression.id).where(Suppression.email == address.lower())).first()
        is not None
    )


def suppress(address: str, reason: str = "unsubscribed") -> None:
    if not is_suppressed(address):
        session.add(Suppression(email=address.lower(), reason=reason))


def unsubscribe_token(address: str) -> str:
    return security.sign(runtime.settings().secret_key, UNSUBSCRIBE_SALT, address.lower())


def address_from_unsubscribe_token(token: str) -> str | None:
    return security.unsign(
        runtime.settings().secret_key, UNSUBSCRIBE_SALT, token, max_age=3600 * 24 * 365
    )


def queue_mail(
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    *,
    category: str = "transactional",
    suppressed: bool | None = None,
) -> MailMessage:
    """Add a message to the current unit of work; it is dispatched after the commit.

    SUPPRESSED: whether the address is on the suppression list, when the caller already
    knows (a batch that read the list once for all its addresses); else it is looked up.
    """
    settings = runtime.settings()
    headers: dict[str, str] = {}
    status = "queued" if settings.mail_url.startswith("smtp") else "held"
    if category != "transactional":
        url = f"{settings.base_url}/unsubscribe/{unsubscribe_token(to)}"
        headers["List-Unsubscribe"] = f"<{url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        if is_suppressed(to) if suppressed is None else suppressed:
            status = "suppressed"
    message = MailMessage(
        to_address=to.lower(),
        subject=subject,
        text_body=text,
        html_body=html,
        category=category,
        headers=headers,
        status=status,
    )
    session.add(message)
    if status == "queued":
        session.flush()
        after_commit.add("mail", message.id, _deliver)
    return message


def queue_many(messages: list[dict], *, category: str = "marketing") -> list[int]:
    """Add many messages at once (a journey batch): one INSERT for all, their ids in order;
    dispatched after the commit like ``queue_mail``'s.

    Each item: ``to``, ``subject``, ``text``, ``html`` and ``suppressed`` (whether the caller
    found the address on the suppression list); marketing mail gets the one-click unsubscribe
    headers (RFC 8058).
    """
    if not messages:
        return []
    settings = runtime.settings()
    sending = settings.mail_url.startswith("smtp")
    now = utcnow()
    rows = []
    for item in messages:
        to = item["to"].lower()
        headers: dict[str, str] = {}
        status = "queued" if sending else "held"
        if category != "transactional":
            url = item.get("unsubscribe_url") or (
                f"{settings.base_url}/unsubscribe/{unsubscribe_token(to)}"
            )
            headers["List-Unsubscribe"] = f"<{url}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
            if item.get("suppressed"):
                status = "suppressed"
        rows.append(
            {
                "created_at": now,
                "to_address": to,
                "subject": item["subject"],
                "text_body": item["text"],
                "html_body": item.get("html"),
                "category": category,
                "headers": headers,
                "status": status,
                "attempts": 0,
                "error": "",
            }
        )
    ids = bulk_insert(MailMessage.__table__, rows, return_ids=True)
    for message_id, row in zip(ids, rows, strict=True):
        if row["status"] == "queued":
            after_commit.add("mail", message_id, _deliver)
    return ids


DELIVER_TASK = "tandem.mail.deliver"


def _deliver(message_ids: list[int]) -> None:
    for message_id in message_ids:
        jobs.send(DELIVER_TASK, [message_id])


def requeue_stalled(older_than: timedelta = STALLED_AFTER) -> list[int]:
    """Hand mail that lost its task to the workers again (the beat's sweep); the ids.

    The outbox row is the truth: a message whose task was lost with the broker, or never
    sent because the broker was down at commit time, is still 'queued' (handed over again
    once per OLDER_THAN, not at every sweep while a backlog holds it); one left 'sending' by
    a worker that died is taken over. ``deliver`` claims a message before sending it, so a
    message handed over twice is still sent once.
    """
    ids = claims.sweep(OUTBOX, older_than)
    # the rate's counts of minutes long past
    session.execute(delete(MailRateWindow).where(MailRateWindow.minute < clock.now() - RATE_KEPT))
    session.commit()
    if ids:
        _deliver(ids)
    return ids


def _claim(message_id: int) -> bool:
    """Take the message to send it: queued, failed (a retry) or abandoned while sending."""
    return claims.claim(OUTBOX, message_id) is not None


def _smtp_settings(url: str) -> dict:
    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    return {
        "ssl": parsed.scheme == "smtps",
        "starttls": query.get("starttls", ["0"])[0] in ("1", "true", "yes"),
        "host": parsed.hostname or "127.0.0.1",
        "port": parsed.port or (465 if parsed.scheme == "smtps" else 25),
        "user": unquote(parsed.username) if parsed.username else None,
        "password": unquote(parsed.password) if parsed.password else None,
    }


def build_email(message: MailMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain="tandem.local")
    for name, value in (message.headers or {}).items():
        email[name] = value
    email.set_content(message.text_body)
    if message.html_body:
        email.add_alternative(message.html_body, subtype="html")
    return email


def deliver(message_id: int) -> str:
    """Send one queued message over SMTP; the message's resulting status.

    Idempotent: the message is claimed first (one conditional UPDATE), so a message that
    is sent, or being sent by another worker, is not sent again.
    """
    settings = runtime.settings()
    message = session.get(MailMessage, message_id)
    if message is None:
        return "missing"
    if (
        message.status in ("queued", "failed")
        and message.category != "transactional"
        and is_suppressed(message.to_address)
    ):
        message.status = "suppressed"
        session.commit()
        return message.status
    if message.status in ("queued", "failed", "sending"):
        next_minute = take_sending_slot()
        if next_minute is not None:  # over the rate: it stays queued for a later minute
            _defer(message, next_minute)
            return "deferred"
    if not _claim(message_id):
        return session.execute(
            select(MailMessage.status).where(MailMessage.id == message_id)
        ).scalar_one()
    message = session.get(MailMessage, message_id, populate_existing=True)
    cfg = _smtp_settings(settings.mail_url)
    try:
        smtp_cls = smtplib.SMTP_SSL if cfg["ssl"] else smtplib.SMTP
        with smtp_cls(cfg["host"], cfg["port"], timeout=30) as smtp:
            if cfg["starttls"]:
                smtp.starttls(context=ssl.create_default_context())
            if cfg["user"]:
                smtp.login(cfg["user"], cfg["password"] or "")
            smtp.send_message(build_email(message, settings.mail_sender))
    except (OSError, smtplib.SMTPException) as exc:
        message.status = "failed"
        message.error = f"{type(exc).__name__}: {exc}"
        session.commit()
        raise
    message.status = "sent"
    message.sent_at = utcnow()
    message.error = ""
    session.commit()
    return message.status


# how long the rate's counts of past minutes are kept (the beat's sweep deletes older ones)
RATE_KEPT = timedelta(days=1)
# a message over the rate is handed over again within this many minutes at most
RATE_SPREAD_MINUTES = 10


def take_sending_slot(now: datetime | None = None) -> datetime | None:
    """Count one message against this minute's ``MAIL_RATE_PER_MINUTE``: None if it may be
    sent now, else when the next minute starts (the rate is spent). Commits.

    One row per minute, its count raised only while under the rate by a conditional UPDATE:
    workers racing for the last slot serialize on the row, so the rate holds across workers.
    """
    rate = runtime.settings().mail_rate_per_minute
    if rate <= 0:
        return None
    minute = (now or clock.now()).replace(second=0, microsecond=0)
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(MailRateWindow).values(minute=minute, sent=0).on_conflict_do_nothing())
    took = session.execute(
        update(MailRateWindow)
        .where(MailRateWindow.minute == minute, MailRateWindow.sent < rate)
        .values(sent=MailRateWindow.sent + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return None if took else minute + timedelta(minutes=1)


def _defer(message: MailMessage, next_minute: datetime) -> None:
    """Hand MESSAGE over again for a minute from NEXT_MINUTE on: transactional mail in the next
    minute, the rest spread over as many minutes as the waiting mail needs at the rate."""
    minutes = 1
    if message.category != "transactional":
        waiting = session.execute(
            select(func.count())
            .select_from(MailMessage)
            .where(MailMessage.status.in_(("queued", "failed")))
        ).scalar_one()
        rate = max(runtime.settings().mail_rate_per_minute, 1)
        minutes = min(max(math.ceil(waiting / rate), 1), RATE_SPREAD_MINUTES)
    session.commit()
    eta = next_minute + timedelta(seconds=random.uniform(0, 60 * minutes))  # noqa: S311
    jobs.send(DELIVER_TASK, [message.id], eta=eta)
