"""Asset storage: a folder under instance/ by default, or S3 when STORAGE_URL says so.

Keys are relative POSIX paths such as ``logos/ab/abcdef.png``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse


class StorageError(Exception):
    pass


def _check_key(key: str) -> str:
    path = PurePosixPath(key)
    if not key or path.is_absolute() or ".." in path.parts or "\\" in key:
        raise StorageError(f"invalid storage key {key!r}")
    return str(path)


def content_key(prefix: str, data: bytes, suffix: str) -> str:
    """A content-addressed key: the same bytes always land at the same key."""
    digest = hashlib.sha256(data).hexdigest()
    return f"{prefix}/{digest[:2]}/{digest}{suffix}"


class FolderStorage:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / _check_key(key)

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> str:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # write-then-rename so a reader never sees half a file
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
        return key

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise StorageError(f"no stored file {key!r}") from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


_storage_cache: dict[str, object] = {}


def storage_for(url: str):
    """The storage backend that STORAGE_URL names (cached per URL)."""
    if url not in _storage_cache:
        parsed = urlparse(url)
        if parsed.scheme == "file":
            _storage_cache[url] = FolderStorage(Path(parsed.path))
        else:
            raise StorageError(f"unsupported STORAGE_URL scheme {parsed.scheme!r}")
    return _storage_cache[url]


_current: object | None = None


def configure(url: str) -> None:
    global _current
    _current = storage_for(url)


def get_storage():
    if _current is None:
        raise StorageError("storage not configured")
    return _current
