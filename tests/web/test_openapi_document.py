"""The OpenAPI document (issue 16.7) says, for every /api/v1 operation, what it reads and what it answers: a
schema for every answer, the error answers it can give with the shape the API really sends, typed parameters; and
the beheerder reads it as a page of our own, in Dutch, without a script or a CDN."""

from __future__ import annotations

import re

import pytest
from litestar.routes import HTTPRoute

from tests.factories import api, login_as, make_location, make_token, make_user

API_METHODS = {"get", "post", "put", "patch", "delete"}
# What each part of a path is: an id is a UUID, the day of a day list a date.
PATH_FORMATS = {"day": "date"}


@pytest.fixture
def document(client) -> dict:
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    return response.json()


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in API_METHODS:
                yield path, method, operation


def test_the_document_is_valid_openapi_3_1(document):
    from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

    assert document["openapi"].startswith("3.1")
    assert [str(error) for error in OPENAPI_31_VALIDATOR.iter_errors(document)] == []


def test_the_document_holds_the_api_only_and_every_api_route(app, document):
    assert all(path.startswith("/api/v1/") for path in document["paths"])
    documented = {(path, method.upper()) for path, method, _ in _operations(document)}
    routes = {
        (re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path), method)
        for route in app.routes
        if isinstance(route, HTTPRoute) and route.path.startswith("/api/")
        for method in route.methods - {"OPTIONS", "HEAD"}
    }
    assert documented == routes
    assert len(documented) == 45


def test_every_operation_declares_an_answer_schema_and_its_error_answers(document):
    for path, method, operation in _operations(document):
        where = f"{method.upper()} {path}"
        responses = operation["responses"]
        successes = [status for status in responses if status.startswith("2")]
        assert successes, where
        for status in successes:
            if status != "204":
                assert responses[status]["content"]["application/json"]["schema"], where
        expected = {"400", "401", "422"}
        if "{" in path:
            expected.add("404")
        if (method != "get" and not path.startswith("/api/v1/me")) or path.startswith("/api/v1/users"):
            expected.add("403")
        if "requestBody" in operation:
            expected.add("413")
        assert expected <= set(responses), (where, sorted(expected - set(responses)))
        for status, response in responses.items():
            if status[0] in "45":
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ApiError"}
        assert operation.get("security") or document.get("security"), where


def test_every_body_an_operation_reads_is_declared(app, document):
    reads_a_body = {
        (path, method) for path, method, operation in _operations(document) if method in ("post", "put", "patch")
    }
    # These take no body: the path says it all.
    without_body = {
        ("/api/v1/referrals/{referral_id}/withdraw", "post"),
        ("/api/v1/offers/{offer_id}/accept", "post"),
        ("/api/v1/users/{user_id}/invitation", "post"),
    }
    for path, method in reads_a_body - without_body:
        operation = document["paths"][path][method]
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        name = schema["$ref"].rsplit("/", 1)[-1]
        assert document["components"]["schemas"][name]["properties"], (method, path)


def test_the_error_shape_is_the_one_the_api_sends(client, document, test_settings):
    shape = document["components"]["schemas"]["ApiError"]
    assert shape["required"] == ["detail"]
    assert set(shape["properties"]) == {"detail", "errors"}
    field = document["components"]["schemas"]["FieldError"]
    assert set(field["required"]) == {"field", "message"}
    token = make_token(
        test_settings, make_user(test_settings, "coordinator", location_ids=(make_location(test_settings),))
    )
    answer = client.post("/api/v1/referrals", json={"child": {}}, headers=api(client, token)).json()
    assert set(answer) == {"detail", "errors"} and all(set(e) == {"field", "message"} for e in answer["errors"])


def test_path_parameters_are_typed(document):
    for path, method, operation in _operations(document):
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "path":
                continue
            expected = PATH_FORMATS.get(parameter["name"], "uuid")
            assert parameter["schema"] == {"type": "string", "format": expected} or (
                parameter["schema"].get("format") == expected
            ), (method, path, parameter)


def test_query_parameters_say_what_they_take(document):
    untyped = []
    for path, method, operation in _operations(document):
        for parameter in operation.get("parameters", []):
            schema = parameter["schema"]
            assert "oneOf" not in schema, (method, path, parameter["name"])  # a query string has no null
            typed = {"enum", "format", "pattern", "anyOf"} & set(schema)
            if parameter["in"] == "query" and parameter["name"] != "q" and not typed:
                untyped.append((method, path, parameter["name"]))
    assert untyped == []


def test_a_malformed_id_in_a_typed_path_is_still_a_404_with_the_error_shape(client, test_settings):
    admin = make_token(test_settings, make_user(test_settings, "admin"))
    for path in ("/api/v1/users/geen-id", "/api/v1/locations/geen-id", "/api/v1/placements/geen-id"):
        response = client.get(path, headers=api(client, admin))
        assert response.status_code == 404, path
        assert response.json()["detail"]
    assert client.delete("/api/v1/me/tokens/geen-id", headers=api(client, admin)).status_code == 404


def test_an_unknown_query_parameter_is_refused_with_a_message(client, test_settings):
    admin = make_token(test_settings, make_user(test_settings, "admin"))
    response = client.get("/api/v1/users?rol=admin", headers=api(client, admin))
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "rol", "message": "Onbekende parameter voor deze bewerking."}]
    assert client.get("/api/v1/users?role=admin", headers=api(client, admin)).status_code == 200
    summary = client.get("/api/v1/reports/summary?from=2026-01-01&to=2026-01-31", headers=api(client, admin))
    assert summary.status_code == 200


def test_an_options_answer_names_every_method_of_the_path(client, test_settings):
    admin = make_token(test_settings, make_user(test_settings, "admin"))
    location = make_location(test_settings)
    for path, methods in (("/api/v1/locations", {"GET", "POST"}), (f"/api/v1/locations/{location}", {"GET", "PATCH"})):
        response = client.options(path, headers=api(client, admin))
        assert set(response.headers["allow"].replace(" ", "").split(",")) == {*methods, "OPTIONS"}, path


def test_the_beheerder_reads_the_api_as_a_page_of_our_own(client, test_settings):
    login_as(test_settings, client, make_user(test_settings, "admin"))
    response = client.get("/beheer/api")
    assert response.status_code == 200
    html = response.text
    assert "Aanmeldingen" in html and "/api/v1/referrals/{referral_id}/transitions" in html
    assert 'id="vorm-ReferralIn"' in html and "hoogstens 100 tekens" in html
    assert "<script" not in html.split("</header>", 1)[1] and "cdn" not in html.lower()
    assert "script-src 'self'" in response.headers["content-security-policy"]


@pytest.mark.parametrize("role", ["coordinator", "referrer"])
def test_only_the_beheerder_reads_the_api_page(client, test_settings, role):
    kwargs = {"location_ids": (make_location(test_settings),)} if role == "coordinator" else {}
    login_as(test_settings, client, make_user(test_settings, role, **kwargs))
    assert client.get("/beheer/api").status_code == 403


@pytest.mark.parametrize("page", ["/schema/swagger", "/schema/redoc", "/schema/elements", "/schema/rapidoc"])
def test_no_documentation_page_from_a_cdn(client, page):
    response = client.get(page, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/beheer/api"
