"""Nonsense never causes a 500. Every form and every API endpoint that takes input, enumerated from the app,
gets random and hostile input (huge strings, control characters, HTML and script, wrong types, broken dates,
missing fields) from a logged-in beheerder and coordinator; the answer is a page or a message per field."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from litestar.routes import HTTPRoute

from tests.factories import api, csrf_token, login_as, make_location, make_token, make_user

# Field names the app's forms and endpoints read; hypothesis mixes them with made-up ones.
KNOWN_FIELDS = [
    "name",
    "email",
    "role",
    "location_ids",
    "organisation",
    "organisation.name",
    "organisation.type",
    "active",
    "address",
    "neighbourhoods",
    "min_age",
    "max_age",
    "capacity",
    "capacity.mon",
    "capacity.wed",
    "closure_days",
    "password",
    "current_password",
    "new_password",
    "repeat_password",
    "next",
    "q",
    "person",
    "table",
    "record_id",
    "date_from",
    "date_to",
    "page",
    "text",
    "to",
    "reason",
    "reason_code",
    "planned_at",
    "child",
    "guardian",
    "source",
    "guardian_informed",
    "preferred_location_ids",
    "requested_weekdays",
]

hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "x" * 10_000,
            "<script>alert(1)</script>",
            "\x00\x01\x1b[31m",
            "'; DROP TABLE users; --",
            "2026-02-30",
            "31-13-2020",
            "9999-99-99",
            "-1",
            "1e309",
            "NaN",
            "null",
            "[]",
            "{}",
            "😀" * 50,
            "\u202e\u200b",
            "%00",
            "../../etc/passwd",
            "mon",
            "zaterdag",
            "admin",
            "referrer",
        ]
    ),
)
json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    hostile_text,
)
json_value = st.recursive(
    json_scalar,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(hostile_text, children, max_size=4)),
    max_leaves=12,
)
json_body = st.one_of(
    st.dictionaries(st.sampled_from(KNOWN_FIELDS), json_value, max_size=10),
    json_value,
)
form_body = st.dictionaries(
    st.one_of(st.sampled_from(KNOWN_FIELDS), hostile_text.filter(lambda s: 0 < len(s) < 50)),
    st.one_of(hostile_text, st.lists(hostile_text, max_size=3)),
    max_size=10,
)

WRITE_METHODS = {"POST", "PUT", "PATCH"}
# Log-out ends the session the rest of the test needs; it takes no input.
NOT_FUZZED = {("/uitloggen", "POST")}


def write_routes(app, *, api_routes: bool) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith(("/static", "/schema")):
            continue
        for method in sorted(route.methods & WRITE_METHODS):
            if route.path.startswith("/api/") == api_routes and (route.path, method) not in NOT_FUZZED:
                found.append((route.path, method))
    return found


def fill(path: str, known_ids: list[str]) -> str:
    ids = iter(known_ids)
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda _: next(ids, str(uuid.uuid4())), path)


@pytest.fixture
def cast(test_settings):
    location = make_location(test_settings)
    admin = make_user(test_settings, "admin")
    coordinator = make_user(test_settings, "coordinator", location_ids=(location,))
    return {"settings": test_settings, "location": str(location), "admin": admin, "coordinator": coordinator}


def _check_api_answer(response, where: str) -> None:
    assert response.status_code < 500, (where, response.status_code, response.text[:500])
    if response.status_code == 422:
        body = response.json()
        assert isinstance(body.get("detail"), str), where
        assert isinstance(body.get("errors"), list), where
        for error in body["errors"]:
            assert set(error) == {"field", "message"}, (where, error)
            assert error["message"], where


def test_api_endpoints_answer_nonsense_with_messages_never_500(app, client, cast):
    routes = write_routes(app, api_routes=True)
    assert routes, "the app should have API endpoints that take input"
    tokens = [make_token(cast["settings"], cast["admin"]), make_token(cast["settings"], cast["coordinator"])]

    @settings(max_examples=25)
    @given(body=json_body, as_raw=st.booleans())
    def check(body, as_raw) -> None:
        for path, method in routes:
            for known in ([cast["location"]], []):
                url = fill(path, known)
                for token in tokens:
                    if as_raw:
                        content = json.dumps(body)[:-1] if isinstance(body, dict) and body else "nicht json {"
                        response = client.request(
                            method,
                            url,
                            content=content.encode(),
                            headers={**api(client, token), "content-type": "application/json"},
                        )
                    else:
                        response = client.request(method, url, json=body, headers=api(client, token))
                    _check_api_answer(response, f"{method} {url}")

    check()


def test_forms_answer_nonsense_with_a_page_never_500(app, client, cast):
    routes = write_routes(app, api_routes=False)
    assert routes, "the app should have forms"
    login_as(cast["settings"], client, cast["admin"])
    token = csrf_token(client, "/account/wachtwoord")

    @settings(max_examples=25)
    @given(form=form_body)
    def check(form) -> None:
        for path, method in routes:
            for known in ([cast["location"]], []):
                url = fill(path, known)
                response = client.request(method, url, data={**form, "_csrf_token": token}, follow_redirects=False)
                assert response.status_code < 500, (method, url, response.status_code, response.text[:300])
                if response.status_code == 422:
                    assert "error-summary" in response.text or "error-message" in response.text, (method, url)
                assert "<script>alert(1)</script>" not in response.text, (method, url)

    check()
