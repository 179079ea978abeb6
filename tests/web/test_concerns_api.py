"""Concerns (signalen) through the API: repeated unexcused absence raises exactly one concern for the coordinator,
a correction withdraws a stale one, a youth worker raises an observation, the coordinator lists and resolves them
(api-v1.md "Concerns and reports"); scope and roles."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from huiskamer.attendance.models import Concern
from huiskamer.auth.models import User
from huiskamer.mail.models import OutboxEmail
from huiskamer.organisation.models import OrganisationSettings
from tests.attendance_helpers import Cast, concerns_of, count_of, days_back, make_cast
from tests.factories import api, in_session

ZERO_ID = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def cast(test_settings) -> Cast:
    return make_cast(test_settings)


def mark(client: Any, cast: Cast, placement: Any, on: date, status: str, reason: str | None = None) -> Any:
    body: dict[str, Any] = {"status": status}
    if reason:
        body["absence_reason"] = reason
    response = client.put(
        f"/api/v1/locations/{cast.a}/attendance/{on}/{placement}",
        json=body,
        headers=api(client, cast.token("youth_worker_a")),
    )
    assert response.status_code == 200, response.text
    return response.json()


def open_concerns(client: Any, cast: Cast, who: str = "coordinator_a") -> list[dict[str, Any]]:
    response = client.get("/api/v1/concerns?status=open", headers=api(client, cast.token(who)))
    assert response.status_code == 200, response.text
    return response.json()["items"]


# --- raised by the system -------------------------------------------------------------------------------


def test_the_third_unexcused_absence_in_30_days_raises_exactly_one_concern(client, cast):
    child = cast.place(given_name="Noor")
    assert mark(client, cast, child.placement_id, days_back(25), "absent_unexcused")["concern"] is None
    assert mark(client, cast, child.placement_id, days_back(12), "absent_unexcused")["concern"] is None
    assert open_concerns(client, cast) == [], "the second does not"
    assert mark(client, cast, child.placement_id, days_back(3), "absent_unexcused")["concern"] == "raised"
    items = open_concerns(client, cast)
    assert len(items) == 1
    item = items[0]
    assert {"id", "referral_id", "location_id", "kind", "raised_at", "status", "text"} <= set(item)
    assert item["kind"] == "unexcused_absence" and item["status"] == "open"
    assert item["referral_id"] == str(child.referral_id) and item["location_id"] == str(cast.a)
    assert "Noor was 3 keer afwezig zonder bericht binnen 30 dagen" in item["text"]
    # Not on every tap: the same tap again, a fourth absence, and a tap on another day add nothing.
    mark(client, cast, child.placement_id, days_back(3), "absent_unexcused")
    mark(client, cast, child.placement_id, days_back(1), "absent_unexcused")
    mark(client, cast, child.placement_id, days_back(2), "present")
    assert len(concerns_of(cast.settings, child.placement_id)) == 1


def test_absences_further_apart_than_the_window_raise_nothing(client, cast):
    child = cast.place(start=days_back(90))
    for n in (70, 45, 5):
        mark(client, cast, child.placement_id, days_back(n), "absent_unexcused")
    assert concerns_of(cast.settings, child.placement_id) == []


def test_correcting_an_absence_to_with_notice_leaves_no_stale_concern(client, cast):
    child = cast.place()
    for n in (20, 10, 3):
        mark(client, cast, child.placement_id, days_back(n), "absent_unexcused")
    assert len(open_concerns(client, cast)) == 1
    corrected = mark(client, cast, child.placement_id, days_back(10), "absent_excused", "ill")
    assert corrected["concern"] == "withdrawn"
    assert open_concerns(client, cast) == []
    [concern] = concerns_of(cast.settings, child.placement_id)
    assert concern.status == "withdrawn"
    # The same correction to "present" and to "unknown" (a mistaken tap taken back) withdraw it as well.
    mark(client, cast, child.placement_id, days_back(10), "absent_unexcused")
    assert len(open_concerns(client, cast)) == 1
    mark(client, cast, child.placement_id, days_back(20), "unknown")
    assert open_concerns(client, cast) == []


def test_after_the_coordinator_resolved_a_concern_only_new_absences_count(client, cast):
    child = cast.place(start=days_back(90))
    for n in (40, 35, 30):
        mark(client, cast, child.placement_id, days_back(n), "absent_unexcused")
    [item] = open_concerns(client, cast)
    resolved = client.post(
        f"/api/v1/concerns/{item['id']}/resolve",
        json={"note": "Moeder gebeld: opa was ziek, het is opgelost."},
        headers=api(client, cast.token("coordinator_a")),
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved"
    mark(client, cast, child.placement_id, days_back(25), "absent_unexcused")
    mark(client, cast, child.placement_id, days_back(20), "absent_unexcused")
    assert open_concerns(client, cast) == [], "two new absences with the three talked-through ones are not three new"
    mark(client, cast, child.placement_id, days_back(15), "absent_unexcused")
    assert len(open_concerns(client, cast)) == 1


def test_the_beheerders_threshold_and_window_apply(client, cast):
    async def set_two_in_seven(db) -> None:
        db.add(OrganisationSettings(unexcused_absence_threshold=2, unexcused_absence_window_days=7))

    in_session(cast.settings, set_two_in_seven)
    child = cast.place()
    mark(client, cast, child.placement_id, days_back(9), "absent_unexcused")
    mark(client, cast, child.placement_id, days_back(2), "absent_unexcused")
    assert open_concerns(client, cast) == [], "9 and 2 days ago are 8 days apart"
    mark(client, cast, child.placement_id, days_back(4), "absent_unexcused")
    [item] = open_concerns(client, cast)
    assert "2 keer" in item["text"] and "7 dagen" in item["text"]


# --- raised by a youth worker, resolved by the coordinator ---------------------------------------------


def test_a_youth_worker_raises_an_observation_and_the_coordinator_resolves_it_with_a_note(client, cast):
    child = cast.place(given_name="Noor")
    raised = client.post(
        "/api/v1/concerns",
        json={"referral_id": str(child.referral_id), "text": "Noor had vandaag een blauwe plek en was erg stil."},
        headers=api(client, cast.token("youth_worker_a")),
    )
    assert raised.status_code == 201, raised.text
    body = raised.json()
    assert body["kind"] == "observation" and body["status"] == "open" and body["location_id"] == str(cast.a)
    [item] = open_concerns(client, cast)
    assert item["id"] == body["id"] and item["child_name"] == "Noor Bakker"
    assert open_concerns(client, cast, "coordinator_b") == []
    note = {"note": "Met moeder gesproken; zij was al bij de huisarts."}
    path = f"/api/v1/concerns/{body['id']}/resolve"
    assert client.post(path, json=note, headers=api(client, cast.token("coordinator_b"))).status_code == 404
    resolved = client.post(path, json=note, headers=api(client, cast.token("coordinator_a")))
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["resolution_note"] == note["note"]
    assert open_concerns(client, cast) == []
    again = client.post(path, json=note, headers=api(client, cast.token("coordinator_a")))
    assert again.status_code == 409
    resolved_list = client.get("/api/v1/concerns?status=resolved", headers=api(client, cast.token("coordinator_a")))
    assert [item["id"] for item in resolved_list.json()["items"]] == [body["id"]]


def test_a_youth_worker_cannot_raise_a_concern_about_a_child_of_another_location(client, cast):
    child_b = cast.place("b")
    for referral in (str(child_b.referral_id), ZERO_ID):
        response = client.post(
            "/api/v1/concerns",
            json={"referral_id": referral, "text": "Iets gezien."},
            headers=api(client, cast.token("youth_worker_a")),
        )
        assert response.status_code == 404
    assert count_of(cast.settings, Concern) == 0


@pytest.mark.parametrize("who", ["youth_worker_a", "referrer", "admin"])
def test_only_coordinators_list_and_resolve_concerns(client, cast, who):
    child = cast.place()
    client.post(
        "/api/v1/concerns",
        json={"referral_id": str(child.referral_id), "text": "Was erg stil."},
        headers=api(client, cast.token("youth_worker_a")),
    )
    [concern] = concerns_of(cast.settings, child.placement_id)
    assert client.get("/api/v1/concerns", headers=api(client, cast.token(who))).status_code == 403
    response = client.post(
        f"/api/v1/concerns/{concern.id}/resolve", json={"note": "x"}, headers=api(client, cast.token(who))
    )
    assert response.status_code == 403
    if who != "youth_worker_a":
        raised = client.post(
            "/api/v1/concerns",
            json={"referral_id": str(child.referral_id), "text": "Iets."},
            headers=api(client, cast.token(who)),
        )
        assert raised.status_code == 403


def test_bad_input_gets_a_message_per_field(client, cast):
    child = cast.place()
    headers = api(client, cast.token("coordinator_a"))
    empty = client.post("/api/v1/concerns", json={"referral_id": "geen-id", "text": " "}, headers=headers)
    assert empty.status_code == 422
    assert {error["field"] for error in empty.json()["errors"]} == {"referral_id", "text"}
    client.post("/api/v1/concerns", json={"referral_id": str(child.referral_id), "text": "Stil."}, headers=headers)
    [concern] = concerns_of(cast.settings, child.placement_id)
    no_note = client.post(f"/api/v1/concerns/{concern.id}/resolve", json={"note": ""}, headers=headers)
    assert no_note.status_code == 422 and no_note.json()["errors"][0]["field"] == "note"
    assert client.get("/api/v1/concerns?status=gek", headers=headers).status_code == 422
    assert client.get("/api/v1/concerns?page=0", headers=headers).status_code == 422


# --- urgent concerns: a worry about a child's safety, the Meldcode --------------------------------------


def raise_concern(
    client: Any, cast: Cast, referral_id: Any, kind: str, text: str = "Blauwe plekken op de armen."
) -> Any:
    return client.post(
        "/api/v1/concerns",
        json={"referral_id": str(referral_id), "text": text, "kind": kind},
        headers=api(client, cast.token("youth_worker_a")),
    )


def test_a_safeguarding_concern_is_urgent_and_comes_first(client, cast):
    noor, sem = cast.place(given_name="Noor"), cast.place(given_name="Sem")
    assert raise_concern(client, cast, noor.referral_id, "observation", "Stil vandaag.").status_code == 201
    worry = raise_concern(client, cast, sem.referral_id, "safeguarding")
    assert worry.status_code == 201, worry.text
    assert worry.json()["kind"] == "safeguarding" and worry.json()["urgent"] is True
    items = open_concerns(client, cast)
    assert [(item["child_name"], item["urgent"]) for item in items] == [("Sem Bakker", True), ("Noor Bakker", False)]
    assert items[0]["steps"] == [] and "steps" not in items[1]
    unknown = raise_concern(client, cast, noor.referral_id, "unexcused_absence")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "kind"


def test_the_meldcode_steps_are_taken_in_order_and_the_concern_closes_after_the_decision(client, cast):
    child = cast.place(given_name="Noor")
    concern = raise_concern(client, cast, child.referral_id, "safeguarding").json()["id"]
    headers = api(client, cast.token("coordinator_a"))
    steps = f"/api/v1/concerns/{concern}/steps"
    resolve = f"/api/v1/concerns/{concern}/resolve"
    assert client.post(resolve, json={"note": "Klaar."}, headers=headers).status_code == 409
    skipped = client.post(steps, json={"step": 2, "done_on": str(days_back(0)), "note": "Overlegd."}, headers=headers)
    assert skipped.status_code == 409 and "Zet eerst stap 1" in skipped.json()["detail"]
    future = client.post(steps, json={"step": 1, "done_on": "2099-01-01", "note": "x"}, headers=headers)
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "done_on"
    for step in range(1, 6):
        body = {"step": step, "done_on": str(days_back(0)), "note": f"Stap {step} gedaan."}
        response = client.post(steps, json=body, headers=headers)
        assert response.status_code == 200, response.text
        if step < 5:
            assert client.post(resolve, json={"note": "Klaar."}, headers=headers).status_code == 409
    [item] = open_concerns(client, cast)
    assert [step["step"] for step in item["steps"]] == [1, 2, 3, 4, 5]
    done = client.post(resolve, json={"note": "Melding gedaan bij Veilig Thuis; hulp loopt."}, headers=headers)
    assert done.status_code == 200, done.text
    assert (
        client.post(steps, json={"step": 5, "done_on": str(days_back(0)), "note": "x"}, headers=headers).status_code
        == 409
    )
    other = client.post(
        steps,
        json={"step": 1, "done_on": str(days_back(0)), "note": "x"},
        headers=api(client, cast.token("coordinator_b")),
    )
    assert other.status_code == 404
    worker = client.post(
        steps,
        json={"step": 1, "done_on": str(days_back(0)), "note": "x"},
        headers=api(client, cast.token("youth_worker_a")),
    )
    assert worker.status_code == 403


def test_an_urgent_concern_is_mailed_to_the_coordinators_who_asked_without_child_data(client, cast):
    child = cast.place(given_name="Noor")
    set_mail(cast, cast.coordinator_a, True)
    set_mail(cast, cast.coordinator_b, True)  # another location: hears nothing
    raise_concern(client, cast, child.referral_id, "observation", "Stil.")
    assert outbox(cast) == []
    raise_concern(client, cast, child.referral_id, "safeguarding", "Noor Bakker had blauwe plekken.")
    [mail] = outbox(cast)
    assert mail.to_address == coordinator_email(cast, cast.coordinator_a)
    assert mail.subject == "Dringend signaal: Huiskamer Anemoon"
    assert "Noor" not in mail.body and "Bakker" not in mail.body and "/signalen" in mail.body


def set_mail(cast: Cast, user_id: Any, wanted: bool) -> None:
    async def work(db: Any) -> None:
        user = await db.get(User, user_id)
        user.email_notifications = wanted

    in_session(cast.settings, work)


def outbox(cast: Cast) -> list[Any]:
    async def work(db: Any) -> list[Any]:
        return list((await db.scalars(select(OutboxEmail))).all())

    return in_session(cast.settings, work)


def coordinator_email(cast: Cast, user_id: Any) -> str:
    async def work(db: Any) -> str:
        return (await db.get(User, user_id)).email

    return in_session(cast.settings, work)
