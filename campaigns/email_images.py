"""The images of emails that leave Tandem, published at ``<BASE_URL>/m/<token>.<ext>``.

Mail clients do not show ``data:`` images (Gmail, Outlook), so an email that a partner
downloads (or that Tandem's journeys will send) links its images (the partner's logo, the
template's pictures, the partner's uploads) instead. Each image is published by its bytes:

- its token is an HMAC-SHA256 of the bytes, keyed with a key derived from SECRET_KEY. The
  same bytes always get the same URL and the bytes behind a URL never change, so it is
  cached for good; and without both the bytes and the key nobody can compute or guess the
  URL of an image, nor learn from a URL anything about where Tandem stores its files;
- the bytes are copied to ``email-images/<2 hex>/<token>.<ext>`` in storage, and the public
  route serves that prefix only: what can be fetched is what an email render published,
  never another stored file.

Whether images are published or inlined is decided in ``campaigns.rendering``: the files
partners download (and the mail Tandem sends) publish them; the app's own previews inline
them and publish nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable

from app import runtime
from app.storage import StorageError, get_storage

PATH = "/m/"  # the public route (app.web.public) serves PATH + "<token>.<ext>"
STORAGE_PREFIX = "email-images"
MIME_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "svg": "image/svg+xml",
}
EXTENSIONS = {mime: ext for ext, mime in MIME_TYPES.items()}
CACHE_CONTROL = "public, max-age=31536000, immutable"
_TOKEN = re.compile(r"[0-9a-f]{64}")
_PURPOSE = b"tandem email images"


def url_prefix() -> str:
    """What every published image's URL starts with: ``<BASE_URL>/m/``."""
    return runtime.settings().base_url + PATH


def token_of(data: bytes) -> str:
    """The token of an image's bytes: 64 hex digits, computable only with SECRET_KEY."""
    secret = runtime.settings().secret_key.encode("utf-8")
    # a key of its own, so that no other use of SECRET_KEY ever signs what this one does
    key = hmac.new(secret, _PURPOSE, hashlib.sha256).digest()
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def _storage_key(token: str, ext: str) -> str:
    return f"{STORAGE_PREFIX}/{token[:2]}/{token}.{ext}"


def publish(data: bytes, mime: str, prefix: str | None = None) -> str | None:
    """Publish an image's bytes; its absolute URL (under PREFIX, default ``url_prefix()``).

    None for a type that is not an image a mail client shows: the caller keeps it inline.
    Publishing the same bytes again stores nothing.
    """
    ext = EXTENSIONS.get(mime)
    if ext is None:
        return None
    token = token_of(data)
    key = _storage_key(token, ext)
    storage = get_storage()
    if not storage.exists(key):
        storage.put(key, data, mime)
    return f"{prefix or url_prefix()}{token}.{ext}"


def publisher(prefix: str) -> Callable[[bytes, str], str | None]:
    """``publish`` under PREFIX, in the shape ``brand_templates.render(publish_image=)``
    takes."""
    return lambda data, mime: publish(data, mime, prefix)


def published(token: str, ext: str) -> tuple[bytes, str] | None:
    """(bytes, content type) of the image published as ``<token>.<ext>``, or None."""
    mime = MIME_TYPES.get(ext)
    if mime is None or not _TOKEN.fullmatch(token):
        return None
    try:
        return get_storage().get(_storage_key(token, ext)), mime
    except StorageError:
        return None
