"""The only way renderers reach bytes outside their arguments.

A template may use its own files (``images/hero.png`` or ``asset:images/hero.png``),
files in Tandem's storage (``storage:logos/ab/abcd.png``) and small ``data:`` URLs.
Everything else (``file:``, ``http(s):``, absolute paths, ``..``) is refused, so a
template or a partner value can never read the server's disk or reach the network.
"""

from __future__ import annotations

import base64
import mimetypes
import posixpath
import re
from collections.abc import Callable, Mapping
from urllib.parse import unquote, unquote_to_bytes

from . import limits
from .errors import AssetNotFound, AssetRefused, RenderError

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_FORBIDDEN_CHARS = re.compile(r"[\x00-\x1f\x7f\\]")

# (magic prefix, offset, mime type); checked before the file name, which can lie
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"%PDF-", 0, "application/pdf"),
    (b"wOFF", 0, "font/woff"),
    (b"wOF2", 0, "font/woff2"),
    (b"OTTO", 0, "font/otf"),
    (b"\x00\x01\x00\x00", 0, "font/ttf"),
    (b"true", 0, "font/ttf"),
)
_TEXT_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".html": "text/html",
    ".htm": "text/html",
    ".txt": "text/plain",
    ".json": "application/json",
}


def sniff_mime(data: bytes, name: str = "") -> str:
    """Mime type from the content's magic bytes, else from the name's extension."""
    for magic, offset, mime in _MAGIC:
        if data[offset : offset + len(magic)] == magic:
            if mime == "image/webp" and not data.startswith(b"RIFF"):
                continue
            return mime
    ext = posixpath.splitext(name.lower())[1]
    if ext in _TEXT_TYPES:
        return _TEXT_TYPES[ext]
    head = data[:512].lstrip()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in data[:4096]):
        return "image/svg+xml"
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def normalize_path(path: str) -> str | None:
    """A template-relative path in canonical form, or None if it leaves the template."""
    if not path or path.startswith("/") or _FORBIDDEN_CHARS.search(path):
        return None
    if _SCHEME.match(path):
        return None
    normal = posixpath.normpath(path)
    if normal == "." or normal == ".." or normal.startswith("../") or normal.startswith("/"):
        return None
    if ".." in path.split("/"):
        # even a '..' that stays inside is refused: a template has no reason to use it
        return None
    return normal


class AssetResolver:
    """Resolve the asset URLs a template or a value may use to ``(bytes, mime type)``."""

    # run_limited forwards these calls from a render child to the parent process, so
    # storage is only ever used by the process that owns its connections
    run_in_parent = frozenset({"_fetch_storage"})

    def __init__(
        self,
        template_files: Mapping[str, bytes],
        storage_get: Callable[[str], bytes] | None = None,
        max_bytes: int = 10 * 1024 * 1024,
    ):
        files: dict[str, bytes] = {}
        for name, data in template_files.items():
            normal = normalize_path(name)
            if normal is None:
                raise ValueError(f"template file name {name!r} is not a relative path")
            files[normal] = bytes(data)
        self._files = files
        self._storage_get = storage_get
        self.max_bytes = max_bytes

    @property
    def template_files(self) -> Mapping[str, bytes]:
        return self._files

    def with_max_bytes(self, max_bytes: int) -> AssetResolver:
        """The same resolver with a tighter size limit (never a looser one)."""
        if max_bytes >= self.max_bytes:
            return self
        clone = object.__new__(AssetResolver)
        clone.__dict__.update(self.__dict__)
        clone.max_bytes = max_bytes
        return clone

    def resolve(self, url: str) -> tuple[bytes, str]:
        url = url.strip()
        scheme_match = _SCHEME.match(url)
        scheme = scheme_match.group(1).lower() if scheme_match else ""
        if scheme == "data":
            return self._resolve_data(url)
        if scheme == "storage":
            key = url[len("storage:") :]
            if normalize_path(key) is None:
                raise AssetRefused(url, "not a valid storage key")
            data = limits.call_in_parent(self, "_fetch_storage", url, key)
            return self._checked(url, data), sniff_mime(data, key)
        if scheme == "asset":
            path = url[len("asset:") :]
        elif scheme:
            raise AssetRefused(url, "only the template's own files and storage: URLs may be used")
        else:
            path = url
        path = unquote(path.split("#", 1)[0].split("?", 1)[0])
        normal = normalize_path(path)
        if normal is None:
            raise AssetRefused(url, "not a path inside the template")
        try:
            data = self._files[normal]
        except KeyError:
            raise AssetNotFound(url, "the template has no such file") from None
        return self._checked(url, data), sniff_mime(data, normal)

    def _fetch_storage(self, url: str, key: str) -> bytes:
        if self._storage_get is None:
            raise AssetRefused(url, "storage: URLs are not available for this render")
        try:
            data = self._storage_get(key)
        except RenderError:
            raise
        except Exception as exc:  # storage backends raise their own types
            raise AssetNotFound(url, f"not in storage ({type(exc).__name__})") from exc
        return self._checked(url, data)

    def _resolve_data(self, url: str) -> tuple[bytes, str]:
        # base64 inflates by 4/3; refuse before decoding anything huge
        if len(url) > self.max_bytes * 4 // 3 + 256:
            raise AssetRefused(url, f"data: URL larger than {self.max_bytes} bytes")
        header, sep, payload = url[len("data:") :].partition(",")
        if not sep:
            raise AssetRefused(url, "malformed data: URL")
        params = header.split(";")
        mime = params[0].strip().lower() or "text/plain"
        try:
            if "base64" in (p.strip().lower() for p in params[1:]):
                data = base64.b64decode(payload, validate=False)
            else:
                data = unquote_to_bytes(payload)
        except ValueError:
            raise AssetRefused(url, "malformed data: URL") from None
        data = self._checked(url, data)
        sniffed = sniff_mime(data)
        return data, sniffed if sniffed != "application/octet-stream" else mime

    def _checked(self, url: str, data: bytes) -> bytes:
        if len(data) > self.max_bytes:
            raise AssetRefused(url, f"larger than {self.max_bytes} bytes")
        return bytes(data)
