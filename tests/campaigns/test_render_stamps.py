"""Inputs stamps: a cached download checks one stamp instead of resolving the values again,
and every change to what a render is made of is seen at the next request."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.db import session
from app.models import ProgramSettings
from campaigns import assets, customize, rendering
from directory import brand_kits, locations, partners
from directory.models import Location
from tests.campaigns.conftest import row_of


class PrepareCalls:
    """Counts ``rendering.prepare`` calls: a cached download makes none."""

    def __init__(self, monkeypatch):
        self.count = 0
        real = rendering.prepare

        def counting(*args, **kwargs):
            self.count += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(rendering, "prepare", counting)


def test_the_worker_stores_the_stamp_and_a_cached_download_prepares_nothing(
    network, launched, monkeypatch
):
    asset = launched.assets[0]
    row = row_of(asset, network.alpha)
    assert row.inputs_stamp and len(row.inputs_stamp) == 32
    # the stamp of the rows as loaded equals the one the database computes
    prepared = rendering.prepare(asset, network.alpha)
    assert (
        prepared.stamp
        == row.inputs_stamp
        == rendering._row_and_stamp(asset.id, network.alpha.id)[1]
    )
    assert prepared.key == row.render_key
    session.rollback()

    calls = PrepareCalls(monkeypatch)
    for _ in range(3):
        assert rendering.current_render(asset, network.alpha).render_key == row.render_key
    assert calls.count == 0


def _customize(network, asset, _given=None):
    customize.save_customization(
        asset, network.alpha, {"partner_name": "Alpha Solar Süd"}, network.users["alpha"]
    )


def _phone(network, _asset, _given=None):
    partners.update_partner(network.alpha, {"phone": "+49 89 123456"}, None, only=("phone",))


def _tier(network, _asset, _given=None):
    partners.update_partner(network.alpha, {"tier": "Platinum"}, None, only=("tier",))


def _kit(network, _asset, _given=None):
    brand_kits.update_brand_kit(network.alpha, {"tagline": "Sun all year"}, None)


def _kit_address(network, _asset, _given=None):
    brand_kits.update_brand_kit(network.alpha, {"contact_address": "Kit street 1"}, None)


def _add_location(network, _asset, _given=None):
    locations.add_location(network.alpha, {"city": "Augsburg", "country_code": "DE"}, None)


def _a_location_downloaded(network, asset) -> Location:
    """A new location of alpha, and a download since: the stamp counts it already."""
    location = locations.add_location(network.alpha, {"city": "Passau", "country_code": "DE"}, None)
    session.commit()
    rendering.current_render(asset, network.alpha)
    return location


def _move_location(_network, _asset, location):
    locations.update_location(location, {"street": "New street 2"}, None)


def _two_locations_downloaded(network, asset) -> Location:
    """Two new locations of alpha and a download since; the older of the two."""
    older = _a_location_downloaded(network, asset)
    _a_location_downloaded(network, asset)
    return older


def _move_older_location_with_a_lagging_clock(_network, _asset, location):
    locations.update_location(location, {"street": "Lagging street 3"}, None)
    # written by a web machine whose clock is a day behind: not the newest update time
    location.updated_at = location.updated_at - timedelta(days=1)


def _private_location(network, _asset, _given=None):
    # not public: not the contact address, so not part of the render
    locations.add_location(
        network.alpha, {"city": "Ulm", "country_code": "DE", "public": False}, None
    )


def _drop_location(_network, _asset, location):
    locations.delete_location(location, None)


def _program(**changes):
    program = ProgramSettings.saved()
    if program is None:
        program = ProgramSettings.with_defaults()
        session.add(program)
        session.commit()
    for name, value in changes.items():
        setattr(program, name, value)


def _vendor(_network, _asset, _given=None):
    _program(vendor_name="Lumen Devices AG")


def _support_email(_network, _asset, _given=None):
    _program(support_email="help@vendor.example")


# (setup, change, whether the rendered bytes change): a change that is not part of the
# render (the tier, a private location, the support address) is noticed, renders nothing
CHANGES = [
    (None, _customize, True),
    (None, _phone, True),
    (None, _tier, False),
    (None, _kit, True),
    (None, _kit_address, True),
    (None, _add_location, True),
    (_a_location_downloaded, _move_location, True),
    (None, _private_location, False),
    (_a_location_downloaded, _drop_location, True),
    (_two_locations_downloaded, _move_older_location_with_a_lagging_clock, True),
    (None, _vendor, True),
    (None, _support_email, False),
]


@pytest.mark.parametrize(
    ("setup", "change", "renders"), CHANGES, ids=[c.__name__.strip("_") for _, c, _ in CHANGES]
)
def test_every_input_change_is_seen_at_the_next_download(
    network, launched, monkeypatch, setup, change, renders
):
    asset = launched.assets[0]
    given = setup(network, asset) if setup else None
    before = row_of(asset, network.alpha)
    key, stamp, attempts = before.render_key, before.inputs_stamp, before.attempts
    charlie_stamp = row_of(asset, network.charlie).inputs_stamp

    change(network, asset, given)
    session.commit()
    session.expire_all()

    calls = PrepareCalls(monkeypatch)
    row = rendering.current_render(asset, network.alpha)
    assert calls.count == 1, "the changed stamp was not noticed"
    assert row.status == "done", row.error
    assert row.inputs_stamp != stamp
    assert (row.render_key != key) is renders
    assert row.attempts == attempts + (1 if renders else 0)

    # from now on the new stamp holds: no more preparing, for alpha or for anyone else
    session.expire_all()
    assert rendering.current_render(asset, network.alpha).render_key == row.render_key
    if change not in (_vendor, _support_email):  # the vendor's settings are everyone's input
        assert rendering.current_render(asset, network.charlie).inputs_stamp == charlie_stamp
        assert calls.count == 1
    else:
        rendering.current_render(asset, network.charlie)
        assert calls.count == 2


def test_an_asset_change_makes_the_stamp_stale(network, launched, versions, monkeypatch):
    asset = launched.assets[0]
    before = row_of(asset, network.alpha)
    key, stamp = before.render_key, before.inputs_stamp
    assets.update_asset(asset, {"title": "Brochure (new title)"}, network.users["marketer"])
    session.commit()
    session.expire_all()
    calls = PrepareCalls(monkeypatch)
    row = rendering.current_render(asset, network.alpha)
    # the title is not part of the render: noticed, nothing rendered again
    assert calls.count == 1 and row.render_key == key
    assert row.inputs_stamp != stamp


def test_a_missing_file_is_rendered_again_despite_a_matching_stamp(network, launched):
    from app.storage import get_storage

    asset = launched.assets[0]
    row = row_of(asset, network.alpha)
    path = get_storage().root / row.storage_key
    path.unlink()
    again = rendering.current_render(asset, network.alpha)
    assert again.status == "done" and path.exists()


def test_back_to_the_vendor_version_serves_the_first_file_again(network, launched, monkeypatch):
    asset = launched.assets[0]
    first = row_of(asset, network.alpha)
    key, storage_key = first.render_key, first.storage_key
    _customize(network, asset)
    session.commit()
    customized = rendering.current_render(asset, network.alpha)
    assert customized.render_key != key

    customize.reset_customization(asset, network.alpha, network.users["alpha"])
    session.commit()
    session.expire_all()

    def no_render(_prepared):
        raise AssertionError("rendered although this file is stored")

    monkeypatch.setattr(rendering, "render_prepared", no_render)
    calls = PrepareCalls(monkeypatch)
    row = rendering.current_render(asset, network.alpha)
    assert calls.count == 1 and (row.render_key, row.storage_key) == (key, storage_key)
    rendering.current_render(asset, network.alpha)
    assert calls.count == 1
