from __future__ import annotations

import base64

import pytest

from renderers import AssetNotFound, AssetRefused, AssetResolver

from .conftest import image_bytes


@pytest.fixture
def resolver(storage) -> AssetResolver:
    return AssetResolver(
        {"images/hero.png": image_bytes(), "./css/site.css": b"p{}", "doc.pdf": b"%PDF-1.7 x"},
        storage_get=storage.get,
        max_bytes=64 * 1024,
    )


@pytest.mark.parametrize("url", ["images/hero.png", "asset:images/hero.png", "./images/hero.png"])
def test_template_files_resolve_with_sniffed_mime(resolver, url):
    data, mime = resolver.resolve(url)
    assert data.startswith(b"\x89PNG")
    assert mime == "image/png"


def test_mime_comes_from_content_then_extension(resolver):
    assert resolver.resolve("css/site.css")[1] == "text/css"
    assert resolver.resolve("doc.pdf")[1] == "application/pdf"


def test_storage_urls_go_through_storage_get(resolver, storage):
    data, mime = resolver.resolve("storage:logos/acme.png")
    assert mime == "image/png" and data == storage.files["logos/acme.png"]
    assert storage.reads == ["logos/acme.png"]


def test_missing_files_are_refused_by_name(resolver):
    with pytest.raises(AssetNotFound, match="images/nope.png"):
        resolver.resolve("images/nope.png")
    with pytest.raises(AssetNotFound, match="storage:logos/nope.png"):
        resolver.resolve("storage:logos/nope.png")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://127.0.0.1:9/x.png",
        "https://example.com/x.png",
        "//127.0.0.1/x.png",
        "/etc/passwd",
        "../../etc/passwd",
        "images/../../etc/passwd",
        "asset:../secrets.txt",
        "storage:../../etc/passwd",
        "storage:/etc/passwd",
        "ftp://example.com/x",
        "javascript:alert(1)",
        "C:\\Windows\\win.ini",
        "images\\hero.png",
    ],
)
def test_everything_else_is_refused_naming_the_url(resolver, url):
    with pytest.raises(AssetRefused) as caught:
        resolver.resolve(url)
    assert caught.value.url == url
    assert repr(url) in str(caught.value)


def test_data_urls_up_to_the_size_limit(resolver):
    png = image_bytes()
    data, mime = resolver.resolve("data:image/png;base64," + base64.b64encode(png).decode())
    assert data == png and mime == "image/png"
    assert resolver.resolve("data:text/plain,hello%20there") == (b"hello there", "text/plain")
    huge = "data:image/png;base64," + base64.b64encode(b"x" * (65 * 1024)).decode()
    with pytest.raises(AssetRefused, match="larger than"):
        resolver.resolve(huge)


def test_files_larger_than_max_bytes_are_refused(storage):
    storage.files["big.bin"] = b"x" * 2048
    resolver = AssetResolver({"big.bin": b"x" * 2048}, storage.get, max_bytes=1024)
    for url in ("big.bin", "storage:big.bin"):
        with pytest.raises(AssetRefused, match="larger than 1024 bytes"):
            resolver.resolve(url)


def test_storage_urls_need_a_storage(resolver):
    with pytest.raises(AssetRefused, match="not available"):
        AssetResolver({}).resolve("storage:logos/acme.png")


def test_template_file_names_must_be_relative():
    with pytest.raises(ValueError):
        AssetResolver({"../x.png": b""})
