"""The waitlist, proposals, offers and placements API (api-v1.md "Waitlist, proposals, placements"), exactly as
written: shapes and status codes, seats held by open offers, offers lapsing by date, ending a placement, the
capacity a beheerder may not lower, scope (404) and roles (403), and bad input on every endpoint."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.placements import service as placements
from huiskamer.placements.models import Offer
from huiskamer.referrals.models import Referral
from huiskamer.site.templating import today
from tests.factories import api, in_session
from tests.web.placement_api_helpers import (
    Cast,
    errors_of,
    make_cast,
    move_clock,
    next_weekday,
    referral_in_review,
    row_counts,
    waiting_child,
)

ZERO_ID = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def cast(test_settings) -> Cast:
    return make_cast(test_settings)


def get(client: Any, token: str, path: str) -> Any:
    return client.get(path, headers=api(client, token))


def post(client: Any, token: str, path: str, body: Any = None) -> Any:
    return client.post(path, json=body, headers=api(client, token))


def referral(client: Any, cast: Cast, rid: str) -> dict[str, Any]:
    response = get(client, cast.coordinator_ab, f"/api/v1/referrals/{rid}")
    assert response.status_code == 200, response.text
    return response.json()


def waitlist_ids(client: Any, cast: Cast, location: UUID) -> list[str]:
    response = get(client, cast.coordinator_ab, f"/api/v1/locations/{location}/waitlist")
    assert response.status_code == 200, response.text
    return [entry["referral_id"] for entry in response.json()["entries"]]


def seat(rid: str, location: UUID, weekdays: list[str], start: date, respond_by: date | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "referral_id": rid,
        "location_id": str(location),
        "weekdays": weekdays,
        "start_date": start.isoformat(),
    }
    if respond_by is not None:
        body["respond_by"] = respond_by.isoformat()
    return body


def place(client: Any, cast: Cast, rid: str, weekdays: list[str], start: date, location: UUID | None = None) -> Any:
    return post(client, cast.coordinator_ab, "/api/v1/placements", seat(rid, location or cast.a, weekdays, start))


def offer(client: Any, cast: Cast, rid: str, weekdays: list[str], start: date, respond_by: date | None = None) -> Any:
    body = seat(rid, cast.a, weekdays, start, respond_by or start)
    return post(client, cast.coordinator_ab, "/api/v1/offers", body)


# --- the waitlist and the proposals -----------------------------------------------------------------


def test_the_waitlist_lists_children_in_rank_order_with_dutch_explanations_that_add_up(client, cast):
    long_ago = waiting_child(client, cast, "Noor", held_on=(today() - timedelta(days=40)).isoformat())
    urgent = waiting_child(
        client, cast, "Sem", held_on=(today() - timedelta(days=3)).isoformat(), urgency="high", urgency_reason="Zorg."
    )
    recent = waiting_child(client, cast, "Daan", held_on=(today() - timedelta(days=1)).isoformat())
    response = get(client, cast.coordinator_a, f"/api/v1/locations/{cast.a}/waitlist")
    assert response.status_code == 200
    body = response.json()
    assert body["location_id"] == str(cast.a) and body["date"] == today().isoformat()
    entries = body["entries"]
    assert [e["referral_id"] for e in entries] == [urgent, long_ago, recent]
    assert [e["rank"] for e in entries] == [1, 2, 3]
    assert [e["score"] for e in entries] == [3 + 90 + 14, 40 + 14, 1 + 14]
    for entry in entries:
        assert {"referral_id", "rank", "score", "waiting_since", "explanation"} <= set(entry)
        assert sum(part["points"] for part in entry["explanation"]) == entry["score"]
        assert all(set(part) == {"factor", "points", "label"} for part in entry["explanation"])
    assert [(p["factor"], p["points"], p["label"]) for p in entries[0]["explanation"]] == [
        ("waiting", 3, "Wacht 3 dagen"),
        ("urgency", 90, "urgentie hoog telt als 90 dagen"),
        ("neighbourhood", 14, "woont in de wijk: 14 dagen"),
    ]
    assert entries[1]["waiting_since"] == (today() - timedelta(days=40)).isoformat()


def test_the_waitlist_on_a_later_date_counts_the_days_until_then(client, cast):
    waiting_child(client, cast, "Noor", held_on=(today() - timedelta(days=5)).isoformat())
    later = today() + timedelta(days=30)
    body = get(client, cast.coordinator_a, f"/api/v1/locations/{cast.a}/waitlist?date={later.isoformat()}").json()
    assert body["date"] == later.isoformat()
    waiting = body["entries"][0]["explanation"][0]
    assert (waiting["factor"], waiting["points"], waiting["label"]) == ("waiting", 35, "Wacht 35 dagen")


def test_a_child_too_old_on_the_date_is_not_on_the_waitlist(client, cast):
    rid = referral_in_review(client, cast, "Yara", age=12)
    assert (
        client.post(
            f"/api/v1/referrals/{rid}/intake",
            json={
                "held_on": today().isoformat(),
                "goals": [{"description": "Samenwerken"}],
                "urgency": "normal",
                "requested_weekdays": ["mon"],
                "preferred_location_ids": [str(cast.a)],
                "consent_data_processing": True,
            },
            headers=api(client, cast.coordinator_a),
        ).status_code
        == 201
    )
    assert waitlist_ids(client, cast, cast.a) == [rid]
    in_two_years = (today() + timedelta(days=700)).isoformat()
    later = get(client, cast.coordinator_a, f"/api/v1/locations/{cast.a}/waitlist?date={in_two_years}").json()
    assert later["entries"] == []


def test_proposals_fill_the_free_seats_from_the_start_date_in_rank_order(client, cast):
    first = waiting_child(client, cast, "Noor", held_on=(today() - timedelta(days=30)).isoformat())
    second = waiting_child(
        client,
        cast,
        "Sem",
        held_on=(today() - timedelta(days=20)).isoformat(),
        requested_weekdays=["mon", "tue"],
        minimum_days=1,
    )
    third = waiting_child(client, cast, "Daan", held_on=(today() - timedelta(days=10)).isoformat())
    start = next_weekday(0)
    response = get(client, cast.coordinator_a, f"/api/v1/locations/{cast.a}/proposals?start_date={start.isoformat()}")
    assert response.status_code == 200
    # A: one seat on Monday, two on Tuesday and Thursday. Noor takes all three days; Sem only Tuesday is left
    # (minimum one day), Daan wants three days with a minimum of two and only Thursday is left.
    assert response.json()["proposals"] == [
        {"referral_id": first, "weekdays": ["mon", "tue", "thu"]},
        {"referral_id": second, "weekdays": ["tue"]},
    ]
    assert place(client, cast, first, ["mon", "tue", "thu"], start).status_code == 201
    after = get(client, cast.coordinator_a, f"/api/v1/locations/{cast.a}/proposals?start_date={start.isoformat()}")
    assert after.json()["proposals"] == [{"referral_id": second, "weekdays": ["tue"]}]
    assert third not in {p["referral_id"] for p in after.json()["proposals"]}


def test_proposals_count_seats_free_from_the_start_date(client, cast):
    leaving = waiting_child(client, cast, "Noor")
    waiting = waiting_child(client, cast, "Sem", requested_weekdays=["mon"], minimum_days=1)
    start = next_weekday(0)
    placed = place(client, cast, leaving, ["mon"], start)
    assert placed.status_code == 201
    end_date = start + timedelta(days=14)
    ended = post(
        client,
        cast.coordinator_a,
        f"/api/v1/placements/{placed.json()['id']}/end",
        {"end_date": end_date.isoformat(), "reason_code": "moved_house"},
    )
    assert ended.status_code == 200
    before = get(client, cast.coordinator_a, f"/api/v1/locations/{cast.a}/proposals?start_date={start.isoformat()}")
    assert before.json()["proposals"] == []
    free_from = (end_date + timedelta(days=1)).isoformat()
    after = get(client, cast.coordinator_a, f"/api/v1/locations/{cast.a}/proposals?start_date={free_from}")
    assert after.json()["proposals"] == [{"referral_id": waiting, "weekdays": ["mon"]}]


# --- offers ----------------------------------------------------------------------------------------


def test_an_offer_holds_its_seats_and_the_child_is_offered(client, cast):
    rid = waiting_child(client, cast, "Noor")
    other = waiting_child(client, cast, "Sem")
    start = next_weekday(0, weeks=1)
    response = offer(client, cast, rid, ["mon", "tue"], start, respond_by=start - timedelta(days=3))
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["id"] and made["referral_id"] == rid and made["location_id"] == str(cast.a)
    assert made["weekdays"] == ["mon", "tue"] and made["start_date"] == start.isoformat()
    assert made["respond_by"] == (start - timedelta(days=3)).isoformat() and made["status"] == "open"
    assert referral(client, cast, rid)["status"] == "offered"
    assert waitlist_ids(client, cast, cast.a) == [other]
    # Monday has one seat, held by the offer: also from a later date, and also for a second offer.
    full = place(client, cast, other, ["mon"], start + timedelta(days=28))
    assert full.status_code == 409
    assert full.json()["detail"].startswith(
        "Geen plaats meer op maandag bij Huiskamer Anemoon vanaf die datum: vol op maandag "
    )
    assert offer(client, cast, other, ["mon"], start).status_code == 409
    assert place(client, cast, other, ["tue", "thu"], start).status_code == 201
    listed = get(client, cast.coordinator_a, f"/api/v1/offers?location_id={cast.a}&status=open").json()
    assert [o["id"] for o in listed["items"]] == [made["id"]]


def test_accepting_an_offer_places_the_child_and_takes_it_off_every_waitlist(client, cast):
    both = [str(cast.a), str(cast.b)]
    rid = waiting_child(client, cast, "Noor", preferred_location_ids=both)
    assert waitlist_ids(client, cast, cast.b) == [rid]
    start = next_weekday(0)
    made = offer(client, cast, rid, ["mon", "thu"], start).json()
    response = post(client, cast.coordinator_a, f"/api/v1/offers/{made['id']}/accept")
    assert response.status_code == 201, response.text
    placement = response.json()
    assert placement["id"] and placement["referral_id"] == rid and placement["location_id"] == str(cast.a)
    assert placement["weekdays"] == ["mon", "thu"] and placement["start_date"] == start.isoformat()
    assert placement["end_date"] is None
    body = referral(client, cast, rid)
    assert body["status"] == "placed" and body["placement"]["id"] == placement["id"]
    assert waitlist_ids(client, cast, cast.a) == [] and waitlist_ids(client, cast, cast.b) == []
    again = post(client, cast.coordinator_a, f"/api/v1/offers/{made['id']}/accept")
    assert again.status_code == 409 and again.json()["detail"] == "Op dit aanbod is al gereageerd."
    assert post(client, cast.coordinator_a, f"/api/v1/offers/{made['id']}/decline").status_code == 409
    shown = get(client, cast.coordinator_a, f"/api/v1/placements/{placement['id']}").json()
    assert {k: shown[k] for k in ("id", "referral_id", "location_id", "weekdays", "start_date", "end_date")} == {
        k: placement[k] for k in ("id", "referral_id", "location_id", "weekdays", "start_date", "end_date")
    }


def test_declining_returns_the_child_to_the_waitlist_with_its_original_waiting_since(client, cast):
    held_on = today() - timedelta(days=50)
    rid = waiting_child(client, cast, "Noor", held_on=held_on.isoformat())
    other = waiting_child(client, cast, "Sem")
    start = next_weekday(0)
    made = offer(client, cast, rid, ["mon"], start).json()
    response = post(client, cast.coordinator_a, f"/api/v1/offers/{made['id']}/decline", {"reason": "Kiest de bso."})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "declined"
    body = referral(client, cast, rid)
    assert body["status"] == "waitlisted" and body["waiting_since"] == held_on.isoformat()
    entries = get(client, cast.coordinator_a, f"/api/v1/locations/{cast.a}/waitlist").json()["entries"]
    assert entries[0]["referral_id"] == rid and entries[0]["waiting_since"] == held_on.isoformat()
    assert entries[0]["explanation"][0]["points"] == 50
    # The seat is free again.
    assert place(client, cast, other, ["mon"], start).status_code == 201
    assert get(client, cast.coordinator_a, "/api/v1/offers?status=declined").json()["items"][0]["id"] == made["id"]


def test_an_offer_past_respond_by_frees_its_seats_before_the_job_runs_and_the_job_records_it(client, cast, monkeypatch):
    held_on = today() - timedelta(days=20)
    rid = waiting_child(client, cast, "Noor", held_on=held_on.isoformat())
    other = waiting_child(client, cast, "Sem")
    start = next_weekday(0, weeks=1)
    made = offer(client, cast, rid, ["mon"], start, respond_by=today()).json()
    assert place(client, cast, other, ["mon"], start).status_code == 409

    tomorrow = move_clock(monkeypatch, 1)
    assert get(client, cast.coordinator_a, "/api/v1/offers?status=open").json()["items"] == []
    lapsed = get(client, cast.coordinator_a, "/api/v1/offers?status=expired").json()["items"]
    assert [(o["id"], o["status"]) for o in lapsed] == [(made["id"], "expired")]
    late = post(client, cast.coordinator_a, f"/api/v1/offers/{made['id']}/accept")
    assert late.status_code == 409 and "verlopen" in late.json()["detail"]
    assert place(client, cast, other, ["mon"], start).status_code == 201  # the seat freed itself

    async def run_job(session: AsyncSession) -> tuple[int, str, str]:
        expired = await placements.expire_offers(session, cast.settings, tomorrow)
        stored = await session.scalar(select(Offer.status).where(Offer.id == UUID(made["id"])))
        status = await session.scalar(select(Referral.status).where(Referral.id == UUID(rid)))
        return expired, stored or "", status or ""

    assert in_session(cast.settings, run_job) == (1, "expired", "waitlisted")
    assert referral(client, cast, rid)["waiting_since"] == held_on.isoformat()
    assert rid in waitlist_ids(client, cast, cast.a)
    assert in_session(cast.settings, run_job) == (0, "expired", "waitlisted")


def test_an_offer_is_refused_for_a_full_day_a_child_not_waiting_or_a_location_it_did_not_choose(client, cast):
    rid = waiting_child(client, cast, "Noor")
    start = next_weekday(0)
    sunday = offer(client, cast, rid, ["sun"], start)
    assert sunday.status_code == 409 and "zondag" in sunday.json()["detail"]
    elsewhere = post(client, cast.coordinator_ab, "/api/v1/offers", seat(rid, cast.b, ["mon"], start, start))
    assert elsewhere.status_code == 422
    assert errors_of(elsewhere) == {"location_id": "Dit kind staat niet op de wachtlijst van deze locatie."}
    assert offer(client, cast, rid, ["tue"], start).status_code == 201
    twice = offer(client, cast, rid, ["thu"], start)
    assert twice.status_code == 409
    assert twice.json()["detail"] == "Alleen een kind op de wachtlijst kan een plaats aangeboden krijgen."


# --- placements ------------------------------------------------------------------------------------


def test_a_placement_places_the_child_and_takes_it_off_every_waitlist(client, cast):
    both = [str(cast.a), str(cast.b)]
    rid = waiting_child(client, cast, "Noor", preferred_location_ids=both)
    start = next_weekday(1)
    response = place(client, cast, rid, ["tue", "thu"], start)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"] and body["referral_id"] == rid and body["location_id"] == str(cast.a)
    assert body["weekdays"] == ["tue", "thu"] and body["start_date"] == start.isoformat() and body["end_date"] is None
    assert referral(client, cast, rid)["status"] == "placed"
    assert waitlist_ids(client, cast, cast.a) == [] and waitlist_ids(client, cast, cast.b) == []
    again = place(client, cast, rid, ["tue"], start)
    assert again.status_code == 409


def test_a_placement_is_refused_when_a_weekday_is_full_on_any_date_from_its_start(client, cast):
    later = waiting_child(client, cast, "Noor")
    now = waiting_child(client, cast, "Sem")
    in_three_weeks = next_weekday(0, weeks=3)
    assert place(client, cast, later, ["mon"], in_three_weeks).status_code == 201
    # Monday is free for the next weeks, but not from the third week on: refused.
    refused = place(client, cast, now, ["mon", "tue"], today())
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith(
        "Geen plaats meer op maandag bij Huiskamer Anemoon vanaf die datum: vol op maandag "
    )
    assert referral(client, cast, now)["status"] == "waitlisted"
    assert place(client, cast, now, ["tue"], today()).status_code == 201


def test_ending_a_placement_frees_the_seat_from_the_day_after_the_end_date(client, cast):
    leaving = waiting_child(client, cast, "Noor")
    following = waiting_child(client, cast, "Sem")
    monday = next_weekday(0)
    placed = place(client, cast, leaving, ["mon"], monday).json()
    last_monday = monday + timedelta(days=14)
    response = post(
        client,
        cast.coordinator_a,
        f"/api/v1/placements/{placed['id']}/end",
        {"end_date": last_monday.isoformat(), "reason_code": "goals_reached"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["end_date"] == last_monday.isoformat()
    # The end date lies ahead: the child stays placed until then (tests/web/test_offers_and_endings.py).
    assert referral(client, cast, leaving)["status"] == "placed"
    shown = get(client, cast.coordinator_a, f"/api/v1/placements/{placed['id']}").json()
    assert shown["end_date"] == last_monday.isoformat()
    assert place(client, cast, following, ["mon"], last_monday).status_code == 409
    assert place(client, cast, following, ["mon"], last_monday + timedelta(days=1)).status_code == 201


def test_ending_needs_a_reason_from_the_list_and_happens_once(client, cast):
    rid = waiting_child(client, cast, "Noor")
    start = next_weekday(0)
    placed = place(client, cast, rid, ["mon"], start).json()
    path = f"/api/v1/placements/{placed['id']}/end"
    before = row_counts(cast.settings)
    unknown = post(client, cast.coordinator_a, path, {"end_date": start.isoformat(), "reason_code": "bored"})
    assert unknown.status_code == 422 and list(errors_of(unknown)) == ["reason_code"]
    other = post(client, cast.coordinator_a, path, {"end_date": start.isoformat(), "reason_code": "other"})
    assert other.status_code == 422 and errors_of(other) == {"reason": "Licht de reden 'anders' toe."}
    early = post(
        client,
        cast.coordinator_a,
        path,
        {"end_date": (start - timedelta(days=1)).isoformat(), "reason_code": "moved_house"},
    )
    assert early.status_code == 422
    assert errors_of(early) == {"end_date": "De einddatum kan niet voor de startdatum liggen."}
    assert row_counts(cast.settings) == before
    done = post(
        client,
        cast.coordinator_a,
        path,
        {"end_date": start.isoformat(), "reason_code": "other", "reason": "Verhuisd naar familie."},
    )
    assert done.status_code == 200
    twice = post(client, cast.coordinator_a, path, {"end_date": start.isoformat(), "reason_code": "moved_house"})
    assert twice.status_code == 409


def test_placements_are_listed_and_shown_in_scope_only(client, cast):
    at_a = waiting_child(client, cast, "Noor")
    at_b = waiting_child(client, cast, "Sem", preferred_location_ids=[str(cast.b)])
    start = next_weekday(0)
    pa = place(client, cast, at_a, ["mon"], start).json()
    pb = place(client, cast, at_b, ["mon"], start, location=cast.b).json()
    listed_a = get(client, cast.coordinator_a, "/api/v1/placements").json()
    assert [p["id"] for p in listed_a["items"]] == [pa["id"]]
    assert set(listed_a["items"][0]) >= {"id", "referral_id", "location_id", "weekdays", "start_date", "end_date"}
    assert [p["id"] for p in get(client, cast.coordinator_b, "/api/v1/placements").json()["items"]] == [pb["id"]]
    both = get(client, cast.coordinator_ab, f"/api/v1/placements?location_id={cast.b}").json()
    assert [p["id"] for p in both["items"]] == [pb["id"]]
    assert get(client, cast.coordinator_b, f"/api/v1/placements?location_id={cast.a}").json()["items"] == []
    assert get(client, cast.coordinator_a, f"/api/v1/placements/{pa['id']}").status_code == 200
    assert get(client, cast.coordinator_b, f"/api/v1/placements/{pa['id']}").status_code == 404
    assert get(client, cast.coordinator_b, f"/api/v1/placements/{ZERO_ID}").status_code == 404
    ended = post(
        client,
        cast.coordinator_b,
        f"/api/v1/placements/{pa['id']}/end",
        {"end_date": start.isoformat(), "reason_code": "moved_house"},
    )
    assert ended.status_code == 404


def test_capacity_cannot_be_lowered_below_what_is_placed(client, cast):
    first = waiting_child(client, cast, "Noor")
    second = waiting_child(client, cast, "Sem")
    start = next_weekday(1)
    assert place(client, cast, first, ["tue"], start).status_code == 201
    assert place(client, cast, second, ["tue"], start + timedelta(days=7)).status_code == 201
    path = f"/api/v1/locations/{cast.a}"
    lowered = client.patch(path, json={"capacity": {"tue": 1}}, headers=api(client, cast.admin))
    assert lowered.status_code == 409
    assert "dinsdag" in lowered.json()["detail"] and "2" in lowered.json()["detail"]
    capacity = get(client, cast.admin, "/api/v1/locations").json()
    assert next(loc for loc in capacity if loc["id"] == str(cast.a))["capacity"]["tue"] == 2
    assert (
        client.patch(path, json={"capacity": {"tue": 2, "mon": 0}}, headers=api(client, cast.admin)).status_code == 200
    )


# --- scope and roles -------------------------------------------------------------------------------


def test_a_coordinator_of_b_cannot_see_or_use_the_waitlist_of_a(client, cast):
    rid = waiting_child(client, cast, "Noor")
    shared = waiting_child(client, cast, "Sem", preferred_location_ids=[str(cast.a), str(cast.b)])
    start = next_weekday(0)
    for path in (
        f"/api/v1/locations/{cast.a}/waitlist",
        f"/api/v1/locations/{cast.a}/proposals",
        f"/api/v1/locations/{ZERO_ID}/waitlist",
    ):
        response = get(client, cast.coordinator_b, path)
        assert response.status_code == 404, path
        assert rid not in response.text
    before = row_counts(cast.settings)
    for endpoint in ("/api/v1/placements", "/api/v1/offers"):
        # A child of A only: not found. A child waiting at A and B, but at A: the location is not found.
        for child in (rid, shared):
            body = seat(child, cast.a, ["mon"], start, start)
            response = post(client, cast.coordinator_b, endpoint, body)
            assert response.status_code == 404, (endpoint, child, response.text)
    made = offer(client, cast, rid, ["mon"], start).json()
    assert post(client, cast.coordinator_b, f"/api/v1/offers/{made['id']}/accept").status_code == 404
    assert post(client, cast.coordinator_b, f"/api/v1/offers/{made['id']}/decline").status_code == 404
    assert get(client, cast.coordinator_b, "/api/v1/offers").json()["items"] == []
    assert referral(client, cast, rid)["status"] == "offered"
    assert row_counts(cast.settings)["placements"] == before["placements"]


@pytest.mark.parametrize("who", ["youth_worker_a", "referrer", "admin"])
def test_youth_workers_referrers_and_beheerders_get_403_on_waitlists_offers_and_placements(client, cast, who):
    rid = waiting_child(client, cast, "Noor")
    start = next_weekday(0)
    made = offer(client, cast, rid, ["mon"], start).json()
    other = waiting_child(client, cast, "Sem")
    placed = place(client, cast, other, ["tue"], start).json()
    token = getattr(cast, who)
    before = row_counts(cast.settings)
    reads = [
        f"/api/v1/locations/{cast.a}/waitlist",
        f"/api/v1/locations/{cast.a}/proposals",
        "/api/v1/offers",
        f"/api/v1/offers?location_id={cast.a}&status=open",
        "/api/v1/placements",
        f"/api/v1/placements/{placed['id']}",
    ]
    for path in reads:
        response = get(client, token, path)
        assert response.status_code == 403, (path, response.status_code)
        assert rid not in response.text and other not in response.text
    writes = [
        ("/api/v1/placements", seat(rid, cast.a, ["thu"], start)),
        ("/api/v1/offers", seat(other, cast.a, ["thu"], start, start)),
        (f"/api/v1/offers/{made['id']}/accept", None),
        (f"/api/v1/offers/{made['id']}/decline", {"reason": "x"}),
        (f"/api/v1/placements/{placed['id']}/end", {"end_date": start.isoformat(), "reason_code": "moved_house"}),
    ]
    for path, body in writes:
        response = post(client, token, path, body)
        assert response.status_code == 403, (path, response.status_code)
    assert row_counts(cast.settings) == before


def test_without_a_token_every_endpoint_answers_401(client, cast):
    for path in (
        f"/api/v1/locations/{cast.a}/waitlist",
        f"/api/v1/locations/{cast.a}/proposals",
        "/api/v1/offers",
        "/api/v1/placements",
    ):
        assert client.get(path).status_code == 401
    for path in ("/api/v1/offers", "/api/v1/placements", f"/api/v1/offers/{ZERO_ID}/accept"):
        assert client.post(path, json={}).status_code == 401


# --- bad input --------------------------------------------------------------------------------------

DATE_NONSENSE = ["2026-02-30", "0000-01-01", "morgen", 20260901, ["2026-09-01"], None, "", "2026-13-01", "1-1-1"]
SEAT_NONSENSE: list[tuple[str, Any]] = [
    ("referral_id", "geen-id"),
    ("referral_id", 12),
    ("referral_id", None),
    ("referral_id", ["x"]),
    ("referral_id", "x" * 100_000),
    ("location_id", "geen-id"),
    ("location_id", {"id": 1}),
    ("location_id", None),
    ("weekdays", ["maandag"]),
    ("weekdays", []),
    ("weekdays", None),
    ("weekdays", [None]),
    ("weekdays", {"mon": 1}),
    ("weekdays", ["mon\x00"]),
    *[("start_date", value) for value in DATE_NONSENSE],
    ("start_date", "9999-12-31"),
    ("start_date", "2000-01-01"),
]
OFFER_NONSENSE: list[tuple[str, Any]] = [
    *SEAT_NONSENSE,
    *[("respond_by", value) for value in DATE_NONSENSE],
    ("respond_by", "9999-12-31"),
    ("respond_by", "2000-01-03"),
]


def _check_refusal(response: Any, field: str, where: str) -> None:
    assert response.status_code == 422, (where, response.status_code, response.text[:300])
    errors = errors_of(response)
    assert errors and set(errors) == {field}, (where, errors)
    message = errors[field]
    assert message and message[0].isupper() and message.endswith("."), (where, message)


@pytest.mark.parametrize(("field", "value"), SEAT_NONSENSE, ids=[f"{f}={str(v)[:16]!r}" for f, v in SEAT_NONSENSE])
def test_nonsense_in_a_placement_gets_a_message_for_that_field_and_stores_nothing(client, cast, field, value):
    rid = waiting_child(client, cast, "Noor")
    body = {**seat(rid, cast.a, ["mon"], next_weekday(0)), field: value}
    before = row_counts(cast.settings)
    _check_refusal(post(client, cast.coordinator_a, "/api/v1/placements", body), field, f"{field}={value!r}")
    assert row_counts(cast.settings) == before
    assert referral(client, cast, rid)["status"] == "waitlisted"


@pytest.mark.parametrize(("field", "value"), OFFER_NONSENSE, ids=[f"{f}={str(v)[:16]!r}" for f, v in OFFER_NONSENSE])
def test_nonsense_in_an_offer_gets_a_message_for_that_field_and_stores_nothing(client, cast, field, value):
    rid = waiting_child(client, cast, "Noor")
    start = next_weekday(0)
    body = {**seat(rid, cast.a, ["mon"], start, start), field: value}
    before = row_counts(cast.settings)
    _check_refusal(post(client, cast.coordinator_a, "/api/v1/offers", body), field, f"{field}={value!r}")
    assert row_counts(cast.settings) == before
    assert referral(client, cast, rid)["status"] == "waitlisted"


END_NONSENSE: list[tuple[str, Any]] = [
    *[("end_date", value) for value in DATE_NONSENSE],
    ("end_date", "9999-12-31"),
    ("reason_code", "verveeld"),
    ("reason_code", None),
    ("reason_code", ["moved_house"]),
    ("reason_code", "x" * 10_000),
    ("reason", 42),
    ("reason", "x" * 1001),
    ("reason", "reden\x00"),
]


@pytest.mark.parametrize(("field", "value"), END_NONSENSE, ids=[f"{f}={str(v)[:16]!r}" for f, v in END_NONSENSE])
def test_nonsense_in_ending_a_placement_gets_a_message_for_that_field_and_changes_nothing(client, cast, field, value):
    rid = waiting_child(client, cast, "Noor")
    start = next_weekday(0)
    placed = place(client, cast, rid, ["mon"], start).json()
    body = {"end_date": start.isoformat(), "reason_code": "moved_house", field: value}
    before = row_counts(cast.settings)
    response = post(client, cast.coordinator_a, f"/api/v1/placements/{placed['id']}/end", body)
    _check_refusal(response, field, f"{field}={value!r}")
    assert row_counts(cast.settings) == before
    assert referral(client, cast, rid)["status"] == "placed"


@pytest.mark.parametrize("reason", [42, "x" * 1001, "reden\x00", ["nee"], {"x": 1}])
def test_nonsense_in_declining_gets_a_message_and_the_offer_stays_open(client, cast, reason):
    rid = waiting_child(client, cast, "Noor")
    start = next_weekday(0)
    made = offer(client, cast, rid, ["mon"], start).json()
    before = row_counts(cast.settings)
    response = post(client, cast.coordinator_a, f"/api/v1/offers/{made['id']}/decline", {"reason": reason})
    _check_refusal(response, "reason", repr(reason))
    assert row_counts(cast.settings) == before
    assert referral(client, cast, rid)["status"] == "offered"


RAW_BODIES = [b"", b"null", b"[]", b"42", b'"x"', b"{", b"\xff\xfe", b"{}", b'{"referral_id": 1e999}']
# Declining needs no reason: an empty body, null or an object without "reason" is a plain "no".
DECLINE_WITHOUT_REASON = (b"", b"null", b"{}")


@pytest.mark.parametrize("raw", RAW_BODIES)
def test_a_body_that_is_no_object_never_gives_a_500_on_any_write(client, cast, raw):
    rid = waiting_child(client, cast, "Noor")
    start = next_weekday(0)
    placed = place(client, cast, waiting_child(client, cast, "Sem"), ["tue"], start).json()
    made = offer(client, cast, rid, ["mon"], start).json()
    before = row_counts(cast.settings)
    headers = {**api(client, cast.coordinator_a), "Content-Type": "application/json"}
    for path in ("/api/v1/placements", "/api/v1/offers", f"/api/v1/placements/{placed['id']}/end"):
        response = client.post(path, content=raw, headers=headers)
        assert response.status_code in (400, 422), (path, raw, response.status_code, response.text[:300])
        assert response.json()["detail"]
    assert row_counts(cast.settings) == before
    response = client.post(f"/api/v1/offers/{made['id']}/decline", content=raw, headers=headers)
    if raw in DECLINE_WITHOUT_REASON:
        assert response.status_code == 200, (raw, response.text[:300])
    else:
        assert response.status_code in (400, 422), (raw, response.status_code, response.text[:300])
        assert row_counts(cast.settings) == before


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/locations/{a}/waitlist?date={v}", "date"),
        ("/api/v1/locations/{a}/proposals?start_date={v}", "start_date"),
        ("/api/v1/placements?location_id={v}", "location_id"),
        ("/api/v1/offers?location_id={v}", "location_id"),
        ("/api/v1/offers?status={v}", "status"),
    ],
)
@pytest.mark.parametrize("value", ["morgen", "2026-02-30", "9999-12-31", "0001-01-01", "x" * 5000, "%00", "%FF"])
def test_nonsense_in_a_query_gets_a_message_for_that_parameter(client, cast, path, field, value):
    response = get(client, cast.coordinator_a, path.format(a=cast.a, v=value))
    assert response.status_code in (400, 422), (path, value, response.status_code, response.text[:300])
    if response.status_code == 422:
        assert list(errors_of(response)) == [field]


@pytest.mark.parametrize("path", ["/api/v1/placements/geen-id", "/api/v1/offers/geen-id/accept"])
def test_a_malformed_id_in_the_path_is_not_found(client, cast, path):
    response = (client.get if "placements" in path else client.post)(path, headers=api(client, cast.coordinator_a))
    assert response.status_code in (400, 404, 405)
