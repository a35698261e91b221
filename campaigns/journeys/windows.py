"""Time windows in the recipient's time zone (pure): "weekdays 09:00-17:00 in Europe/Berlin".

Times in and out are naive UTC, like the database's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from campaigns.journeys.definition import WEEKDAYS

# a recipient's time zone when only its country is known (the capital's)
COUNTRY_ZONES = {
    "AT": "Europe/Vienna", "AU": "Australia/Sydney", "BE": "Europe/Brussels",
    "BR": "America/Sao_Paulo", "CA": "America/Toronto", "CH": "Europe/Zurich",
    "CN": "Asia/Shanghai", "CZ": "Europe/Prague", "DE": "Europe/Berlin",
    "DK": "Europe/Copenhagen", "ES": "Europe/Madrid", "FI": "Europe/Helsinki",
    "FR": "Europe/Paris", "GB": "Europe/London", "GR": "Europe/Athens",
    "HU": "Europe/Budapest", "IE": "Europe/Dublin", "IN": "Asia/Kolkata", "IT": "Europe/Rome",
    "JP": "Asia/Tokyo", "LU": "Europe/Luxembourg", "MX": "America/Mexico_City",
    "NL": "Europe/Amsterdam", "NO": "Europe/Oslo", "NZ": "Pacific/Auckland",
    "PL": "Europe/Warsaw", "PT": "Europe/Lisbon", "RO": "Europe/Bucharest",
    "SE": "Europe/Stockholm", "SG": "Asia/Singapore", "SK": "Europe/Bratislava",
    "TR": "Europe/Istanbul", "UA": "Europe/Kyiv", "US": "America/New_York",
    "ZA": "Africa/Johannesburg",
}  # fmt: skip


def zone(name: str | None, country: str | None = None, default: str = "UTC") -> ZoneInfo:
    """The time zone named NAME, else COUNTRY's, else DEFAULT's (else UTC)."""
    for candidate in (name, COUNTRY_ZONES.get((country or "").upper()), default):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def parse_hhmm(text: str) -> time:
    hours, minutes = str(text).split(":")
    return time(int(hours), int(minutes))


def _local(now: datetime, tz: ZoneInfo) -> datetime:
    return now.replace(tzinfo=UTC).astimezone(tz)


def _utc(local: datetime) -> datetime:
    return local.astimezone(UTC).replace(tzinfo=None)


def _days(window: dict) -> set[int]:
    names = window.get("days") or list(WEEKDAYS)
    return {WEEKDAYS.index(name) for name in names if name in WEEKDAYS}


def in_window(now: datetime, window: dict, tz: ZoneInfo) -> bool:
    local = _local(now, tz)
    start, end = parse_hhmm(window.get("start", "00:00")), parse_hhmm(window.get("end", "23:59"))
    return local.weekday() in _days(window) and start <= local.time().replace(tzinfo=None) < end


def next_opening(now: datetime, window: dict, tz: ZoneInfo) -> datetime:
    """NOW if it is inside WINDOW, else when the window next opens (naive UTC)."""
    if in_window(now, window, tz):
        return now
    local = _local(now, tz)
    start = parse_hhmm(window.get("start", "00:00"))
    days = _days(window) or set(range(7))
    for offset in range(0, 8):
        day: date = local.date() + timedelta(days=offset)
        if day.weekday() not in days:
            continue
        candidate = datetime.combine(day, start, tzinfo=tz)
        # a start that does not exist that day (a DST gap) is read past the gap by zoneinfo
        if _utc(candidate) > now:
            return _utc(candidate)
    return now + timedelta(days=7)
