"""Malformed requests of every kind the robustness rules of api-v1.md name, on every API operation that takes a
body (enumerated from the app): a body that is no UTF-8, no JSON or nested too deep, and paths with a NUL byte,
answer 400 or 422 with the error shape, never a 500. Also the headers every answer carries (no-store on the API,
HSTS in production, Allow on a 405) and log lines a request cannot forge."""

from __future__ import annotations

import logging

import pytest

from huiskamer.site.deps import MAX_JSON_DEPTH, json_depth
from huiskamer.site.errors import loggable
from tests.factories import api, make_token
from tests.web.test_hostile_input import cast, fill, write_routes  # noqa: F401  (cast is a fixture)

MALFORMED_BODIES = {
    "no UTF-8": b'{"child": "\xff\xfe"}',
    "a lone surrogate half": b'{"child": "\xed\xa0\x80"}',
    "nested 100,000 deep": b"[" * 100_000 + b"]" * 100_000,
    "objects nested one level too deep": b'{"a":' * (MAX_JSON_DEPTH + 1) + b"1" + b"}" * (MAX_JSON_DEPTH + 1),
    "no JSON": b"{'child': }",
}


def _assert_error_shape(response, where: str) -> None:
    assert response.status_code in (400, 422), (where, response.status_code, response.text[:300])
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"], where
    assert body["errors"] and all(set(e) == {"field", "message"} and e["message"] for e in body["errors"]), where
    assert response.headers["cache-control"] == "no-store", where


def test_every_api_operation_refuses_a_malformed_body_with_the_error_shape(app, client, cast):  # noqa: F811
    routes = write_routes(app, api_routes=True)
    assert len(routes) > 20
    tokens = [make_token(cast["settings"], cast["admin"]), make_token(cast["settings"], cast["coordinator"])]
    for path, method in routes:
        url = fill(path, [cast["location"]])
        for name, content in MALFORMED_BODIES.items():
            for token in tokens:
                headers = {**api(client, token), "content-type": "application/json"}
                response = client.request(method, url, content=content, headers=headers)
                where = f"{method} {url}: {name}"
                # A made-up id may be looked up before the body is read (404, 403 for a role that may never).
                if response.status_code not in (403, 404):
                    _assert_error_shape(response, where)
                assert response.status_code < 500, where


def test_a_malformed_body_to_a_collection_is_refused_before_anything_else(client, cast):  # noqa: F811
    token = make_token(cast["settings"], cast["coordinator"])
    for name, content in MALFORMED_BODIES.items():
        response = client.post(
            "/api/v1/referrals", content=content, headers={**api(client, token), "content-type": "application/json"}
        )
        _assert_error_shape(response, name)


@pytest.mark.parametrize(
    "path",
    ["/static/css/app.css%00.js", "/api/v1/referrals/%00", "/api/v1/me%00", "/daglijst%00", "/%00"],
)
def test_a_path_with_a_nul_byte_is_a_400_never_a_500(client, cast, path):  # noqa: F811
    token = make_token(cast["settings"], cast["admin"])
    response = client.get(path, headers=api(client, token))
    assert response.status_code == 400, (path, response.status_code)
    if path.startswith("/api/"):
        _assert_error_shape(response, path)


def test_every_api_answer_is_never_stored_and_pages_and_files_keep_their_caching(client, cast):  # noqa: F811
    token = make_token(cast["settings"], cast["coordinator"])
    for response in (
        client.get("/api/v1/me", headers=api(client, token)),
        client.get(f"/api/v1/locations/{cast['location']}", headers=api(client, token)),
        client.get("/api/v1/me"),  # 401
        client.get("/api/v1/nothing-here", headers=api(client, token)),  # 404
    ):
        assert response.headers["cache-control"] == "no-store", response.url
    assert client.get("/static/css/app.css").headers.get("cache-control") != "no-store"


def test_a_405_names_the_methods_that_are_allowed(client, cast):  # noqa: F811
    token = make_token(cast["settings"], cast["admin"])
    response = client.request("TRACE", "/api/v1/me", headers=api(client, token))
    assert response.status_code == 405
    assert set(response.headers["allow"].replace(" ", "").split(",")) >= {"GET"}
    assert "TRACE" not in response.headers["allow"]
    page = client.delete("/over")
    assert page.status_code == 405 and "GET" in page.headers["allow"]


def test_hsts_in_production_only(test_settings):
    from dataclasses import replace

    from litestar.testing import TestClient

    from huiskamer.app import create_app

    for dev_mode, expected in ((False, True), (True, False)):
        with TestClient(create_app(replace(test_settings, dev_mode=dev_mode))) as client:
            found = client.get("/over").headers.get("strict-transport-security")
        assert (found == "max-age=31536000; includeSubDomains") is expected, dev_mode


def test_a_request_cannot_forge_a_log_line(caplog):
    forged = "/x\n2026-12-05 11:00:00 INFO huiskamer: beheerder logde in\r\x1b[31m\u2028"
    made = loggable(f"GET {forged}")
    assert "\n" not in made and "\r" not in made and "\x1b" not in made and "\u2028" not in made
    assert "\\n2026-12-05" in made and made.startswith("GET /x")
    assert loggable("GET /daglijst/Öztürk?x=1") == "GET /daglijst/Öztürk?x=1"  # printable text stays readable
    with caplog.at_level(logging.INFO):
        logging.getLogger("huiskamer").warning("bij %s", made)
    assert len(caplog.records[-1].getMessage().splitlines()) == 1


def test_json_depth_counts_brackets_outside_strings_only():
    assert json_depth(b"{}") == 1
    assert json_depth(b'{"a": [1, {"b": "]]]]"}]}') == 3
    assert json_depth(b'{"a": "[[[[[[\\"[[["}') == 1
    assert json_depth(b"[" * 50 + b"]" * 50) == 50
    assert json_depth(b"") == 0
