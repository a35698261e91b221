"""The journeys API: build, publish, enroll, simulate; refusals are 4xx with a message."""

from __future__ import annotations

import pytest

from tests.factories.api import api_caller

DEFINITION = {
    "audience": {"kind": "partners", "rules": {"min_tier": "Gold"}},
    "steps": [
        {"id": "welcome", "type": "email", "subject": "Hello", "body": "Welcome.", "next": "wait"},
        {"id": "wait", "type": "wait", "days": 2, "next": "check"},
        {
            "id": "check",
            "type": "condition",
            "if": {"fact": "clicked", "step": "welcome"},
            "yes": None,
            "no": "reminder",
        },
        {"id": "reminder", "type": "email", "subject": "Reminder", "body": "Still there?"},
    ],
}


@pytest.fixture
def api(app, world):
    return api_caller(app, "admin@vendor.example", "journeys")


def test_build_publish_enroll_simulate(api, world):
    created = api("POST", "/journeys", {"name": "Welcome Gold", "definition": DEFINITION})
    assert created.status_code == 201, created.json
    journey = created.json
    assert journey["status"] == "draft" and journey["problems"] == []
    published = api("POST", f"/journeys/{journey['id']}/publish", {})
    assert published.status_code == 200, published.json
    assert published.json["status"] == "live" and published.json["version"] == 1
    enrolled = api(
        "POST", f"/journeys/{journey['id']}/enrollments", {"partner_ids": [world.a_id, world.b_id]}
    )
    assert enrolled.json == {"enrolled": 1, "skipped": 1}  # B is not Gold
    listed = api("GET", f"/journeys/{journey['id']}/enrollments")
    assert listed.json["total"] == 1 and listed.json["items"][0]["partner_id"] == world.a_id
    simulated = api("POST", f"/journeys/{journey['id']}/simulate", {"partner_id": world.a_id}).json
    assert [s["step"] for s in simulated["path"]] == ["welcome", "wait", "check", "reminder"]
    assert simulated["end"]["reason"] == "completed"
    clicked = api(
        "POST",
        f"/journeys/{journey['id']}/simulate",
        {"partner_id": world.a_id, "suppose": {"clicked": True}},
    ).json
    assert [s["step"] for s in clicked["path"]] == ["welcome", "wait", "check"]
    index = api("GET", "/journeys").json["items"]
    assert index[0]["counts"]["active"] == 1


def test_publish_refuses_problems_with_a_message_per_step(api):
    broken = {
        "audience": {"kind": "partners", "rules": {}},
        "steps": [
            {"id": "a", "type": "email", "subject": "", "body": "", "next": "nowhere"},
            {"id": "orphan", "type": "wait", "days": 1},
        ],
    }
    journey = api("POST", "/journeys", {"name": "Broken", "definition": broken}).json
    assert {p["step"] for p in journey["problems"]} >= {"a", "orphan"}
    refused = api("POST", f"/journeys/{journey['id']}/publish", {})
    assert refused.status_code == 422
    problems_of_a = refused.json["error"]["fields"]["a"]
    assert "does not exist" in problems_of_a and "no subject" in problems_of_a
    assert "No path" in refused.json["error"]["fields"]["orphan"]


@pytest.mark.parametrize(
    "definition",
    [
        {"steps": "nope"},
        {"audience": {"kind": "partners", "rules": "x"}},
        {"steps": [{"id": "x", "type": "teleport"}]},
        {"goal": {"all": 5}},
        {"exit": [1]},
        {"steps": [{"id": "s", "type": "split", "branches": [{"percent": "a"}, 3]}]},
        {"time_zone": "Mars/Olympus"},
    ],
)
def test_bad_definitions_are_422(api, definition):
    response = api("POST", "/journeys", {"name": "Bad", "definition": definition})
    assert response.status_code == 422, response.json
