"""Every screen renders for the roles it is meant for."""

import pytest

ADMIN_PAGES = ["/admin/", "/admin/partners", "/admin/partners/new", "/admin/partners/import",
               "/admin/users", "/admin/settings", "/admin/outbox", "/admin/audit", "/account"]
PORTAL_PAGES = ["/portal/", "/portal/profile", "/portal/locations", "/portal/locations/new",
                "/portal/brand-kit", "/portal/team", "/account"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_render(world, login_as, path):
    client = login_as("admin@vendor.example")
    response = client.get(path)
    assert response.status_code == 200, path
    assert b"Partner" in response.data


@pytest.mark.parametrize("path", PORTAL_PAGES)
def test_portal_pages_render(world, login_as, path):
    client = login_as("partner_admin@a.example")
    response = client.get(path)
    assert response.status_code == 200, path
    assert b"Alpha Secret Partner" in response.data or b"Your account" in response.data


def test_partner_detail_and_edit(world, login_as):
    client = login_as("cm@vendor.example")
    assert b"Alpha Secret Partner" in client.get(f"/admin/partners/{world.a_id}").data
    assert client.get(f"/admin/partners/{world.a_id}/edit").status_code == 200
