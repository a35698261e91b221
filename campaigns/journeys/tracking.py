"""Opens and clicks of journey emails: a tracking pixel and signed redirect links per send.

The tokens carry the send's unique key (known before the send's row is written) and are
signed with the program's secret key (``app.security``): a forged link is refused and a
click can only lead where the email linked. Opens from mail-privacy proxies (which fetch
every image of every message) are counted but marked; clicks are the reliable signal.
"""

from __future__ import annotations

import re
from html import escape

from sqlalchemy import select

from app import clock, runtime, security
from app.db import session
from campaigns.journeys import enrollments
from campaigns.journeys.models import Enrollment, JourneySend

OPEN_SALT = "journey-open"
CLICK_SALT = "journey-click"
MAX_AGE = 3600 * 24 * 365
# user agents of the image proxies that prefetch mail (Apple Mail Privacy Protection, Gmail,
# Yahoo): such an open says the message arrived, not that someone read it
PROXY_AGENTS = re.compile(r"GoogleImageProxy|YahooMailProxy|Mozilla/5\.0$|ggpht\.com", re.I)
PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
_HREF = re.compile(r'href="(https?://[^"]+)"', re.I)


def _secret() -> str:
    return runtime.settings().secret_key


def open_url(send_key: str) -> str:
    token = security.sign(_secret(), OPEN_SALT, send_key)
    return f"{runtime.settings().base_url}/t/o/{token}.gif"


def click_url(send_key: str, target: str) -> str:
    token = security.sign(_secret(), CLICK_SALT, [send_key, target])
    return f"{runtime.settings().base_url}/t/c/{token}"


def track_html(html: str, send_key: str) -> str:
    """HTML with its web links through the click redirect and the open pixel at the end."""
    base = runtime.settings().base_url

    def swap(match: re.Match) -> str:
        target = match.group(1).replace("&amp;", "&")
        if target.startswith(f"{base}/unsubscribe/"):
            return match.group(0)
        return f'href="{escape(click_url(send_key, target))}"'

    tracked = _HREF.sub(swap, html)
    pixel = f'<img src="{escape(open_url(send_key))}" width="1" height="1" alt="">'
    if "</body>" in tracked:
        return tracked.replace("</body>", pixel + "</body>", 1)
    return tracked + pixel


def is_proxy(user_agent: str) -> bool:
    return bool(PROXY_AGENTS.search(user_agent or ""))


def _send(key: str) -> JourneySend | None:
    return session.execute(select(JourneySend).where(JourneySend.key == key)).scalar_one_or_none()


def _wake_subject(send: JourneySend) -> None:
    enrollments.wake(partner_id=send.partner_id, prospect_id=send.prospect_id)


def record_open(token: str, user_agent: str = "") -> bool:
    """Count an open of the send the token names; False for a bad token. Commits."""
    key = security.unsign(_secret(), OPEN_SALT, token, MAX_AGE)
    send = _send(key) if isinstance(key, str) else None
    if send is None:
        return False
    proxy = is_proxy(user_agent)
    if send.opened_at is None:
        send.opened_at = clock.now()
        send.opened_by_proxy = proxy
        _wake_subject(send)
    elif not proxy:
        send.opened_by_proxy = False
    send.opens += 1
    session.commit()
    return True


def record_click(token: str) -> str | None:
    """Count a click; the link's target, or None for a bad token. Commits."""
    payload = security.unsign(_secret(), CLICK_SALT, token, MAX_AGE)
    if not (isinstance(payload, list) and len(payload) == 2):
        return None
    key, target = payload
    if not str(target).startswith(("http://", "https://")):
        return None
    send = _send(str(key))
    if send is not None:
        now = clock.now()
        if send.clicked_at is None:
            send.clicked_at = now
            _wake_subject(send)
        # a click is an open too, and a real one
        if send.opened_at is None:
            send.opened_at = now
        send.opened_by_proxy = False
        send.clicks += 1
        session.commit()
    return str(target)


def record_unsubscribe(address: str) -> int:
    """The address unsubscribed: mark its latest journey send and end its enrollments' waits
    (their next email step sees the suppression and exits). The caller commits."""
    address = address.lower()
    send = session.execute(
        select(JourneySend)
        .where(JourneySend.to_address == address)
        .order_by(JourneySend.sent_at.desc(), JourneySend.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if send is None:
        return 0
    if send.unsubscribed_at is None:
        send.unsubscribed_at = clock.now()
    subjects = session.execute(
        select(JourneySend.partner_id, JourneySend.prospect_id)
        .where(JourneySend.to_address == address)
        .distinct()
    ).all()
    woken = 0
    for partner_id, prospect_id in subjects:
        woken += enrollments.wake(partner_id=partner_id, prospect_id=prospect_id)
    return woken


def enrollment_of(send_key: str) -> Enrollment | None:
    send = _send(send_key)
    return session.get(Enrollment, send.enrollment_id) if send else None
