"""Capacity that counts from a date ("from January"): placements, the waitlist's free seats, the day list and
the capacity view read the capacity valid on each date; lowering it below the seats taken on some day from then
on is refused naming that weekday and date; the day list agrees with a brute-force model of steps and closures."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huiskamer.placements.rules import seats_on
from huiskamer.site.templating import dutch_date, today
from huiskamer.validation import WEEKDAYS
from tests.factories import api
from tests.web.placement_api_helpers import Cast, make_cast, next_weekday, waiting_child


@pytest.fixture
def cast(test_settings) -> Cast:
    return make_cast(test_settings)


def place(client: Any, cast: Cast, rid: str, weekdays: list[str], start: date) -> Any:
    body = {"referral_id": rid, "location_id": str(cast.a), "weekdays": weekdays, "start_date": start.isoformat()}
    return client.post("/api/v1/placements", json=body, headers=api(client, cast.coordinator_a))


def patch(client: Any, cast: Cast, body: dict[str, Any]) -> Any:
    return client.patch(f"/api/v1/locations/{cast.a}", json=body, headers=api(client, cast.admin))


def day_list(client: Any, cast: Cast, day: date) -> dict[str, Any]:
    answer = client.get(f"/api/v1/locations/{cast.a}/attendance/{day}", headers=api(client, cast.youth_worker_a))
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_capacity_from_january_counts_only_from_then(client, cast):
    january = next_weekday(0, weeks=3)  # a Monday; A has one seat on Monday until then
    changed = patch(client, cast, {"capacity": {"mon": 2}, "capacity_valid_from": january.isoformat()})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["capacity"]["mon"] == 1  # what holds today
    assert {"valid_from": january.isoformat(), "capacity": {**body["capacity"], "mon": 2}} in body["capacity_schedule"]
    first, second = waiting_child(client, cast, "Noor"), waiting_child(client, cast, "Sem")
    assert place(client, cast, first, ["mon"], today()).status_code == 201
    refused = place(client, cast, second, ["mon"], today())
    assert refused.status_code == 409
    first_monday = today() + timedelta(days=-today().weekday() % 7)  # the placement starts today: maybe a Monday
    assert "maandag" in refused.json()["detail"] and dutch_date(first_monday) in refused.json()["detail"]
    assert place(client, cast, second, ["mon"], january).status_code == 201

    assert day_list(client, cast, january)["capacity"] == 2
    assert day_list(client, cast, january - timedelta(days=7))["capacity"] == 1
    waitlist = client.get(
        f"/api/v1/locations/{cast.a}/proposals?start_date={january}", headers=api(client, cast.coordinator_a)
    )
    assert waitlist.status_code == 200

    # Lowering Monday back to one seat from a later date: refused, naming the first Monday it would not fit.
    later = january + timedelta(days=14)
    lowered = patch(client, cast, {"capacity": {"mon": 1}, "capacity_valid_from": later.isoformat()})
    assert lowered.status_code == 409
    detail = lowered.json()["detail"]
    assert f"Op {dutch_date(later)} zijn al 2 plaatsen bezet" in detail and "maandag" in detail
    assert patch(client, cast, {"capacity": {"mon": 3}, "capacity_valid_from": later.isoformat()}).status_code == 200


def test_a_date_from_which_capacity_counts_must_be_a_date_from_today(client, cast):
    past = patch(client, cast, {"capacity": {"mon": 4}, "capacity_valid_from": "2020-01-01"})
    assert past.status_code == 422
    assert past.json()["errors"][0]["field"] == "capacity_valid_from"
    nonsense = patch(client, cast, {"capacity": {"mon": 4}, "capacity_valid_from": "volgende week"})
    assert nonsense.status_code == 422
    assert nonsense.json()["errors"][0]["field"] == "capacity_valid_from"


@st.composite
def schedules(draw):
    changes = draw(
        st.lists(st.tuples(st.integers(0, 40), st.sampled_from(["mon", "tue", "wed"]), st.integers(0, 5)), max_size=4)
    )
    closures = draw(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 6)), max_size=3))
    probes = draw(st.lists(st.integers(0, 50), min_size=1, max_size=4))
    return changes, closures, probes


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(schedules())
def test_the_day_list_reads_capacity_and_closures_as_a_brute_force_model_does(client, test_settings, case):
    """For any steps of capacity and closure ranges, the day list's capacity and closed state on a date are the
    latest step by then and whether a range covers it."""
    from tests.factories import make_location, make_token, make_user

    changes, closures, probes = case
    start = today()
    location = make_location(test_settings, seats={"mon": 1, "tue": 2, "wed": 0})
    admin = make_token(test_settings, make_user(test_settings, "admin"))
    worker = make_token(test_settings, make_user(test_settings, "youth_worker", location_ids=(location,)))
    model: dict[str, list[tuple[date, int]]] = {"mon": [(date(2000, 1, 1), 1)], "tue": [(date(2000, 1, 1), 2)]}
    model["wed"] = [(date(2000, 1, 1), 0)]
    for offset, weekday, seats in changes:
        valid_from = start + timedelta(days=offset)
        answer = client.patch(
            f"/api/v1/locations/{location}",
            json={"capacity": {weekday: seats}, "capacity_valid_from": valid_from.isoformat()},
            headers=api(client, admin),
        )
        assert answer.status_code == 200, answer.text
        model[weekday] = sorted([s for s in model[weekday] if s[0] != valid_from] + [(valid_from, seats)])
    ranges: list[tuple[date, date]] = []
    for offset, length in closures:
        first = start + timedelta(days=offset)
        if not any(a <= first + timedelta(days=length) and first <= b for a, b in ranges):
            ranges.append((first, first + timedelta(days=length)))
    body = [{"date": a.isoformat(), "last_date": b.isoformat(), "description": "dicht"} for a, b in ranges]
    answer = client.patch(f"/api/v1/locations/{location}", json={"closure_days": body}, headers=api(client, admin))
    assert answer.status_code == 200, answer.text
    for offset in probes:
        day = start + timedelta(days=offset)
        weekday = WEEKDAYS[day.weekday()]
        shown = client.get(f"/api/v1/locations/{location}/attendance/{day}", headers=api(client, worker))
        assert shown.status_code == 200, shown.text
        assert shown.json()["capacity"] == seats_on(model.get(weekday, []), day)
        assert shown.json()["closed"] == any(a <= day <= b for a, b in ranges)
