"""Targeting rules: each rule, AND across rules, OR within one, include/exclude, statuses."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.db import session
from app.validation import ValidationFailed
from campaigns import targeting


def names(rules, include=(), exclude=()) -> list[str]:
    query = targeting.rules_query(targeting.validate_rules(rules), include, exclude)
    return [p.name.split()[0].lower() for p in session.execute(query).scalars()]


RULE_CASES = [
    ({}, ["alpha", "bravo", "charlie"]),  # active partners only, by default
    ({"tiers": ["gold", "Silver"]}, ["alpha", "bravo"]),
    ({"min_tier": "Gold"}, ["alpha", "charlie"]),  # "Gold and above"
    ({"min_tier": "silver", "tiers": ["Silver", "Platinum"]}, ["bravo", "charlie"]),
    ({"types": ["installer", "distributor"]}, ["bravo", "charlie"]),
    ({"countries": ["FR"]}, ["charlie"]),
    ({"countries": "at, fr"}, ["bravo", "charlie"]),  # text from a form, any case
    # an element matches whole: "Bavaria" is not "Upper Bavaria"
    ({"regions": ["bavaria"]}, ["alpha"]),
    ({"regions": ["Upper Bavaria", "Tyrol"]}, ["bravo", "charlie"]),
    ({"specialties": ["Storage"]}, ["alpha", "bravo"]),
    ({"certifications": ["HV-Pro"]}, ["alpha", "charlie"]),
    ({"specialties": ["Storage"], "certifications": ["HV-Pro"]}, ["alpha"]),  # AND
    ({"statuses": ["inactive", "prospect"]}, ["delta", "echo"]),
    ({"statuses": ["active", "prospect"], "regions": ["Bavaria"]}, ["alpha", "echo"]),
    ({"specialties": ["Sto%"]}, []),  # LIKE wildcards are plain characters
    ({"specialties": ["Stor_ge"]}, []),
]


def test_each_rule_and_their_combinations(network):
    # one database set-up for all cases: the network is read-only here
    for rules, expected in RULE_CASES:
        assert names(rules) == expected, rules


def test_include_is_always_in_and_exclude_always_out(network):
    ids = network.ids
    # delta is inactive and echo a prospect, yet included; alpha matches, but is excluded
    assert names(
        {"min_tier": "Gold"}, include=[ids["delta"], ids["echo"]], exclude=[ids["alpha"]]
    ) == ["charlie", "delta", "echo"]
    # exclusion wins over inclusion
    assert names({}, include=[ids["delta"]], exclude=[ids["delta"], ids["bravo"]]) == [
        "alpha",
        "charlie",
    ]


def test_matching_query_uses_the_campaign(network):
    from types import SimpleNamespace

    campaign = SimpleNamespace(
        targeting=targeting.validate_rules({"countries": ["DE"]}),
        include_partner_ids=[network.ids["bravo"]],
        exclude_partner_ids=[network.ids["charlie"]],
    )
    found = session.execute(targeting.matching_query(campaign)).scalars().all()
    assert [p.id for p in found] == [network.ids["alpha"], network.ids["bravo"]]
    assert targeting.matching_ids(campaign, only=[network.ids["bravo"], network.ids["delta"]]) == [
        network.ids["bravo"]
    ]
    assert targeting.matching_ids(campaign, only=[]) == []


def test_validate_rules_cleans_and_defaults(network):
    rules = targeting.validate_rules(
        {
            "tiers": "gold; platinum",
            "min_tier": " ",
            "types": "Reseller",
            "countries": ["de", "Austria"],
            "regions": "Bavaria, bavaria",
        }
    )
    assert rules == {
        "tiers": ["Gold", "Platinum"],
        "min_tier": None,
        "types": ["reseller"],
        "countries": ["DE", "AT"],
        "regions": ["Bavaria"],
        "specialties": [],
        "certifications": [],
        "statuses": ["active"],
    }
    assert targeting.validate_rules(rules) == rules  # cleaning clean rules changes nothing


def test_validate_rules_explains_every_problem(network):
    with pytest.raises(ValidationFailed) as caught:
        targeting.validate_rules(
            {
                "tiers": ["Gold", "Diamond"],
                "min_tier": "Bronze",
                "types": ["wizard"],
                "countries": ["Atlantis"],
                "statuses": ["asleep"],
            }
        )
    errors = caught.value.errors
    assert errors["tiers"] == "'Diamond' is not a tier (tiers: Registered, Silver, Gold, Platinum)."
    assert "'Bronze' is not a tier" in errors["min_tier"]
    assert errors["types"].startswith("'wizard' is not a partner type (use reseller, ")
    assert "'Atlantis' is not a country" in errors["countries"]
    assert "'asleep' is not a partner status" in errors["statuses"]
    with pytest.raises(ValidationFailed) as caught:
        targeting.validate_rules({"tier": ["Gold"]})
    assert caught.value.errors == {
        "tier": "'tier' is not a targeting rule (rules: tiers, types, countries, regions, "
        "specialties, certifications, statuses, min_tier)."
    }


def test_partner_id_lists_must_name_partners(network):
    assert targeting.clean_partner_ids(f"{network.ids['alpha']}, {network.ids['alpha']}") == [
        network.ids["alpha"]
    ]
    with pytest.raises(Exception, match="no partner with id 99999"):
        targeting.clean_partner_ids([99999])
    with pytest.raises(Exception, match="'x' is not a partner id"):
        targeting.clean_partner_ids("x")


def test_preview_counts_and_lists_the_first(network):
    count, first = targeting.preview(targeting.validate_rules({"countries": ["DE", "AT"]}), limit=2)
    assert count == 3
    assert [p.name for p in first] == ["Alpha Solar", "Bravo Energy"]
    count, first = targeting.preview(
        targeting.validate_rules({"min_tier": "Platinum"}), include=[network.ids["echo"]]
    )
    assert (count, [p.name for p in first]) == (2, ["Charlie Power", "Echo Grid"])


def test_renaming_a_tier_keeps_the_rules_that_name_it(network, make_campaign, sent, app):
    from app import validation as v
    from campaigns import lifecycle, tier_rules
    from directory.models import Tier

    gold = session.execute(select(Tier).where(Tier.name == "Gold")).scalar_one()
    live = make_campaign("Gold and above", targeting={"min_tier": "gold"}, assets=("stamp",))
    listed = make_campaign("Gold or Silver", targeting={"tiers": ["Silver", "Gold"]}, assets=())
    other = make_campaign("Silver only", targeting={"tiers": ["Silver"]}, assets=())
    lifecycle.launch(live.id)
    before = targeting.matching_ids(live)
    sent.clear()

    tier_rules.update_tier(gold, {"name": "Gold Plus"}, network.users["marketer"])
    session.commit()
    assert live.targeting["min_tier"] == "Gold Plus"
    assert listed.targeting["tiers"] == ["Silver", "Gold Plus"]
    assert other.targeting["tiers"] == ["Silver"]
    assert targeting.matching_ids(live) == before  # the same partners, by the new name
    assert [task for task, _args, _eta in sent.calls] == ["sync_all_live"]

    # a tier that a campaign still targets with is not deleted; once no rule names it, it is
    registered = session.execute(select(Tier).where(Tier.name == "Registered")).scalar_one()
    newcomers = make_campaign("Newcomers", targeting={"tiers": ["Registered"]}, assets=())
    delta = session.get(type(network.delta), network.ids["delta"])
    delta.tier_id = None  # nobody is in it any more
    session.commit()
    with pytest.raises(v.ValidationFailed) as refused:
        tier_rules.delete_tier(registered, network.users["marketer"])
    assert refused.value.errors == {
        "tier": "Campaigns target Registered: Newcomers. Change their targeting first."
    }
    session.rollback()
    lifecycle.archive_campaign(newcomers.id)
    tier_rules.delete_tier(registered, network.users["marketer"])
    session.commit()
    assert session.execute(select(Tier.name).order_by(Tier.rank)).scalars().all() == [
        "Silver",
        "Gold Plus",
        "Platinum",
    ]
