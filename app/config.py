"""Configuration: every setting Tandem reads from the environment, in one place."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_INSTANCE = Path(__file__).resolve().parent.parent / "instance"
DEFAULT_TEMPLATE_MAX_PAGES_CEILING = 200
DEFAULT_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_TILE_ATTRIBUTION = "&copy; OpenStreetMap contributors"
GEOCODERS = ("", "nominatim")


def _secret_key(instance: Path) -> str:
    """A key generated once and kept in the instance folder (used when SECRET_KEY is unset)."""
    key_file = instance / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return key_file.read_text().strip()


@dataclass
class Settings:
    instance_dir: Path
    secret_key: str
    database_url: str
    broker_url: str
    result_backend: str
    storage_url: str
    mail_url: str
    mail_sender: str
    base_url: str
    max_upload_bytes: int = 10 * 1024 * 1024
    # failed sign-ins (and other guesses of a secret) before a pause, in Flask-Limiter's
    # notation, and where the counts are kept: Redis when there is one, else this process
    login_limit_per_account: str = "5 per 15 minutes"
    login_limit_per_address: str = "30 per 15 minutes"
    ratelimit_storage_url: str = "memory://"
    # applications sent on the public form per client address
    application_limit_per_address: str = "5 per hour"
    # the largest `max_pages` a brand template may declare in its template.toml
    template_max_pages_ceiling: int = DEFAULT_TEMPLATE_MAX_PAGES_CEILING
    # the frequency cap of journey emails per recipient, across journeys: at most this many
    # per this many days (more are postponed, not dropped); 0 emails: no cap
    journey_cap_emails: int = 2
    journey_cap_days: int = 7
    # a journey batch claimed longer ago than this was left by a worker that died
    journey_lease_seconds: int = 120
    # messages the workers send per minute, all mail together (0: no limit); more wait
    mail_rate_per_minute: int = 0
    # the locator: an online geocoder ("" = the offline gazetteer only; "nominatim"), and the
    # map's tile server with the attribution its licence asks for
    geocoder: str = ""
    geocoder_domain: str = "nominatim.openstreetmap.org"
    geocoder_user_agent: str = "tandem-partner-locator"
    map_tile_url: str = DEFAULT_TILE_URL
    map_attribution: str = DEFAULT_TILE_ATTRIBUTION
    # requests to the public locator API and its pages, per client address
    public_api_limit: str = "120 per minute"
    # customers' requests (leads) sent on the public forms, per client address
    lead_limit_per_address: str = "10 per hour"

    @property
    def embedded_broker(self) -> bool:
        return self.broker_url.startswith("sqla+")


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from environment variables (``env`` replaces os.environ, for tests)."""
    env = os.environ if env is None else env
    instance = Path(env.get("TANDEM_INSTANCE") or DEFAULT_INSTANCE).resolve()
    instance.mkdir(parents=True, exist_ok=True)
    redis_url = env.get("REDIS_URL")
    return Settings(
        instance_dir=instance,
        secret_key=env.get("SECRET_KEY") or _secret_key(instance),
        database_url=env.get("DATABASE_URL") or f"sqlite:///{instance / 'tandem.sqlite'}",
        broker_url=env.get("BROKER_URL")
        or redis_url
        or f"sqla+sqlite:///{instance / 'broker.sqlite'}",
        result_backend=redis_url or f"db+sqlite:///{instance / 'results.sqlite'}",
        storage_url=env.get("STORAGE_URL") or f"file://{instance / 'storage'}",
        mail_url=env.get("MAIL_URL") or "outbox:",
        mail_sender=env.get("MAIL_SENDER") or "Tandem <no-reply@tandem.invalid>",
        mail_rate_per_minute=_whole_number(env, "MAIL_RATE_PER_MINUTE", 0),
        base_url=(env.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        max_upload_bytes=int(env.get("MAX_UPLOAD_BYTES") or 10 * 1024 * 1024),
        login_limit_per_account=env.get("LOGIN_LIMIT_PER_ACCOUNT") or "5 per 15 minutes",
        login_limit_per_address=env.get("LOGIN_LIMIT_PER_ADDRESS") or "30 per 15 minutes",
        ratelimit_storage_url=redis_url or "memory://",
        application_limit_per_address=env.get("APPLICATION_LIMIT_PER_ADDRESS") or "5 per hour",
        template_max_pages_ceiling=template_max_pages_ceiling(env),
        journey_cap_emails=int(env.get("JOURNEY_CAP_EMAILS") or 2),
        journey_cap_days=int(env.get("JOURNEY_CAP_DAYS") or 7),
        journey_lease_seconds=int(env.get("JOURNEY_LEASE_SECONDS") or 120),
        geocoder=_geocoder(env),
        geocoder_domain=env.get("GEOCODER_DOMAIN") or "nominatim.openstreetmap.org",
        geocoder_user_agent=env.get("GEOCODER_USER_AGENT") or "tandem-partner-locator",
        map_tile_url=env.get("MAP_TILE_URL") or DEFAULT_TILE_URL,
        map_attribution=env.get("MAP_ATTRIBUTION") or DEFAULT_TILE_ATTRIBUTION,
        public_api_limit=env.get("PUBLIC_API_LIMIT") or "120 per minute",
        lead_limit_per_address=env.get("LEAD_LIMIT_PER_ADDRESS") or "10 per hour",
    )


def _geocoder(env: Mapping[str, str]) -> str:
    value = (env.get("GEOCODER") or "").strip().lower()
    if value not in GEOCODERS:
        raise ValueError(f"GEOCODER must be empty or one of {GEOCODERS[1:]}, not {value!r}")
    return value


def template_max_pages_ceiling(env: Mapping[str, str] | None = None) -> int:
    """``TEMPLATE_MAX_PAGES_CEILING``, read without the side effects of ``load_settings``
    (``tandem templates validate`` runs without an instance folder)."""
    env = os.environ if env is None else env
    value = (env.get("TEMPLATE_MAX_PAGES_CEILING") or "").strip()
    if not value:
        return DEFAULT_TEMPLATE_MAX_PAGES_CEILING
    if not value.isdigit() or int(value) < 1:
        raise ValueError(
            f"TEMPLATE_MAX_PAGES_CEILING must be a whole number of pages, not {value!r}"
        )
    return int(value)


def _whole_number(env: Mapping[str, str], name: str, default: int) -> int:
    value = (env.get(name) or "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ValueError(f"{name} must be a whole number (0 or more), not {value!r}")
    return int(value)
