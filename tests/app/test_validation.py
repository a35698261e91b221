"""Cleaners of outside values: each bad value is an Invalid with a message, never a crash."""

import pytest

from app import validation as v


@pytest.mark.parametrize(
    "bad", ["[\\s,]+", "http://[::1", "ftp://example.com", "https://", "a b.com"]
)
def test_url_refuses_what_is_not_a_web_address(bad):
    with pytest.raises(v.Invalid):
        v.url(bad)


def test_url_adds_https_and_keeps_good_addresses():
    assert v.url("example.com/x") == "https://example.com/x"
    assert v.url("http://[::1]:8080/") == "http://[::1]:8080/"


@pytest.mark.parametrize("value,expected", [("de", "DE"), ("DEU", "DE"), ("Germany", "DE")])
def test_country_codes(value, expected):
    assert v.country_code(value) == expected


def test_country_unknown():
    with pytest.raises(v.Invalid, match="not a country"):
        v.country_code("Atlantis")
