"""Partner tags in journeys: the "has tag" condition and the action that adds and removes a
tag, run by the engine; the checks of tag, campaign and click conditions (both databases)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import validation as v
from app.db import session
from app.models import AuditEntry
from campaigns.journeys import checks, enrollments, store
from campaigns.models import Campaign
from directory import partners as directory_partners
from directory.models import Partner
from tests.campaigns.journeys.conftest import build, email

ALL = {"kind": "partners", "rules": {}}


def _tags(partner_id: int) -> list[str]:
    return session.get(Partner, partner_id, populate_existing=True).tags


def test_has_tag_branches_and_the_action_adds_and_removes_tags(partners):
    alpha, beta, _gamma = partners
    directory_partners.update_partner(alpha, {"tags": "VIP, webinar"}, "test")
    session.commit()
    journey = build(
        {
            "audience": ALL,
            "steps": [
                {"id": "vip", "type": "condition", "yes": "promote", "no": "plain",
                 "if": {"fact": "partner", "field": "tags", "values": ["vip"]}},
                {"id": "promote", "type": "update_partner", "tag": "welcomed",
                 "remove_tag": "webinar"},
                {"id": "plain", "type": "update_partner", "tag": "Not VIP"},
            ],
        }
    )  # fmt: skip
    for partner in (alpha, beta):
        assert enrollments.enroll(journey, partner_id=partner.id) is not None
    session.commit()
    store.run_until_idle()
    assert _tags(alpha.id) == ["vip", "welcomed"]
    assert _tags(beta.id) == ["not vip"]
    # the engine's change is audited like a person's, without an actor
    audited = session.execute(
        select(AuditEntry.changes).where(
            AuditEntry.action == "partner.update", AuditEntry.partner_id == beta.id
        )
    ).scalars()
    assert [c["tags"] for c in audited] == [[[], ["not vip"]]]


def test_a_tag_the_partner_cannot_take_is_skipped_not_fatal(partners):
    alpha = partners[0]
    directory_partners.update_partner(alpha, {"tags": [f"t{n}" for n in range(20)]}, "test")
    session.commit()
    journey = build(
        {"audience": ALL, "steps": [{"id": "tag", "type": "update_partner", "tag": "one-more",
                                     "next": "hello"}, email("hello")]}
    )  # fmt: skip
    enrollments.enroll(journey, partner_id=alpha.id)
    session.commit()
    store.run_until_idle()
    assert len(_tags(alpha.id)) == 20 and "one-more" not in _tags(alpha.id)


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ({"tag": "not ok!"}, "Step t, the tag to add: The tag 'not ok!' may hold only"),
        ({"remove_tag": "x" * 41}, "Step t, the tag to remove: The tag"),
        ({"tag": "same", "remove_tag": "Same"}, "the same tag cannot be added and removed"),
    ],
)
def test_tag_actions_are_checked_when_saved(app, step, message):
    definition = {"steps": [{"id": "t", "type": "update_partner", **step}]}
    with pytest.raises(v.ValidationFailed) as failed:
        checks.clean_definition(definition)
    assert message in " ".join(failed.value.errors.values())


def test_tag_conditions_are_checked_when_saved(app):
    condition = {"fact": "partner", "field": "tags", "values": ["VIP", "bad tag!"]}
    with pytest.raises(v.ValidationFailed) as failed:
        checks.clean_definition({"steps": [{"id": "c", "type": "condition", "if": condition}]})
    assert "the condition: The tag 'bad tag!'" in " ".join(failed.value.errors.values())
    condition["values"] = ["VIP"]
    clean = checks.clean_definition({"steps": [{"id": "c", "type": "condition", "if": condition}]})
    assert clean["steps"][0]["if"]["values"] == ["vip"]


def test_campaign_and_click_conditions_name_what_is_missing_before_publishing(partners):
    campaign = Campaign(name="Spring push")
    session.add(campaign)
    session.commit()
    definition = checks.clean_definition(
        {
            "audience": ALL,
            "steps": [
                email("hello", "wait"),
                {"id": "wait", "type": "wait", "event": "clicked", "of_step": "ask",
                 "max_days": 3, "next": "ask"},
                {"id": "ask", "type": "condition", "yes": None, "no": "other",
                 "if": {"fact": "downloaded", "campaign_id": campaign.id}},
                {"id": "other", "type": "condition", "yes": None, "no": None,
                 "if": {"any": [{"fact": "clicked", "step": "hello"},
                                {"not": {"fact": "customized", "campaign_id": 999999}},
                                {"fact": "opened", "step": "wait"}]}},
            ],
        }
    )  # fmt: skip
    found = checks.messages_by_step(checks.problems(definition))
    assert "not an email step" in found["wait"]
    assert "ask" not in found  # the campaign exists
    assert "campaign this condition looks at does not exist" in found["other"]
    assert "not an email step of this journey" in found["other"]
    with pytest.raises(v.ValidationFailed) as failed:
        checks.clean_definition(
            {"steps": [{"id": "c", "type": "condition",
                        "if": {"fact": "downloaded", "campaign_id": "spring"}}]}
        )  # fmt: skip
    assert "the campaign must be a campaign id" in " ".join(failed.value.errors.values())
