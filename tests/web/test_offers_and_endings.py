"""An offer made by mistake is withdrawn (its seats free at once, the child waits on with its original
waiting_since), and an ending in the future keeps the child placed and on the day list until the end date; the
day after, the referral closes by itself with the reason given."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.placements import service as placements
from huiskamer.site.templating import today
from tests.factories import api, in_session
from tests.web.placement_api_helpers import Cast, make_cast, next_weekday, waiting_child


@pytest.fixture
def cast(test_settings) -> Cast:
    return make_cast(test_settings)


def post(client: Any, token: str, path: str, body: Any = None) -> Any:
    return client.post(path, json=body, headers=api(client, token))


def get(client: Any, token: str, path: str) -> Any:
    response = client.get(path, headers=api(client, token))
    assert response.status_code == 200, response.text
    return response.json()


def seat(rid: str, cast: Cast, weekdays: list[str], start: Any, **extra: Any) -> dict[str, Any]:
    return {"referral_id": rid, "location_id": str(cast.a), "weekdays": weekdays, "start_date": start.isoformat()} | {
        key: value.isoformat() for key, value in extra.items()
    }


def test_withdrawing_an_offer_frees_its_seats_at_once_and_keeps_waiting_since(client, cast):
    held_on = today() - timedelta(days=30)
    rid = waiting_child(client, cast, "Noor", held_on=held_on.isoformat())
    other = waiting_child(client, cast, "Sem")
    start = next_weekday(0, weeks=1)
    made = post(client, cast.coordinator_ab, "/api/v1/offers", seat(rid, cast, ["mon"], start, respond_by=start))
    assert made.status_code == 201, made.text
    # Monday's only seat is held by the offer.
    assert post(client, cast.coordinator_ab, "/api/v1/placements", seat(other, cast, ["mon"], start)).status_code == 409
    response = post(
        client, cast.coordinator_a, f"/api/v1/offers/{made.json()['id']}/withdraw", {"reason": "Vergissing"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "withdrawn"
    body = get(client, cast.coordinator_ab, f"/api/v1/referrals/{rid}")
    assert body["status"] == "waitlisted" and body["waiting_since"] == held_on.isoformat()
    assert post(client, cast.coordinator_ab, "/api/v1/placements", seat(other, cast, ["mon"], start)).status_code == 201
    again = post(client, cast.coordinator_a, f"/api/v1/offers/{made.json()['id']}/withdraw", {"reason": "x"})
    assert again.status_code == 409


def test_only_a_coordinator_of_the_location_withdraws_an_offer(client, cast):
    rid = waiting_child(client, cast, "Noor")
    start = next_weekday(0, weeks=1)
    made = post(client, cast.coordinator_ab, "/api/v1/offers", seat(rid, cast, ["mon"], start, respond_by=start))
    path = f"/api/v1/offers/{made.json()['id']}/withdraw"
    assert post(client, cast.coordinator_b, path, {}).status_code == 404
    assert post(client, cast.youth_worker_a, path, {}).status_code == 403
    assert post(client, cast.coordinator_a, path, {"reason": 5}).status_code == 422
    assert get(client, cast.coordinator_ab, f"/api/v1/referrals/{rid}")["status"] == "offered"


def test_a_future_ending_keeps_the_child_on_the_day_list_until_the_end_and_closes_the_day_after(client, cast):
    rid = waiting_child(client, cast, "Noor")
    monday = next_weekday(0)
    placed = post(client, cast.coordinator_ab, "/api/v1/placements", seat(rid, cast, ["mon"], monday)).json()
    last = monday + timedelta(days=7)
    ended = post(
        client,
        cast.coordinator_a,
        f"/api/v1/placements/{placed['id']}/end",
        {"end_date": last.isoformat(), "reason_code": "moved_house", "reason": "intern", "explanation": "Verhuisd."},
    )
    assert ended.status_code == 200, ended.text
    assert get(client, cast.coordinator_ab, f"/api/v1/referrals/{rid}")["status"] == "placed"

    def on_day_list(day: Any) -> bool:
        entries = get(client, cast.youth_worker_a, f"/api/v1/locations/{cast.a}/attendance/{day.isoformat()}")[
            "entries"
        ]
        return placed["id"] in {entry["placement_id"] for entry in entries}

    assert on_day_list(monday) and on_day_list(last) and not on_day_list(last + timedelta(days=7))

    def close_on(day: Any) -> int:
        async def work(db: AsyncSession) -> int:
            return await placements.close_ended_placements(db, cast.settings, day)

        return in_session(cast.settings, work)

    assert close_on(last) == 0
    assert get(client, cast.coordinator_ab, f"/api/v1/referrals/{rid}")["status"] == "placed"
    assert close_on(last + timedelta(days=1)) == 1
    assert close_on(last + timedelta(days=1)) == 0  # once, however often the worker runs
    body = get(client, cast.coordinator_ab, f"/api/v1/referrals/{rid}")
    assert body["status"] == "closed"
    assert body["history"][-1]["reason_code"] == "moved_house" and body["history"][-1]["reason"] == "intern"


def test_an_ending_today_keeps_the_child_placed_through_today(client, cast):
    rid = waiting_child(client, cast, "Noor")
    placed = post(client, cast.coordinator_ab, "/api/v1/placements", seat(rid, cast, ["mon"], today())).json()
    ended = post(
        client,
        cast.coordinator_a,
        f"/api/v1/placements/{placed['id']}/end",
        {"end_date": today().isoformat(), "reason_code": "goals_reached"},
    )
    assert ended.status_code == 200, ended.text
    assert get(client, cast.coordinator_ab, f"/api/v1/referrals/{rid}")["status"] == "placed"
