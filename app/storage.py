"""Asset storage: a folder under instance/ by default, or S3 when STORAGE_URL says so.

Keys are relative POSIX paths such as ``logos/ab/abcdef.png``. ``STORAGE_URL`` forms:

- ``file:///srv/tandem/storage``: a folder;
- ``s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=eu-central-1``: any S3-compatible
  store (credentials from the usual AWS variables or instance role); downloads are presigned.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs, urlparse


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

    def presigned_url(self, key: str, **_kwargs) -> str | None:
        """Folders have no presigned URLs: the web app serves the bytes itself."""
        return None


class S3Storage:
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint: str | None = None,
        region: str | None = None,
    ):
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=region or "us-east-1",
            config=Config(
                signature_version="s3v4",
                retries={"max_attempts": 3, "mode": "standard"},
                s3={"addressing_style": "path" if endpoint else "auto"},
            ),
        )

    def _key(self, key: str) -> str:
        key = _check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> str:
        self.client.put_object(
            Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type
        )
        return key

    def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise StorageError(f"no stored file {key!r}") from exc
            raise

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return False
            raise

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def presigned_url(
        self,
        key: str,
        *,
        expires: int = 300,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> str:
        """A short-lived URL for downloading ``key`` straight from the store."""
        params = {"Bucket": self.bucket, "Key": self._key(key)}
        if filename:
            safe = filename.replace('"', "")
            params["ResponseContentDisposition"] = f'attachment; filename="{safe}"'
        if content_type:
            params["ResponseContentType"] = content_type
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires)


_storage_cache: dict[str, object] = {}


def storage_for(url: str):
    """The storage backend that STORAGE_URL names (cached per URL)."""
    if url not in _storage_cache:
        parsed = urlparse(url)
        if parsed.scheme == "file":
            _storage_cache[url] = FolderStorage(Path(parsed.path))
        elif parsed.scheme == "s3":
            if not parsed.netloc:
                raise StorageError("STORAGE_URL s3://bucket/prefix needs a bucket name")
            query = parse_qs(parsed.query)
            _storage_cache[url] = S3Storage(
                parsed.netloc,
                parsed.path,
                endpoint=query.get("endpoint", [None])[0],
                region=query.get("region", [None])[0],
            )
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
