"""Partner tags: validation with clear messages, the list's filter, the journey action's
add/remove (audited), the tags in use (both databases)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import validation as v
from app.db import session
from app.models import AuditEntry
from directory import partners, tags
from tests.factories.directory import make_partner, make_tiers


@pytest.fixture
def tagged(app):
    make_tiers()
    made = [
        make_partner("Alpha Solar", tags="VIP, webinar-2027"),
        make_partner("Beta Energy", tags=["vip"]),
        make_partner("Gamma Heat"),
    ]
    session.commit()
    return made


def test_tags_are_cleaned_lower_case_and_deduplicated():
    assert tags.clean_tags(" VIP,  needs   follow-up ; vip,,") == ["vip", "needs follow-up"]
    assert tags.clean_tags(["Q3.promo", "q3.promo"]) == ["q3.promo"]
    assert tags.clean_tags(None) == [] and tags.clean_tags("") == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("café", "may hold only letters a-z"),
        ('say "hi"', "may hold only letters a-z"),
        ("-leading", "starts with a letter or a digit"),
        ("x" * 41, "longer than 40 characters"),
        ([f"t{n}" for n in range(21)], "at most 20 tags"),
        ([3], "Each tag is a text"),
        ({"a": 1}, "a list or comma separated text"),
    ],
)
def test_bad_tags_are_refused_with_a_message(value, message):
    with pytest.raises(v.Invalid, match=message):
        tags.clean_tags(value)


def test_partner_data_carries_tags_and_names_the_field(tagged):
    alpha = tagged[0]
    assert alpha.tags == ["vip", "webinar-2027"]
    with pytest.raises(v.ValidationFailed) as failed:
        partners.update_partner(alpha, {"tags": "ok, not ok!"}, "test")
    assert "tags" in failed.value.errors and "not ok!" in failed.value.errors["tags"]
    session.rollback()
    assert partners.form_values(alpha)["tags"] == "vip, webinar-2027"


def test_the_partner_list_filters_by_tag(tagged):
    def names(tag: str) -> list[str]:
        filters = partners.PartnerFilters.from_args({"tag": tag})
        assert not filters.errors
        return [p.name for p in partners.search_partners(filters).items]

    assert names("VIP") == ["Alpha Solar", "Beta Energy"]
    assert names("webinar-2027") == ["Alpha Solar"]
    assert names("webinar") == []  # a whole tag, not a part of one
    bad = partners.PartnerFilters.from_args({"tag": "no good!"})
    assert bad.tag == "" and "may hold only" in bad.errors[0]
    assert tags.tags_in_use() == ["vip", "webinar-2027"]


def test_change_tags_adds_and_removes_and_is_audited(tagged):
    gamma, beta = tagged[2], tagged[1]
    partners.change_tags(gamma, add="Onboarded")
    partners.change_tags(beta, add="onboarded", remove="vip")
    partners.change_tags(beta, add="onboarded")  # nothing changes: no audit entry
    session.commit()
    assert gamma.tags == ["onboarded"] and beta.tags == ["onboarded"]
    changes = session.execute(
        select(AuditEntry.changes).where(
            AuditEntry.action == "partner.update", AuditEntry.partner_id == beta.id
        )
    ).scalars()
    assert [c["tags"] for c in changes] == [[["vip"], ["onboarded"]]]
    with pytest.raises(v.ValidationFailed, match="tags"):
        partners.change_tags(gamma, add="not ok!")
