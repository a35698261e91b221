"""The API against its own OpenAPI document: a property-based run finds no server error, and
responses match the document's schemas."""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from app.db import session
from directory import people

pytestmark = pytest.mark.xdist_group("api")


@pytest.fixture
def api_app(world, app):
    with app.app_context():
        from app.models import User

        admin = session.get(User, world.users["admin"].id)
        partner_admin = session.get(User, world.users["a_partner_admin"].id)
        _row, admin_token = people.create_api_token(admin, "schemathesis")
        _row, partner_token = people.create_api_token(partner_admin, "schemathesis")
        session.commit()
    app.config["API_TOKENS"] = {"admin": admin_token, "partner": partner_token}
    return app


def test_api_has_no_server_errors_and_keeps_its_contract(api_app):
    """Every operation of the document, with generated requests, as a vendor and a partner admin."""
    api_schema = schemathesis.openapi.from_wsgi("/api/openapi.json", api_app)
    checks = [not_a_server_error, status_code_conformance, response_schema_conformance]
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 6
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def run(case):
            for token in api_app.config["API_TOKENS"].values():
                response = case.call(headers={"Authorization": f"Bearer {token}"})
                case.validate_response(response, checks=checks)

        run()


def test_openapi_document_lists_every_api_route(app):
    doc = app.test_client().get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    api_rules = [
        r for r in app.url_map.iter_rules() if r.rule.startswith(("/api/v1", "/api/public/v1"))
    ]
    as_paths = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule): r for r in api_rules}
    assert set(as_paths) == set(doc["paths"])
    # and each path parameter has the type of its converter: <int:x> an integer, else a string
    for path, rule in as_paths.items():
        for operation in doc["paths"][path].values():
            documented = {
                p["name"]: p["schema"]["type"] for p in operation["parameters"] if p["in"] == "path"
            }
            converters = {
                name: "integer" if converter == "int" else "string"
                for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", rule.rule)
            }
            assert documented == converters, path


def test_body_validated_by_the_documented_schema(world, app):
    client = app.test_client()
    with app.app_context():
        from app.models import User

        _row, token = people.create_api_token(
            session.get(User, world.users["channel_manager"].id), "t"
        )
        session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post("/api/v1/partners", json={"name": "X", "colour": "red"}, headers=headers)
    assert response.status_code == 422
    assert "colour" in response.get_json()["error"]["fields"]["body"]
    response = client.post(
        "/api/v1/partners", json={"name": "X", "countries": ["Atlantis"]}, headers=headers
    )
    assert response.status_code == 422
    assert "Atlantis" in response.get_json()["error"]["fields"]["countries"]
    response = client.post(
        "/api/v1/partners", json={"name": "New Co", "tier": "Gold"}, headers=headers
    )
    assert response.status_code == 201 and response.get_json()["tier"] == "Gold"
