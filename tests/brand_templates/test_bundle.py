"""Loading bundles from folders and zips, and refusing unsafe archives."""

from __future__ import annotations

import io
import os
import stat
import zipfile

import pytest

from brand_templates import bundle as bundle_module
from brand_templates.bundle import TemplateBundle, load_bundle
from brand_templates.errors import TemplateInvalid
from brand_templates.validation import validate

from .conftest import PDF_MANIFEST, PDF_SOURCE, png, toml


def zip_bytes(entries: dict[str, bytes], *, symlinks: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


def write_folder(root, files):
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


FILES = {
    "template.toml": toml(PDF_MANIFEST),
    "flyer.html": PDF_SOURCE.encode(),
    "images/dot.png": png(),
}


def test_folder_zip_file_and_zip_bytes_load_the_same_bundle(tmp_path):
    write_folder(tmp_path / "flyer", FILES)
    (tmp_path / "flyer" / ".DS_Store").write_bytes(b"junk")
    from_folder = load_bundle(tmp_path / "flyer")
    data = from_folder.to_zip()
    (tmp_path / "flyer.zip").write_bytes(data)
    assert from_folder.files == FILES
    assert load_bundle(tmp_path / "flyer.zip") == from_folder
    assert load_bundle(data) == from_folder
    assert validate(from_folder) == []


def test_zip_of_a_folder_is_unwrapped_and_mac_junk_ignored():
    entries = {f"flyer/{name}": data for name, data in FILES.items()}
    entries["__MACOSX/flyer/._flyer.html"] = b"junk"
    assert load_bundle(zip_bytes(entries)).files == FILES


def test_to_zip_is_deterministic_and_sha_ignores_zip_metadata():
    one = TemplateBundle(dict(FILES))
    two = TemplateBundle(dict(reversed(list(FILES.items()))))
    assert one.to_zip() == two.to_zip()
    assert one.sha256 == two.sha256 == load_bundle(zip_bytes(FILES)).sha256
    changed = TemplateBundle({**FILES, "flyer.html": b"<p>other</p>"})
    assert changed.sha256 != one.sha256


@pytest.mark.parametrize(
    "name", ["../evil.html", "/etc/cron.d/evil", "a/../../evil", "C:/evil", "a\\..\\evil"]
)
def test_zip_slip_paths_are_refused(name):
    with pytest.raises(TemplateInvalid) as info:
        load_bundle(zip_bytes({**FILES, name: b"x"}))
    assert [e.file for e in info.value.errors] == [name]
    assert info.value.errors[0].message.startswith("unsafe path")


def test_symlinks_are_refused_in_zips_and_folders(tmp_path):
    with pytest.raises(TemplateInvalid) as info:
        load_bundle(zip_bytes(FILES, symlinks={"images/link.png": "/etc/passwd"}))
    assert (info.value.errors[0].file, info.value.errors[0].message) == (
        "images/link.png",
        "symbolic links are not allowed",
    )
    write_folder(tmp_path / "t", FILES)
    os.symlink("/etc/passwd", tmp_path / "t" / "passwd")
    with pytest.raises(TemplateInvalid) as info:
        load_bundle(tmp_path / "t")
    assert [(e.file, e.message) for e in info.value.errors] == [
        ("passwd", "symbolic links are not allowed")
    ]


def test_file_count_and_size_limits(monkeypatch):
    monkeypatch.setattr(bundle_module, "MAX_FILES", 3)
    with pytest.raises(TemplateInvalid, match="4 files; a template may have at most 3"):
        load_bundle(zip_bytes({**FILES, "extra.css": b""}))
    monkeypatch.setattr(bundle_module, "MAX_BUNDLE_BYTES", 100)
    errors = validate(TemplateBundle(dict(FILES)))
    assert any("bytes in all; a template may have at most 100" in e.message for e in errors)
    monkeypatch.setattr(bundle_module, "MAX_FILE_BYTES", 50)
    with pytest.raises(TemplateInvalid) as info:
        load_bundle(zip_bytes(FILES))
    assert {e.file for e in info.value.errors if "a file may have at most 50" in e.message} == {
        "template.toml",
        "flyer.html",
        "images/dot.png",
    }


def test_a_zip_bomb_is_stopped_by_the_declared_size(monkeypatch):
    monkeypatch.setattr(bundle_module, "MAX_FILE_BYTES", 1000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("template.toml", FILES["template.toml"])
        archive.writestr("big.bin", b"\0" * 100_000)
    with pytest.raises(TemplateInvalid, match="a file may have at most 1000"):
        load_bundle(buffer.getvalue())


def test_not_a_zip_and_missing_path(tmp_path):
    with pytest.raises(TemplateInvalid, match="not a zip file"):
        load_bundle(b"PK but not really")
    with pytest.raises(TemplateInvalid, match="no such folder or zip file"):
        load_bundle(tmp_path / "missing")


def test_in_memory_bundle_with_unsafe_names_fails_validation():
    errors = validate(TemplateBundle({**FILES, "../x.css": b""}))
    assert ("../x.css", "unsafe path: '../x.css' must not leave the template folder") in [
        (e.file, e.message) for e in errors
    ]


def test_missing_manifest():
    errors = validate(TemplateBundle({"flyer.html": b"x"}))
    assert [(e.file, e.message) for e in errors] == [
        ("template.toml", "the bundle has no template.toml")
    ]
