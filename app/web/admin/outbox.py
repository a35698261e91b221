"""Admin: the mail outbox and the audit log."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from app.db import session
from app.models import AuditEntry, MailMessage
from app.web.access import ADMIN, VENDOR, roles
from app.web.admin import bp
from app.web.common import get_or_404


@bp.get("/outbox")
@roles(VENDOR)
def outbox():
    messages = (
        session.execute(select(MailMessage).order_by(MailMessage.id.desc()).limit(100))
        .scalars()
        .all()
    )
    return render_template("admin/outbox.html", messages=messages)


@bp.get("/outbox/<int:message_id>")
@roles(ADMIN)
def outbox_message(message_id: int):
    message = get_or_404(MailMessage, message_id)
    return render_template("admin/outbox_message.html", m=message)


@bp.get("/audit")
@roles(VENDOR)
def audit_log():
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    entries = (
        session.execute(
            select(AuditEntry).order_by(AuditEntry.id.desc()).limit(50).offset((page - 1) * 50)
        )
        .scalars()
        .all()
    )
    return render_template("admin/audit.html", entries=entries, page=page)
