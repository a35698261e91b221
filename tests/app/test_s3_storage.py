"""With STORAGE_URL on S3, logos and renders live in the bucket and downloads are presigned."""

from __future__ import annotations

import io
import urllib.request

import pytest
from pypdf import PdfReader

from app.config import load_settings
from app.db import session
from tests.conftest import _reset_database


@pytest.fixture
def s3_app(db_url, tmp_path, s3_endpoint, monkeypatch):
    from app import create_app
    from app.storage import get_storage

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    bucket = f"tandem-{tmp_path.name.lower().replace('_', '-')[:40]}"
    settings = load_settings(
        {
            "TANDEM_INSTANCE": str(tmp_path / "instance"),
            "DATABASE_URL": db_url,
            "SECRET_KEY": "s3-test",
            "BASE_URL": "http://localhost",
            "STORAGE_URL": f"s3://{bucket}/assets?endpoint={s3_endpoint}",
        }
    )
    _reset_database(settings.database_url)
    app = create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False)
    get_storage().client.create_bucket(Bucket=bucket)
    yield app, bucket
    session.remove()


def test_campaign_download_is_a_presigned_redirect(s3_app):
    from app.storage import get_storage
    from brand_templates.library import load_starter
    from brand_templates.versions import import_template, publish
    from campaigns import assets, lifecycle
    from tests.factories.directory import make_world

    app, bucket = s3_app
    with app.app_context(), app.test_request_context():
        world = make_world()
        version = import_template(session, load_starter("product-flyer"), slug="product-flyer")
        publish(session, version)
        campaign = lifecycle.create_campaign(
            {"name": "S3 promo", "targeting": {"min_tier": "Gold"}}, "t"
        )
        asset = assets.add_asset(campaign, {"template_version_id": version.id}, "t")
        session.commit()
        asset_id = asset.id
        lifecycle.launch(campaign.id)
        keys = [o["Key"] for o in get_storage().client.list_objects_v2(Bucket=bucket)["Contents"]]
        assert keys and all(k.startswith("assets/") for k in keys)  # logos and the bundle
        assert world.a_id
        session.remove()

    client = app.test_client()
    assert (
        client.post(
            "/login", data={"email": "partner_admin@a.example", "password": "correct-horse-battery"}
        ).status_code
        == 302
    )
    response = client.get(f"/portal/assets/{asset_id}/download/pdf")
    assert response.status_code == 302
    url = response.headers["Location"]
    assert (
        url.startswith("http://127.0.0.1:")
        and "X-Amz-Signature" in url
        and "X-Amz-Expires=300" in url
    )
    with urllib.request.urlopen(url) as stored:
        data = stored.read()
        assert stored.headers["Content-Type"] == "application/pdf"
        assert stored.headers["Content-Disposition"] == (
            'attachment; filename="s3-promo-product-flyer-homevault-10-alpha-secret-partner.pdf"'
        )
    assert "Alpha Secret Partner" in PdfReader(io.BytesIO(data)).pages[0].extract_text()
    # the render lives in the bucket under its content-addressed key
    with app.app_context():
        keys = [o["Key"] for o in get_storage().client.list_objects_v2(Bucket=bucket)["Contents"]]
        assert any(k.startswith("assets/renders/") and k.endswith(".pdf") for k in keys)
        session.remove()
