"""A template bundle: the files of a brand template, loaded from a folder or a zip."""

from __future__ import annotations

import hashlib
import io
import json
import lzma
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .errors import TemplateInvalid, ValidationError
from .manifest import MANIFEST_FILE, Manifest, check_relative_path, parse_manifest

MAX_BUNDLE_BYTES = 20 * 1024 * 1024
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 200
# what desktop zip tools add and no template needs
IGNORED_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
IGNORED_DIRS = frozenset({"__MACOSX", ".git"})
# a fixed timestamp, so that the same files always make the same zip
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass
class TemplateBundle:
    """The files of one brand template, keyed by their relative POSIX path."""

    files: dict[str, bytes]
    origin: str = field(default="<bundle>", compare=False)

    @cached_property
    def parsed(self) -> tuple[Manifest | None, list[ValidationError]]:
        if MANIFEST_FILE not in self.files:
            return None, [
                ValidationError(MANIFEST_FILE, None, None, "the bundle has no template.toml")
            ]
        return parse_manifest(self.files[MANIFEST_FILE], files=self.files.keys())

    @property
    def manifest(self) -> Manifest:
        """The parsed manifest; TemplateInvalid if template.toml is broken."""
        manifest, errors = self.parsed
        if manifest is None:
            raise TemplateInvalid(errors)
        return manifest

    @property
    def total_bytes(self) -> int:
        return sum(len(data) for data in self.files.values())

    @cached_property
    def sha256(self) -> str:
        """A content hash of the file names and bytes (independent of zip metadata)."""
        listing = {name: hashlib.sha256(data).hexdigest() for name, data in self.files.items()}
        canonical = json.dumps(listing, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def text(self, name: str) -> str:
        return self.files[name].decode("utf-8")

    def to_zip(self) -> bytes:
        """A deterministic zip of the files: equal bundles give equal bytes."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(self.files):
                info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = (stat.S_IFREG | 0o644) << 16
                archive.writestr(info, self.files[name])
        return buffer.getvalue()


def limit_errors(names_and_sizes: list[tuple[str, int]]) -> list[ValidationError]:
    """Errors for unsafe paths, too many files and too many bytes."""
    errors: list[ValidationError] = []
    for name, size in names_and_sizes:
        problem = check_relative_path(name)
        if problem:
            errors.append(ValidationError(name, None, None, f"unsafe path: {problem}"))
        if size > MAX_FILE_BYTES:
            errors.append(
                ValidationError(
                    name, None, None, f"{size} bytes; a file may have at most {MAX_FILE_BYTES}"
                )
            )
    if len(names_and_sizes) > MAX_FILES:
        errors.append(
            ValidationError(
                None,
                None,
                None,
                f"{len(names_and_sizes)} files; a template may have at most {MAX_FILES}",
            )
        )
    total = sum(size for _, size in names_and_sizes)
    if total > MAX_BUNDLE_BYTES:
        errors.append(
            ValidationError(
                None,
                None,
                None,
                f"{total} bytes in all; a template may have at most {MAX_BUNDLE_BYTES}",
            )
        )
    return errors


def _ignored(name: str) -> bool:
    parts = name.split("/")
    return parts[-1] in IGNORED_NAMES or any(part in IGNORED_DIRS for part in parts)


def load_bundle(source: str | Path | bytes) -> TemplateBundle:
    """Load a bundle from a folder, a .zip file path or zip bytes.

    Refuses (TemplateInvalid) what cannot be read safely: symlinks, paths leaving the
    folder, too many files or bytes. Everything else is reported by ``validate``.
    """
    if isinstance(source, bytes | bytearray):
        return _load_zip(bytes(source), "<upload>")
    path = Path(source)
    if path.is_dir():
        return _load_folder(path)
    if path.is_file():
        return _load_zip(path.read_bytes(), path.name)
    raise TemplateInvalid([ValidationError(str(path), None, None, "no such folder or zip file")])


def _load_folder(root: Path) -> TemplateBundle:
    errors: list[ValidationError] = []
    found: list[tuple[str, Path, int]] = []
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if _ignored(name):
            continue
        if path.is_symlink():
            errors.append(ValidationError(name, None, None, "symbolic links are not allowed"))
            continue
        if path.is_dir():
            continue
        if not path.is_file():
            errors.append(ValidationError(name, None, None, "not a regular file"))
            continue
        found.append((name, path, path.stat().st_size))
    errors += limit_errors([(name, size) for name, _, size in found])
    if errors:
        raise TemplateInvalid(errors)
    return TemplateBundle({name: path.read_bytes() for name, path, _ in found}, origin=str(root))


# what a broken entry raises while it is read: a CRC or header mismatch (BadZipFile), a
# corrupt deflate, bzip2 or LZMA stream, a stream cut short, an unsupported feature
_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    ValueError,
)
SUPPORTED_METHODS = {
    zipfile.ZIP_STORED: "stored",
    zipfile.ZIP_DEFLATED: "deflate",
    zipfile.ZIP_BZIP2: "bzip2",
    zipfile.ZIP_LZMA: "lzma",
}


def _entry_problem(info: zipfile.ZipInfo) -> str | None:
    """Why the entry cannot be read at all, before trying."""
    if info.flag_bits & 0x1:
        return "the entry is encrypted; zip the template without a password"
    if info.compress_type not in SUPPORTED_METHODS:
        return (
            f"compression method {info.compress_type} is not supported; "
            "zip the template with deflate (the usual method)"
        )
    return None


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The bytes of one entry, at most MAX_FILE_BYTES + 1; ValueError saying why it is
    unreadable (encrypted, an unknown compression, its checksum fails, corrupt data...)."""
    problem = _entry_problem(info)
    if problem:
        raise ValueError(problem)
    try:
        with archive.open(info) as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    except _READ_ERRORS as exc:
        if isinstance(exc, zipfile.BadZipFile) and "CRC" in str(exc):
            why = "its checksum (CRC-32) does not match its data"
        else:
            why = f"{type(exc).__name__}: {exc}"
        raise ValueError(f"the zip entry cannot be read: {why}") from exc


def _load_zip(data: bytes, origin: str) -> TemplateBundle:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _READ_ERRORS as exc:
        raise TemplateInvalid(
            [ValidationError(origin, None, None, f"not a zip file: {exc}")]
        ) from exc
    with archive:
        errors: list[ValidationError] = []
        entries: list[zipfile.ZipInfo] = []
        for info in archive.infolist():
            if info.is_dir() or _ignored(info.filename):
                continue
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                errors.append(
                    ValidationError(info.filename, None, None, "symbolic links are not allowed")
                )
                continue
            entries.append(info)
        prefix = _common_folder([info.filename for info in entries])
        # the sizes a zip declares can lie; reading is capped below as well
        errors += limit_errors([(info.filename, info.file_size) for info in entries])
        if errors:
            raise TemplateInvalid(errors)
        files: dict[str, bytes] = {}
        total = 0
        for info in entries:
            name = info.filename[len(prefix) :]
            try:
                content = _read_entry(archive, info)
            except ValueError as exc:
                errors.append(ValidationError(info.filename, None, None, str(exc)))
                continue
            if len(content) != info.file_size and len(content) <= MAX_FILE_BYTES:
                errors.append(
                    ValidationError(
                        info.filename,
                        None,
                        None,
                        f"the zip entry declares {info.file_size} bytes but holds "
                        f"{len(content)}: the zip is damaged",
                    )
                )
                continue
            total += len(content)
            if len(content) > MAX_FILE_BYTES or total > MAX_BUNDLE_BYTES:
                raise TemplateInvalid(
                    [
                        *errors,
                        ValidationError(
                            name, None, None, "the file is larger than its zip entry declares"
                        ),
                    ]
                )
            if name in files:
                errors.append(ValidationError(name, None, None, "the zip holds this path twice"))
                continue
            files[name] = content
        if errors:
            raise TemplateInvalid(errors)
    return TemplateBundle(files, origin=origin)


def _common_folder(names: list[str]) -> str:
    """'flyer/' when every file sits in one top folder that holds template.toml (a zipped
    folder)."""
    if not names or MANIFEST_FILE in names:
        return ""
    first = names[0].split("/", 1)[0] + "/"
    if all(name.startswith(first) for name in names) and first + MANIFEST_FILE in names:
        return first
    return ""
