"""Who sees which referral, through the API, with the cast of architecture.md: a coordinator of location A, one
of B, a youth worker of A, two referrers (and a beheerder). Out of scope answers 404 exactly like a referral that
does not exist; a role that may never touch referrals answers 403 on every referral endpoint, enumerated from the
app so that a new endpoint cannot escape. (The web pages are tested with the referral pages.)"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import pytest
from litestar.routes import HTTPRoute

from tests.factories import api, make_location
from tests.web.referral_helpers import referral_body, row_counts, status_in_db, submit, token_for

UNKNOWN = str(UUID(int=424242))


@pytest.fixture
def cast(test_settings) -> dict[str, Any]:
    a = make_location(test_settings, "Huiskamer A", neighbourhoods=("Stedenwijk",))
    b = make_location(test_settings, "Huiskamer B", neighbourhoods=("Kruidenwijk",))
    return {
        "settings": test_settings,
        "a": a,
        "b": b,
        "coordinator_a": token_for(test_settings, "coordinator", location_ids=(a,)),
        "coordinator_b": token_for(test_settings, "coordinator", location_ids=(b,)),
        "youth_worker_a": token_for(test_settings, "youth_worker", location_ids=(a,)),
        "referrer_a": token_for(test_settings, "referrer", organisation=("Basisschool De Regenboog", "school")),
        "referrer_b": token_for(test_settings, "referrer", organisation=("GGD Flevoland", "ggd")),
        "admin": token_for(test_settings, "admin"),
    }


def get(client, token: str, path: str):
    return client.get(path, headers=api(client, token))


def post(client, token: str, path: str, body: Any = None):
    return client.post(path, json=body, headers=api(client, token))


def listed_ids(client, token: str) -> set[str]:
    response = get(client, token, "/api/v1/referrals")
    assert response.status_code == 200
    return {item["id"] for item in response.json()["items"]}


def assert_like_unknown(response, unknown) -> None:
    """Out of scope is indistinguishable from not existing: same status, same body."""
    assert response.status_code == 404
    assert response.json() == unknown.json()


# --- referrers ----------------------------------------------------------------------------------


def test_referrer_cannot_see_another_referrers_referral(client, cast):
    theirs = submit(client, cast["referrer_b"], [cast["a"]])
    unknown = get(client, cast["referrer_a"], f"/api/v1/referrals/{UNKNOWN}")
    assert_like_unknown(get(client, cast["referrer_a"], f"/api/v1/referrals/{theirs}"), unknown)
    assert get(client, cast["referrer_b"], f"/api/v1/referrals/{theirs}").status_code == 200


def test_referrer_cannot_list_another_referrers_referral(client, cast):
    mine = submit(client, cast["referrer_a"], [cast["a"]])
    theirs = submit(client, cast["referrer_b"], [cast["a"]])
    assert listed_ids(client, cast["referrer_a"]) == {mine}
    assert listed_ids(client, cast["referrer_b"]) == {theirs}
    filtered = get(client, cast["referrer_a"], "/api/v1/referrals?status=submitted").json()["items"]
    assert [item["id"] for item in filtered] == [mine]


def test_referrer_cannot_message_another_referrers_referral(test_settings, client, cast):
    theirs = submit(client, cast["referrer_b"], [cast["a"]])
    before = row_counts(test_settings)
    unknown = post(client, cast["referrer_a"], f"/api/v1/referrals/{UNKNOWN}/messages", {"text": "Hallo"})
    response = post(client, cast["referrer_a"], f"/api/v1/referrals/{theirs}/messages", {"text": "Hallo"})
    assert_like_unknown(response, unknown)
    assert row_counts(test_settings) == before
    assert get(client, cast["referrer_b"], f"/api/v1/referrals/{theirs}").json()["messages"] == []


def test_referrer_cannot_withdraw_another_referrers_referral(test_settings, client, cast):
    theirs = submit(client, cast["referrer_b"], [cast["a"]])
    unknown = post(client, cast["referrer_a"], f"/api/v1/referrals/{UNKNOWN}/withdraw")
    assert_like_unknown(post(client, cast["referrer_a"], f"/api/v1/referrals/{theirs}/withdraw"), unknown)
    assert status_in_db(test_settings, theirs) == "submitted"


def test_referrer_cannot_move_any_referral(test_settings, client, cast):
    mine = submit(client, cast["referrer_a"], [cast["a"]])
    response = post(client, cast["referrer_a"], f"/api/v1/referrals/{mine}/transitions", {"to": "in_review"})
    assert response.status_code == 403
    assert status_in_db(test_settings, mine) == "submitted"


def test_two_referrers_of_the_same_organisation_see_only_their_own(test_settings, client, cast):
    colleague = token_for(test_settings, "referrer", organisation=("Basisschool De Regenboog", "school"))
    mine = submit(client, cast["referrer_a"], [cast["a"]])
    assert get(client, colleague, f"/api/v1/referrals/{mine}").status_code == 404
    assert listed_ids(client, colleague) == set()


# --- coordinators ---------------------------------------------------------------------------------


def test_coordinator_of_b_does_not_see_a_referral_for_a_only(client, cast):
    for_a = submit(client, cast["referrer_a"], [cast["a"]])
    unknown = get(client, cast["coordinator_b"], f"/api/v1/referrals/{UNKNOWN}")
    assert_like_unknown(get(client, cast["coordinator_b"], f"/api/v1/referrals/{for_a}"), unknown)
    assert get(client, cast["coordinator_a"], f"/api/v1/referrals/{for_a}").status_code == 200


def test_coordinator_of_b_does_not_list_a_referral_for_a_only(client, cast):
    for_a = submit(client, cast["referrer_a"], [cast["a"]])
    for_b = submit(client, cast["referrer_a"], [cast["b"]])
    assert listed_ids(client, cast["coordinator_b"]) == {for_b}
    assert listed_ids(client, cast["coordinator_a"]) == {for_a}
    filtered = get(client, cast["coordinator_b"], "/api/v1/referrals?status=submitted").json()["items"]
    assert [item["id"] for item in filtered] == [for_b]


def test_coordinator_of_b_cannot_move_or_message_a_referral_for_a_only(test_settings, client, cast):
    for_a = submit(client, cast["referrer_a"], [cast["a"]])
    before = row_counts(test_settings)
    moved = post(client, cast["coordinator_b"], f"/api/v1/referrals/{for_a}/transitions", {"to": "in_review"})
    messaged = post(client, cast["coordinator_b"], f"/api/v1/referrals/{for_a}/messages", {"text": "Hallo"})
    assert moved.status_code == 404
    assert messaged.status_code == 404
    assert status_in_db(test_settings, for_a) == "submitted"
    assert row_counts(test_settings) == before


def test_a_referral_for_a_and_b_is_seen_by_both_coordinators(client, cast):
    both = submit(client, cast["referrer_a"], [cast["b"], cast["a"]])
    for coordinator in ("coordinator_a", "coordinator_b"):
        body = get(client, cast[coordinator], f"/api/v1/referrals/{both}").json()
        assert body["location_ids"] == [str(cast["b"]), str(cast["a"])]  # in the referrer's order
        assert both in listed_ids(client, cast[coordinator])
    assert (
        post(client, cast["coordinator_a"], f"/api/v1/referrals/{both}/transitions", {"to": "in_review"}).status_code
        == 200
    )
    assert (
        post(
            client,
            cast["coordinator_b"],
            f"/api/v1/referrals/{both}/messages",
            {"text": "Wij nemen haar graag op in Huiskamer B."},
        ).status_code
        == 201
    )


def test_a_referral_without_preference_reaches_the_coordinator_of_the_neighbourhood_only(client, cast):
    kruidenwijk = submit(client, cast["referrer_a"], [], child__neighbourhood="Kruidenwijk")
    assert kruidenwijk in listed_ids(client, cast["coordinator_b"])
    assert kruidenwijk not in listed_ids(client, cast["coordinator_a"])


def test_a_coordinator_of_another_location_sees_nothing_of_a_and_b(test_settings, client, cast):
    submit(client, cast["referrer_a"], [cast["a"], cast["b"]])
    elsewhere = make_location(test_settings, "Huiskamer C", neighbourhoods=("Haven",))
    assert listed_ids(client, token_for(test_settings, "coordinator", location_ids=(elsewhere,))) == set()


# --- roles that never see a referral ----------------------------------------------------------------


# The family's rights are served to the beheerder too (AVG art. 15, NEN 7513): tested in tests/web/test_access_log.py.
FOR_THE_BEHEERDER_TOO = ("/access-log", "/subject-access")


def referral_endpoints(app, role: str = "") -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if role == "admin" and route.path.endswith(FOR_THE_BEHEERDER_TOO):
            continue
        if isinstance(route, HTTPRoute) and route.path.startswith("/api/v1/referrals"):
            found.extend((route.path, method) for method in sorted(route.methods - {"OPTIONS", "HEAD"}))
    return found


# A body that would be accepted from a coordinator or referrer, so that only the role can refuse it.
def valid_body(path: str, location: UUID) -> Any:
    if path == "/api/v1/referrals":
        return referral_body([location])
    if path.endswith("/transitions"):
        return {"to": "in_review"}
    if path.endswith("/messages"):
        return {"text": "Hallo"}
    return {}


@pytest.mark.parametrize("role", ["youth_worker_a", "admin"])
def test_youth_workers_and_admins_get_403_on_every_referral_endpoint(test_settings, app, client, cast, role):
    referral = submit(client, cast["referrer_a"], [cast["a"]])
    endpoints = referral_endpoints(app, role)
    assert len(endpoints) >= 6
    before = row_counts(test_settings)
    for path, method in endpoints:
        url = re.sub(r"\{referral_id(?::uuid)?\}", referral, path)
        for body in (valid_body(path, cast["a"]), {"onzin": "<script>"}):
            response = client.request(
                method, url, json=body if method != "GET" else None, headers=api(client, cast[role])
            )
            assert response.status_code == 403, (role, method, path, response.status_code, response.text)
            assert "Noor" not in response.text
    assert row_counts(test_settings) == before
    assert status_in_db(test_settings, referral) == "submitted"
