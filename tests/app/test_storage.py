"""Both storage backends behave alike; S3 is tested against a real S3-protocol server on
loopback."""

from __future__ import annotations

import urllib.request

import pytest

from app.storage import FolderStorage, StorageError, content_key, storage_for


@pytest.fixture(params=["folder", "s3"])
def storage(request, tmp_path, monkeypatch):
    if request.param == "folder":
        return FolderStorage(tmp_path / "store")
    endpoint = request.getfixturevalue("s3_endpoint")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    store = storage_for(f"s3://tandem-test/assets?endpoint={endpoint}&region=eu-central-1")
    if "tandem-test" not in [b["Name"] for b in store.client.list_buckets()["Buckets"]]:
        store.client.create_bucket(
            Bucket="tandem-test", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
        )
    return store


def test_put_get_exists_delete(storage):
    key = content_key("logos", b"hello", ".png")
    assert key.startswith("logos/") and key.endswith(".png")
    assert not storage.exists(key)
    storage.put(key, b"hello", "image/png")
    assert storage.exists(key)
    assert storage.get(key) == b"hello"
    storage.delete(key)
    assert not storage.exists(key)
    with pytest.raises(StorageError):
        storage.get(key)


@pytest.mark.parametrize("bad", ["../etc/passwd", "/abs/key", "a/../../b", "", "a\\b"])
def test_keys_cannot_escape(storage, bad):
    with pytest.raises(StorageError):
        storage.put(bad, b"x")


def test_s3_presigned_download(s3_endpoint, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    store = storage_for(f"s3://presign-test/p?endpoint={s3_endpoint}")
    store.client.create_bucket(Bucket="presign-test")
    store.put("renders/a.pdf", b"%PDF-1.7 test", "application/pdf")
    assert (
        store.client.head_object(Bucket="presign-test", Key="p/renders/a.pdf")["ContentLength"]
        == 13
    )
    url = store.presigned_url(
        "renders/a.pdf", expires=60, filename="flyer-acme.pdf", content_type="application/pdf"
    )
    assert "X-Amz-Signature" in url and "X-Amz-Expires=60" in url
    with urllib.request.urlopen(url) as response:
        assert response.read() == b"%PDF-1.7 test"
        assert response.headers["Content-Disposition"] == 'attachment; filename="flyer-acme.pdf"'
        assert response.headers["Content-Type"] == "application/pdf"


def test_folder_storage_has_no_presigned_urls(tmp_path):
    assert FolderStorage(tmp_path).presigned_url("x") is None
