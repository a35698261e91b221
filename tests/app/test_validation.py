"""Cleaners of outside values: each bad value is an Invalid with a message, never a crash."""

import re

import pytest

from app import validation as v


@pytest.mark.parametrize(
    "bad", ["[\\s,]+", "http://[::1", "ftp://example.com", "https://", "a b.com"]
)
def test_url_refuses_what_is_not_a_web_address(bad):
    with pytest.raises(v.Invalid):
        v.url(bad)


def test_url_error_quotes_what_was_typed():
    with pytest.raises(v.Invalid) as refused:
        v.url("not a url")
    assert str(refused.value).startswith("'not a url' is not a web address")
    assert "https://not" not in str(refused.value)  # a prefix the user never typed


def test_url_adds_https_and_keeps_good_addresses():
    assert v.url("example.com/x") == "https://example.com/x"
    assert v.url("http://[::1]:8080/") == "http://[::1]:8080/"


@pytest.mark.parametrize("value,expected", [("de", "DE"), ("DEU", "DE"), ("Germany", "DE")])
def test_country_codes(value, expected):
    assert v.country_code(value) == expected


def test_country_unknown():
    with pytest.raises(v.Invalid, match="not a country"):
        v.country_code("Atlantis")


# --- text that is not text: control characters, NUL, lone surrogates ---------------------


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("a\x00b", "contains a NUL character"),
        ("a\x01b", "contains control characters (U+0001)"),
        ("a\x1bb", "contains control characters (U+001B)"),
        ("a\x7fb", "contains control characters (U+007F)"),
        ("a\x85b", "contains control characters (U+0085)"),
        ("x\ud800", "contains a lone surrogate (U+D800), which is not valid Unicode"),
        ("\udfff", "contains a lone surrogate (U+DFFF)"),
    ],
)
def test_text_that_is_not_text_is_refused_with_the_label(value, says):
    assert v.text_problem(value).startswith(says)
    with pytest.raises(v.Invalid, match=r"^The name " + re.escape(says)):
        v.text(value, max_length=100, label="The name")
    with pytest.raises(v.Invalid, match=re.escape(says)):
        v.word_list(["fine", value])
    errors = pytest.raises(v.ValidationFailed, v.check_json, {"list": ["ok", {"k": value}]})
    assert errors.value.errors == {"list.1.k": f"The value {v.text_problem(value)}."}
    assert v.displayable(value) == v.NOT_TEXT_RE.sub("\ufffd", value)
    assert "\ufffd" in v.displayable(value)
    v.displayable(value).encode("utf-8")  # now it can be sent


@pytest.mark.parametrize("value", ["tab\there", "two\nlines\r\n", "😀 Ω 日本 \u00a0 \u200b", ""])
def test_tabs_newlines_and_real_unicode_are_text(value):
    assert v.text_problem(value) is None
    assert v.text(value, max_length=100) == value.strip()
    assert v.displayable(value) == value
    v.check_json({"a": [value], value: 1})


def test_keys_of_a_json_document_must_be_text_too():
    with pytest.raises(v.ValidationFailed) as info:
        v.check_json({"values": {"bad\x00key": "x"}})
    assert info.value.errors == {"values.bad\ufffdkey": "The name contains a NUL character."}


def test_json_depth_is_checked_without_recursion():
    deep: list = []
    for _ in range(100_000):  # far past Python's recursion limit
        deep = [deep]
    with pytest.raises(v.Invalid, match="nested more than 32 levels deep"):
        v.check_json(deep)
    shallow: dict = {}
    for _ in range(32):
        shallow = {"a": shallow}
    v.check_json(shallow)
    with pytest.raises(v.Invalid, match="nested more than 32 levels deep"):
        v.check_json({"a": shallow})


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"[" * 5000 + b"]" * 5000, "The JSON is nested more than 32 levels deep."),
        (b"[" * 40 + b"]" * 40, "The JSON is nested more than 32 levels deep."),
        (b'{"a": tru', "The body is not valid JSON: Expecting value (line 1, column 7)."),
        (b'"\xff"', "The body is not UTF-8 text"),
        (b"1" * 5000, "The body is not valid JSON"),
    ],
)
def test_parse_json_says_what_is_wrong(raw, says):
    with pytest.raises(v.Invalid) as info:
        v.parse_json(raw)
    assert str(info.value).startswith(says)


def test_parse_json_refuses_escapes_of_what_is_not_text():
    with pytest.raises(v.ValidationFailed) as info:
        v.parse_json(b'{"specialties": ["x\\ud800"], "name": "a\\u0000b", "ok": "\\ud83d\\ude00"}')
    assert set(info.value.errors) == {"specialties.0", "name"}
    assert v.parse_json(b'{"ok": "\\ud83d\\ude00"}') == {"ok": "\U0001f600"}
