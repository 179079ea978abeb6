"""GET /api/v1/reports/summary: the contract of api-v1.md, the figures of the hand-made data set, scope and
roles, and nonsense in every parameter (never a 500)."""

from __future__ import annotations

import pytest

from tests.factories import api, make_token
from tests.service.reports_helpers import KNOWN_2024, ReportWorld, build_world

URL = "/api/v1/reports/summary"
YEAR = {"from": "2024-01-01", "to": "2024-12-31"}
CONTRACT = {
    "from",
    "to",
    "location_ids",
    "referrals_received",
    "referrals_by_source",
    "children_reached",
    "placements_started",
    "waiting_days",
    "attendance_rate",
    "goals",
    "discharges_by_reason",
    "waitlist_now",
}


@pytest.fixture
def world(test_settings) -> ReportWorld:
    return build_world(test_settings)


def token(settings, user_id) -> dict[str, str]:
    return api(None, make_token(settings, user_id))


def test_the_summary_has_the_contract_fields_and_the_hand_counted_figures(client, test_settings, world):
    response = client.get(URL, params=YEAR, headers=token(test_settings, world.admin))
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) >= CONTRACT
    assert (body["from"], body["to"]) == ("2024-01-01", "2024-12-31")
    assert sorted(body["location_ids"]) == sorted([str(world.a), str(world.b)])
    for name in ("referrals_received", "children_reached", "placements_started", "waitlist_now", "goals"):
        assert body[name] == KNOWN_2024[name], name
    assert {k: v for k, v in body["referrals_by_source"].items() if v} == KNOWN_2024["referrals_by_source"]
    assert {k: v for k, v in body["discharges_by_reason"].items() if v} == KNOWN_2024["discharges_by_reason"]
    assert body["waiting_days"] == KNOWN_2024["waiting_days"]
    assert body["attendance_rate"] == KNOWN_2024["attendance_rate"]
    # Every source and reason is there, with 0 when nothing was counted: a dashboard can rely on the keys.
    assert set(body["referrals_by_source"]) >= {"school", "ggd", "youth_mental_health", "police", "other"}
    assert body["discharges_by_reason"]["moved_to_bso"] == 0


def test_a_period_with_nothing_in_it_answers_null_for_what_cannot_be_computed(client, test_settings, world):
    response = client.get(
        URL, params={"from": "2031-01-01", "to": "2031-01-31"}, headers=token(test_settings, world.admin)
    )
    assert response.status_code == 200
    body = response.json()
    assert body["waiting_days"] == {"median": None, "p90": None}
    assert body["attendance_rate"] is None
    assert (
        body["referrals_received"] == 0 and body["children_reached"] == 0 and body["goals"] == {"set": 0, "reached": 0}
    )


def test_a_coordinator_of_a_gets_the_figures_of_a_only(client, test_settings, world):
    body = client.get(URL, params=YEAR, headers=token(test_settings, world.coordinator_a)).json()
    assert body["location_ids"] == [str(world.a)]
    assert body["referrals_received"] == 3  # Daan (for A and B), Sara's second referral, Milan; not Fenna (B)
    assert body["children_reached"] == 3
    assert body["placements_started"] == 2
    assert body["attendance_rate"] == 0.8


def test_a_coordinator_of_b_gets_b_only_and_no_figures_of_a(client, test_settings, world):
    headers = token(test_settings, world.coordinator_b)
    body = client.get(URL, params=YEAR, headers=headers).json()
    assert body["location_ids"] == [str(world.b)]
    assert body["children_reached"] == 1 and body["waitlist_now"] == 0
    outside = client.get(URL, params={**YEAR, "location_id": str(world.a)}, headers=headers)
    assert outside.status_code == 404


def test_a_coordinator_of_two_locations_may_narrow_to_one(client, test_settings, world):
    headers = token(test_settings, world.coordinator_ab)
    both = client.get(URL, params=YEAR, headers=headers).json()
    only_b = client.get(URL, params={**YEAR, "location_id": str(world.b)}, headers=headers).json()
    assert sorted(both["location_ids"]) == sorted([str(world.a), str(world.b)])
    assert both["children_reached"] == 4
    assert only_b["location_ids"] == [str(world.b)] and only_b["children_reached"] == 1


def test_the_beheerder_may_ask_for_any_location(client, test_settings, world):
    body = client.get(URL, params={**YEAR, "location_id": str(world.b)}, headers=token(test_settings, world.admin))
    assert body.status_code == 200 and body.json()["location_ids"] == [str(world.b)]


@pytest.mark.parametrize("who", ["youth_worker_a", "referrer"])
def test_youth_workers_and_referrers_reach_no_report(client, test_settings, world, who):
    response = client.get(URL, params=YEAR, headers=token(test_settings, getattr(world, who)))
    assert response.status_code == 403
    assert "referrals_received" not in response.text


def test_without_a_token_401(client, world):
    assert client.get(URL, params=YEAR).status_code == 401


def test_an_unknown_location_is_404(client, test_settings, world):
    headers = token(test_settings, world.admin)
    for value in ("00000000-0000-0000-0000-000000000000", "niet-een-id", "1' OR '1'='1"):
        assert client.get(URL, params={**YEAR, "location_id": value}, headers=headers).status_code == 404


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({}, {"from", "to"}),
        ({"from": "2024-01-01"}, {"to"}),
        ({"from": "gisteren", "to": "2024-12-31"}, {"from"}),
        ({"from": "2024-02-30", "to": "2024-03-31"}, {"from"}),
        ({"from": "2024-12-31", "to": "2024-01-01"}, {"to"}),
        ({"from": "1900-01-01", "to": "2024-01-01"}, {"from"}),
        ({"from": "2000-01-01", "to": "2024-01-01"}, {"to"}),
        ({"from": "9999-99-99", "to": "\x00"}, {"from", "to"}),
        ({"from": "2024-01-01" * 50, "to": "2024-12-31"}, {"from"}),
    ],
)
def test_bad_dates_answer_422_with_a_message_per_field(client, test_settings, world, params, fields):
    response = client.get(URL, params=params, headers=token(test_settings, world.admin))
    assert response.status_code == 422, response.text
    body = response.json()
    assert {error["field"] for error in body["errors"]} == fields
    assert all(error["message"] for error in body["errors"])


def test_nonsense_never_gives_a_500(client, test_settings, world):
    headers = token(test_settings, world.coordinator_a)
    for query in (
        "from=2024-01-01&to=2024-12-31&location_id=",
        "from=2024-01-01&to=2024-12-31&location_id=a&location_id=b",
        "from=2024-01-01&from=2024-02-01&to=2024-12-31",
        "from=%ff%fe&to=%00",
        "from[]=1&to{}=2",
        "from=-1&to=1e9",
        "from=2024-1-1&to=31-12-2024",
    ):
        response = client.get(f"{URL}?{query}", headers=headers)
        assert response.status_code < 500, (query, response.status_code, response.text)
        assert response.status_code in (200, 400, 404, 422), query
