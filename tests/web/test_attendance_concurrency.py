"""Two phones in one busy room: marks sent at the same moment through two app instances (as two server workers
would) all land, one record per child and day, on SQLite and on PostgreSQL; the concern rule counts each
absence once, also when the same child's absences arrive at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from huiskamer.attendance.models import Attendance, Concern
from huiskamer.site.templating import today
from tests.attendance_helpers import Cast, count_of, days_back, make_cast, rows_of
from tests.factories import api


@pytest.fixture
def cast(test_settings) -> Cast:
    return make_cast(test_settings)


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Runs the calls in threads released together; returns their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def go(index: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=go, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def tap(client: Any, cast: Cast, who: str, placement: Any, status: str, on: date | None = None) -> Callable[[], Any]:
    on = on or today()

    def send() -> Any:
        return client.put(
            f"/api/v1/locations/{cast.a}/attendance/{on}/{placement}",
            json={"status": status},
            headers=api(client, cast.token(who)),
        )

    return send


def test_two_phones_marking_different_children_at_the_same_moment_both_land(cast, make_client):
    phone_one, phone_two = make_client(), make_client()
    children = [cast.place(given_name=f"Kind{n}") for n in range(12)]
    for one, two in zip(children[::2], children[1::2], strict=True):
        first, second = at_once(
            tap(phone_one, cast, "youth_worker_a", one.placement_id, "present"),
            tap(phone_two, cast, "coordinator_a", two.placement_id, "absent_unexcused"),
        )
        assert first.status_code == 200, first.text
        assert second.status_code == 200, second.text
    stored = {row.placement_id: row.status for row in rows_of(cast.settings, Attendance)}
    assert stored == {
        child.placement_id: "present" if n % 2 == 0 else "absent_unexcused" for n, child in enumerate(children)
    }
    day = phone_one.get(
        f"/api/v1/locations/{cast.a}/attendance/{today()}", headers=api(phone_one, cast.token("youth_worker_a"))
    )
    assert day.json()["present"] == 6


def test_the_same_child_tapped_on_two_phones_at_once_is_one_record(cast, make_client):
    phone_one, phone_two = make_client(), make_client()
    for n in range(5):
        child = cast.place(given_name=f"Dubbel{n}")
        results = at_once(
            tap(phone_one, cast, "youth_worker_a", child.placement_id, "present"),
            tap(phone_two, cast, "coordinator_a", child.placement_id, "present"),
        )
        assert [response.status_code for response in results] == [200, 200], [r.text for r in results]
        assert count_of(cast.settings, Attendance, placement_id=child.placement_id) == 1


def test_three_absences_arriving_at_once_raise_one_concern(cast, make_client):
    phones = [make_client() for _ in range(3)]
    child = cast.place()
    results = at_once(
        *(
            tap(phone, cast, "youth_worker_a", child.placement_id, "absent_unexcused", days_back(n))
            for phone, n in zip(phones, (2, 5, 9), strict=True)
        )
    )
    assert [response.status_code for response in results] == [200, 200, 200], [r.text for r in results]
    assert count_of(cast.settings, Concern, placement_id=child.placement_id) == 1
