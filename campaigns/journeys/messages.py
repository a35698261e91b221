"""The emails of journey steps: a simple message written in the journey, or an ``email`` brand
template co-branded for the partner; with tracking and the unsubscribe link."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from app import mail, runtime
from app.db import session
from app.models import ProgramSettings

_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
PLACEHOLDERS = ("name", "company", "contact_name", "program", "vendor", "apply_url", "portal_url")


@dataclass
class Recipient:
    """Who a journey email goes to, and the words its placeholders stand for."""

    email: str
    name: str  # the partner's or prospect's company
    contact_name: str = ""
    country: str = ""
    time_zone: str = ""
    partner_id: int | None = None
    prospect_id: int | None = None


@dataclass
class Composed:
    subject: str
    text: str
    html: str
    unsubscribe_url: str = ""


def words(recipient: Recipient, program: ProgramSettings | None = None) -> dict[str, str]:
    program = program or ProgramSettings.saved() or ProgramSettings.with_defaults()
    base = runtime.settings().base_url
    return {
        "name": recipient.name,
        "company": recipient.name,
        "contact_name": recipient.contact_name or recipient.name,
        "program": program.program_name,
        "vendor": program.vendor_name,
        "apply_url": f"{base}/become-a-partner",
        "portal_url": f"{base}/portal",
    }


def fill(text: str, values: dict[str, str], *, html: bool = False) -> str:
    """TEXT with its {{ placeholders }} replaced (escaped for HTML); unknown ones are left."""

    def swap(match: re.Match) -> str:
        value = values.get(match.group(1))
        if value is None:
            return match.group(0)
        return escape(value) if html else value

    return _PLACEHOLDER.sub(swap, text or "")


def _paragraphs_html(text: str) -> str:
    """Plain text as HTML paragraphs, its web addresses as links."""
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text) if block.strip()]
    out = []
    for block in blocks:
        html = escape(block).replace("\n", "<br>")
        html = re.sub(r"(https?://[^\s<]+)", r'<a href="\1">\1</a>', html)
        out.append(f"<p>{html}</p>")
    return "\n".join(out)


def compose(
    step: dict,
    recipient: Recipient,
    *,
    send_key: str | None,
    program: ProgramSettings | None = None,
) -> Composed:
    """The email of STEP for RECIPIENT; tracked when SEND_KEY is given (a test send is not)."""
    from campaigns.journeys import tracking

    values = words(recipient, program)
    subject = fill(step.get("subject") or "", values)[:300]
    template_version_id = step.get("template_version_id")
    if template_version_id and recipient.partner_id is not None:
        rendered = render_template_email(int(template_version_id), recipient.partner_id, step)
        subject = subject or rendered.subject
        text, body_html = rendered.text, rendered.html
    else:
        text = fill(step.get("body") or "", values)
        body_html = f"<!doctype html><html><body>{_paragraphs_html(text)}</body></html>"
    unsubscribe = (
        f"{runtime.settings().base_url}/unsubscribe/{mail.unsubscribe_token(recipient.email)}"
    )
    text = f"{text}\n\n--\nUnsubscribe: {unsubscribe}\n"
    footer = (
        f'<p style="font-size:12px;color:#555"><a href="{escape(unsubscribe)}">Unsubscribe</a></p>'
    )
    body_html = (
        body_html.replace("</body>", footer + "</body>", 1)
        if "</body>" in body_html
        else body_html + footer
    )
    if send_key is not None:
        body_html = tracking.track_html(body_html, send_key)
    return Composed(subject or "(no subject)", text, body_html, unsubscribe)


def render_template_email(template_version_id: int, partner_id: int, step: dict):
    """An ``email`` brand template rendered for the partner, as campaigns render email assets:
    the partner's brand kit and profile as context, the step's presets as the vendor's values.
    """
    from brand_templates import render, resolve_values
    from brand_templates.models import BrandTemplateVersion
    from brand_templates.versions import version_bundle
    from campaigns import email_images
    from directory.context import partner_context, vendor_context
    from directory.models import Partner

    version = session.get(BrandTemplateVersion, template_version_id)
    partner = session.get(Partner, partner_id)
    if version is None or partner is None:
        raise ValueError("The email template of this step is missing.")
    bundle = version_bundle(version)
    context = {"partner": partner_context(partner), "vendor": vendor_context()}
    values = resolve_values(
        bundle.manifest,
        context,
        step.get("presets") or {},
        None,
        as_partner=False,
        files=bundle.files.keys(),
    )
    from app.storage import get_storage

    links = email_images.url_prefix()
    rendered = render(
        bundle,
        {**context, "fields": values},
        get_storage().get,
        fmt="html",
        publish_image=email_images.publisher(links),
    )
    if rendered.email is None:
        raise ValueError("The template of this step is not an email template.")
    return rendered.email
