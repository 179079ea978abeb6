"""The referrals API of api-v1.md ("Referrals"), exactly as written: submitting (validated as a Dutch user
expects), the lists with paging, one referral in the referrer's and in the coordinator's shape, the status
moves, withdrawal and messages; hostile input on every endpoint gives a message per field, stores nothing half
and never a 500."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.referrals import api as referrals_api
from huiskamer.referrals.models import Child, Referral
from tests.factories import api, in_session, make_location, make_token, make_user
from tests.web.referral_helpers import (
    DROP,
    errors_of,
    put_in_status,
    referral_body,
    row_counts,
    status_in_db,
    submit,
    token_for,
    years_ago,
)

COORDINATOR_ONLY = {"child", "guardian", "source", "reason", "intake", "placement"}
STATUSES = {
    "submitted",
    "in_review",
    "intake_planned",
    "intake_done",
    "waitlisted",
    "offered",
    "placed",
    "closed",
    "rejected",
    "withdrawn",
}


@pytest.fixture
def cast(test_settings) -> dict[str, Any]:
    """One location, its coordinator, a referrer of a school; tokens for each."""
    location = make_location(test_settings, "Huiskamer De Vaart", neighbourhoods=("Stedenwijk", "Verzetswijk"))
    coordinator = make_user(test_settings, "coordinator", location_ids=(location,), password=None)
    referrer = make_user(test_settings, "referrer", organisation=("Basisschool De Regenboog", "school"), password=None)
    return {
        "settings": test_settings,
        "location": location,
        "coordinator": make_token(test_settings, coordinator),
        "referrer": make_token(test_settings, referrer),
    }


def as_coordinator(client, cast, referral_id: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/referrals/{referral_id}", headers=api(client, cast["coordinator"]))
    assert response.status_code == 200, response.text
    return response.json()


def move(client, cast, referral_id: str, **body: Any):
    return client.post(
        f"/api/v1/referrals/{referral_id}/transitions", json=body, headers=api(client, cast["coordinator"])
    )


def is_rfc3339(value: str) -> bool:
    parsed = datetime.fromisoformat(value)
    return parsed.tzinfo is not None and "T" in value


# --- submitting ----------------------------------------------------------------------------------


def test_referrer_submits_and_gets_201_with_id_and_status_submitted(client, cast):
    response = client.post(
        "/api/v1/referrals", json=referral_body([cast["location"]]), headers=api(client, cast["referrer"])
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "submitted"
    UUID(body["id"])  # an opaque id, not a sequence number
    stored = as_coordinator(client, cast, body["id"])
    assert stored["child"]["given_name"] == "Noor"
    assert stored["guardian"]["email"] == "m.bakker@example.nl"
    assert stored["requested_weekdays"] == ["mon", "tue", "thu"]
    assert stored["location_ids"] == [str(cast["location"])]


def test_source_defaults_to_the_referrer_organisations_type(test_settings, client, cast):
    ggd = token_for(test_settings, "referrer", organisation=("GGD Flevoland", "ggd"))
    defaulted = submit(client, ggd, [cast["location"]], source=DROP)
    chosen = submit(client, ggd, [cast["location"]], source="youth_care")
    assert as_coordinator(client, cast, defaulted)["source"] == "ggd"
    assert as_coordinator(client, cast, chosen)["source"] == "youth_care"


def test_no_preference_goes_to_the_locations_serving_the_childs_neighbourhood(test_settings, client, cast):
    kruidenhof = make_location(test_settings, "Huiskamer Kruidenhof", neighbourhoods=("Kruidenwijk",))
    other = token_for(test_settings, "coordinator", location_ids=(kruidenhof,))
    referral = submit(client, cast["referrer"], [], child__neighbourhood="kruidenwijk")
    seen = client.get(f"/api/v1/referrals/{referral}", headers=api(client, other))
    assert seen.status_code == 200
    assert seen.json()["location_ids"] == [str(kruidenhof)]
    # The coordinator of De Vaart (Stedenwijk) does not get it.
    assert client.get(f"/api/v1/referrals/{referral}", headers=api(client, cast["coordinator"])).status_code == 404


def test_no_preference_and_no_serving_location_goes_to_all_locations(test_settings, client, cast):
    kruidenhof = make_location(test_settings, "Huiskamer Kruidenhof", neighbourhoods=("Kruidenwijk",))
    referral = submit(client, cast["referrer"], [], child__neighbourhood="Almere Poort")
    assert set(as_coordinator(client, cast, referral)["location_ids"]) == {str(cast["location"]), str(kruidenhof)}


@pytest.mark.parametrize("typed", ["1325ab", "1325 ab", " 1325AB ", "1325  AB"])
def test_postcode_is_normalised(client, cast, typed):
    referral = submit(client, cast["referrer"], [cast["location"]], child__postcode=typed)
    assert as_coordinator(client, cast, referral)["child"]["postcode"] == "1325 AB"


@pytest.mark.parametrize("typed", ["12345", "0325 AB", "1325 SS", "AB 1325", "1325-A"])
def test_a_postcode_that_is_not_dutch_is_refused(client, cast, typed):
    response = client.post(
        "/api/v1/referrals",
        json=referral_body([cast["location"]], child__postcode=typed),
        headers=api(client, cast["referrer"]),
    )
    assert response.status_code == 422
    assert "1325 AB" in errors_of(response)["child.postcode"]


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("06-12345678", "06 12345678"),
        ("+31 6 12345678", "06 12345678"),
        ("036 123 4567", "036 123 4567"),
        ("+32 470 12 34 56", "+32 470 12 34 56"),
    ],
)
def test_dutch_and_international_phone_numbers_are_accepted(client, cast, typed, shown):
    referral = submit(client, cast["referrer"], [cast["location"]], guardian__phone=typed)
    assert as_coordinator(client, cast, referral)["guardian"]["phone"] == shown


@pytest.mark.parametrize("typed", ["12345", "06-123", "0612345678901234", "bel maar", "+99 123"])
def test_a_phone_number_that_cannot_exist_is_refused(client, cast, typed):
    response = client.post(
        "/api/v1/referrals",
        json=referral_body([cast["location"]], guardian__phone=typed),
        headers=api(client, cast["referrer"]),
    )
    assert response.status_code == 422
    assert "telefoonnummer" in errors_of(response)["guardian.phone"]


@pytest.mark.parametrize("born", [years_ago(3), years_ago(13, days=1), years_ago(0, days=200)])
def test_a_child_outside_4_to_12_on_the_intended_start_gets_a_clear_message(client, cast, born):
    response = client.post(
        "/api/v1/referrals",
        json=referral_body([cast["location"]], child__date_of_birth=born.isoformat()),
        headers=api(client, cast["referrer"]),
    )
    assert response.status_code == 422
    message = errors_of(response)["child.date_of_birth"]
    assert "4 tot en met 12 jaar" in message
    assert "jaar" in message.split("Dit kind is op")[1]


def test_a_child_who_turns_4_before_the_intended_start_is_welcome(client, cast):
    born = years_ago(4, days=-30)  # four in a month
    start = (datetime.now() + timedelta(days=45)).date()
    referral = submit(
        client,
        cast["referrer"],
        [cast["location"]],
        child__date_of_birth=born.isoformat(),
        intended_start=start.isoformat(),
    )
    assert as_coordinator(client, cast, referral)["status"] == "submitted"


def test_a_date_of_birth_in_the_future_is_refused(client, cast):
    tomorrow = (datetime.now() + timedelta(days=2)).date().isoformat()
    response = client.post(
        "/api/v1/referrals",
        json=referral_body([cast["location"]], child__date_of_birth=tomorrow),
        headers=api(client, cast["referrer"]),
    )
    assert response.status_code == 422
    assert "toekomst" in errors_of(response)["child.date_of_birth"]


@pytest.mark.parametrize("informed", [False, DROP, None])
def test_a_child_is_never_referred_behind_its_parents_back(test_settings, client, cast, informed):
    before = row_counts(test_settings)
    response = client.post(
        "/api/v1/referrals",
        json=referral_body([cast["location"]], guardian_informed=informed),
        headers=api(client, cast["referrer"]),
    )
    assert response.status_code == 422
    assert "ouders" in errors_of(response)["guardian_informed"]
    assert row_counts(test_settings) == before


def test_an_unknown_preferred_location_is_refused(test_settings, client, cast):
    before = row_counts(test_settings)
    response = client.post(
        "/api/v1/referrals", json=referral_body([cast["location"], UUID(int=7)]), headers=api(client, cast["referrer"])
    )
    assert response.status_code == 422
    assert set(errors_of(response)) == {"preferred_location_ids"}
    assert row_counts(test_settings) == before


def test_a_coordinator_refers_on_behalf_of_parents_for_their_own_location(test_settings, client, cast):
    elsewhere = make_location(test_settings, "Huiskamer Kruidenhof", neighbourhoods=("Kruidenwijk",))
    referral = submit(client, cast["coordinator"], [cast["location"]], source="guardian")
    assert as_coordinator(client, cast, referral)["source"] == "guardian"
    response = client.post(
        "/api/v1/referrals", json=referral_body([elsewhere]), headers=api(client, cast["coordinator"])
    )
    assert response.status_code == 422
    assert "preferred_location_ids" in errors_of(response)


def test_a_submission_writes_the_child_the_referral_and_its_first_history_entry(test_settings, client, cast):
    before = row_counts(test_settings)
    submit(client, cast["referrer"], [cast["location"]])
    after = row_counts(test_settings)
    assert after["children"] == before["children"] + 1
    assert after["referrals"] == before["referrals"] + 1
    assert after["referral_events"] == before["referral_events"] + 1
    assert after["referral_locations"] == before["referral_locations"] + 1


# --- lists ---------------------------------------------------------------------------------------


def test_the_list_answers_items_in_the_callers_scope_with_a_status_filter(test_settings, client, cast):
    first = submit(client, cast["referrer"], [cast["location"]])
    second = submit(client, cast["referrer"], [cast["location"]], child__given_name="Daan")
    assert move(client, cast, second, to="in_review").status_code == 200

    for token in (cast["referrer"], cast["coordinator"]):
        listed = client.get("/api/v1/referrals", headers=api(client, token))
        assert listed.status_code == 200
        assert set(listed.json()) == {"items"}
        assert {item["id"] for item in listed.json()["items"]} == {first, second}
        filtered = client.get("/api/v1/referrals?status=in_review", headers=api(client, token)).json()["items"]
        assert [(item["id"], item["status"]) for item in filtered] == [(second, "in_review")]
        assert (
            client.get("/api/v1/referrals?status=submitted", headers=api(client, token)).json()["items"][0]["id"]
            == first
        )


def test_the_referrers_list_is_newest_first_and_the_coordinators_oldest_first(client, cast):
    ids = [
        submit(client, cast["referrer"], [cast["location"]], child__given_name=name)
        for name in ("Anna", "Bram", "Chaima")
    ]
    referrer = client.get("/api/v1/referrals", headers=api(client, cast["referrer"])).json()["items"]
    coordinator = client.get("/api/v1/referrals", headers=api(client, cast["coordinator"])).json()["items"]
    assert [i["id"] for i in referrer] == ids[::-1]
    assert [i["id"] for i in coordinator] == ids


def test_the_referrers_list_items_hold_no_child_data(client, cast):
    submit(client, cast["referrer"], [cast["location"]])
    text = client.get("/api/v1/referrals", headers=api(client, cast["referrer"])).text
    for value in ("Noor", "Bakker", "1325 AB", "Stedenwijk", "Regenboog", "schoolplein"):
        assert value not in text


def test_an_unknown_status_filter_is_a_message_not_an_empty_list(client, cast):
    response = client.get("/api/v1/referrals?status=<script>", headers=api(client, cast["coordinator"]))
    assert response.status_code == 422
    assert set(errors_of(response)) == {"status"}


def test_more_than_a_page_gives_next_until_the_last_page(client, cast, monkeypatch):
    monkeypatch.setattr(referrals_api, "API_PAGE_SIZE", 2)
    ids = {submit(client, cast["referrer"], [cast["location"]], child__given_name=f"Kind{n}") for n in range(5)}
    for token in (cast["referrer"], cast["coordinator"]):
        seen: list[str] = []
        url: str | None = "/api/v1/referrals"
        pages = 0
        while url:
            body = client.get(url, headers=api(client, token)).json()
            assert len(body["items"]) <= 2
            seen += [item["id"] for item in body["items"]]
            url = body.get("next")
            pages += 1
            if url:
                assert url.startswith("http://testserver.local/api/v1/referrals?")
        assert pages == 3
        assert sorted(seen) == sorted(ids)


def test_next_keeps_the_status_filter(client, cast, monkeypatch):
    monkeypatch.setattr(referrals_api, "API_PAGE_SIZE", 1)
    for n in range(3):
        submit(client, cast["referrer"], [cast["location"]], child__given_name=f"Kind{n}")
    body = client.get("/api/v1/referrals?status=submitted", headers=api(client, cast["coordinator"])).json()
    assert "status=submitted" in body["next"]
    body = client.get(body["next"], headers=api(client, cast["coordinator"])).json()
    assert len(body["items"]) == 1 and "next" in body


def test_exactly_a_page_has_no_next(client, cast, monkeypatch):
    monkeypatch.setattr(referrals_api, "API_PAGE_SIZE", 2)
    for n in range(2):
        submit(client, cast["referrer"], [cast["location"]], child__given_name=f"Kind{n}")
    body = client.get("/api/v1/referrals", headers=api(client, cast["referrer"])).json()
    assert len(body["items"]) == 2
    assert "next" not in body


# --- one referral ---------------------------------------------------------------------------------


def test_the_referrer_sees_status_dates_history_and_messages_only(client, cast):
    referral = submit(client, cast["referrer"], [cast["location"]])
    assert move(client, cast, referral, to="in_review").status_code == 200
    assert move(client, cast, referral, to="intake_planned", planned_at="2030-09-01T15:30:00+02:00").status_code == 200
    client.post(
        f"/api/v1/referrals/{referral}/messages",
        json={"text": "De intake is op 1 september."},
        headers=api(client, cast["coordinator"]),
    )

    response = client.get(f"/api/v1/referrals/{referral}", headers=api(client, cast["referrer"]))
    assert response.status_code == 200
    body = response.json()
    assert {"id", "status", "submitted_at", "history", "messages"} <= set(body)
    assert not COORDINATOR_ONLY & set(body)
    assert body["status"] == "intake_planned"
    assert is_rfc3339(body["submitted_at"])
    assert [entry["status"] for entry in body["history"]] == ["submitted", "in_review", "intake_planned"]
    assert all(set(entry) == {"status", "at"} and is_rfc3339(entry["at"]) for entry in body["history"])
    assert [entry["at"] for entry in body["history"]] == sorted(entry["at"] for entry in body["history"])
    assert body["history"][0]["at"] == body["submitted_at"]
    assert [m["text"] for m in body["messages"]] == ["De intake is op 1 september."]
    assert all({"at", "text"} <= set(m) for m in body["messages"])


def test_the_referrers_json_holds_no_coordinator_only_key_or_value(client, cast):
    """Since the second wave the referrer reads back what they submitted and the outcome with the explanation
    written for them; never the internal reason, the intake or who did what."""
    referral = submit(client, cast["referrer"], [cast["location"]])
    move(
        client,
        cast,
        referral,
        to="rejected",
        reason_code="other",
        reason="Hulpvraag past beter bij specialistische jeugdhulp.",
        explanation="Wij nemen contact met u op over een passende plek.",
    )
    text = client.get(f"/api/v1/referrals/{referral}", headers=api(client, cast["referrer"])).text
    body = json.loads(text)

    def keys(value: Any) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        if isinstance(value, list):
            return {k for v in value for k in keys(v)}
        return set()

    assert not set(body) & COORDINATOR_ONLY
    assert not keys(body) & {"intake", "goals", "urgency", "planned_at", "by", "possible_duplicate_ids", "location_ids"}
    assert body["outcome"] == {
        "reason_code": "other",
        "explanation": "Wij nemen contact met u op over een passende plek.",
    }
    assert body["submitted"]["child"]["given_name"] == "Noor"
    for value in ("Hulpvraag", "specialistische"):
        assert value not in text, value


def test_the_coordinator_sees_the_whole_referral(client, cast):
    referral = submit(client, cast["referrer"], [cast["location"]])
    body = as_coordinator(client, cast, referral)
    assert {"id", "status", "submitted_at", "history", "messages"} | COORDINATOR_ONLY <= set(body)
    assert body["child"] == {
        "given_name": "Noor",
        "family_name": "Bakker",
        "date_of_birth": years_ago(8, days=40).isoformat(),
        "postcode": "1325 AB",
        "neighbourhood": "Stedenwijk",
        "school": "De Regenboog",
    }
    assert body["guardian"] == {"name": "M. Bakker", "phone": "06 12345678", "email": "m.bakker@example.nl"}
    assert body["source"] == "school"
    assert body["reason"] == "Wordt snel boos op het schoolplein, heeft weinig vriendjes."
    assert body["intake"] is None and body["placement"] is None
    assert [entry["status"] for entry in body["history"]] == ["submitted"]


def test_a_referral_that_does_not_exist_is_404_and_a_malformed_id_never_500(client, cast):
    for path in (f"/api/v1/referrals/{UUID(int=1)}", "/api/v1/referrals/not-a-uuid"):
        response = client.get(path, headers=api(client, cast["coordinator"]))
        assert response.status_code == 404, path
    # A NUL byte makes no id at all: a malformed request (api-v1.md, robustness).
    assert client.get("/api/v1/referrals/%00", headers=api(client, cast["coordinator"])).status_code == 400


def test_the_same_child_referred_twice_is_a_possible_duplicate_for_the_coordinator_only(test_settings, client, cast):
    police = token_for(test_settings, "referrer", organisation=("Politie", "police"))
    first = submit(client, cast["referrer"], [cast["location"]])
    second = submit(client, police, [cast["location"]], child__given_name="noor", child__postcode="1325AB")
    assert as_coordinator(client, cast, first)["possible_duplicate_ids"] == [second]
    assert as_coordinator(client, cast, second)["possible_duplicate_ids"] == [first]
    listed = client.get("/api/v1/referrals", headers=api(client, cast["coordinator"])).json()["items"]
    assert all(item["possible_duplicate"] for item in listed)
    for token, referral in ((cast["referrer"], first), (police, second)):
        text = client.get(f"/api/v1/referrals/{referral}", headers=api(client, token)).text
        assert "duplicate" not in text and "dubbel" not in text
        assert "duplicate" not in client.get("/api/v1/referrals", headers=api(client, token)).text


# --- transitions ----------------------------------------------------------------------------------


def test_the_coordinator_moves_a_referral_and_gets_it_back(client, cast):
    referral = submit(client, cast["referrer"], [cast["location"]])
    response = move(client, cast, referral, to="in_review")
    assert response.status_code == 200
    assert response.json()["status"] == "in_review"
    response = move(client, cast, referral, to="intake_planned", planned_at="2030-09-01T15:30:00+02:00")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "intake_planned"
    assert datetime.fromisoformat(body["intake_planned_at"]) == datetime.fromisoformat("2030-09-01T13:30:00+00:00")
    assert [e["status"] for e in body["history"]] == ["submitted", "in_review", "intake_planned"]
    assert body["history"][-1]["by"].startswith("Test coordinator")


def test_a_move_the_status_does_not_allow_is_409_with_a_message(test_settings, client, cast):
    referral = submit(client, cast["referrer"], [cast["location"]])
    for to in ("intake_planned", "submitted", "closed", "withdrawn", "placed", "waitlisted"):
        response = move(
            client, cast, referral, to=to, planned_at="2030-09-01T15:30:00+02:00", reason_code="goals_reached"
        )
        assert response.status_code == 409, (to, response.text)
        assert response.json()["detail"]
    assert status_in_db(test_settings, referral) == "submitted"


def test_no_move_out_of_a_terminal_status(test_settings, client, cast):
    referral = submit(client, cast["referrer"], [cast["location"]])
    assert move(client, cast, referral, to="rejected", reason_code="outside_area").status_code == 200
    response = move(client, cast, referral, to="in_review")
    assert response.status_code == 409
    assert "afgewezen" in response.json()["detail"]


@pytest.mark.parametrize(
    ("status", "to", "body", "field"),
    [
        ("submitted", "rejected", {}, "reason_code"),
        ("submitted", "rejected", {"reason_code": "goals_reached"}, "reason_code"),
        ("submitted", "rejected", {"reason_code": "other"}, "reason"),
        ("submitted", "rejected", {"reason_code": "other", "reason": "   "}, "reason"),
        ("waitlisted", "closed", {}, "reason_code"),
        ("waitlisted", "closed", {"reason_code": "duplicate"}, "reason_code"),
        ("waitlisted", "closed", {"reason_code": "other"}, "reason"),
        ("in_review", "intake_planned", {}, "planned_at"),
        ("in_review", "intake_planned", {"planned_at": "morgen om drie uur"}, "planned_at"),
        ("submitted", "in_review", {"reason_code": "outside_area"}, "reason_code"),
    ],
)
def test_what_a_move_needs_is_asked_for_per_field(test_settings, client, cast, status, to, body, field):
    referral = submit(client, cast["referrer"], [cast["location"]])
    if status != "submitted":
        put_in_status(test_settings, referral, status)
    before = row_counts(test_settings)
    response = move(client, cast, referral, to=to, **body)
    assert response.status_code == 422, response.text
    assert field in errors_of(response)
    assert errors_of(response)[field]
    assert status_in_db(test_settings, referral) == status
    assert row_counts(test_settings) == before


@pytest.mark.parametrize(
    ("status", "to", "code"),
    [
        ("submitted", "rejected", "outside_target_group"),
        ("in_review", "rejected", "needs_specialist_care"),
        ("intake_planned", "rejected", "no_consent"),
        ("waitlisted", "closed", "moved_house"),
        ("waitlisted", "closed", "guardian_stopped"),
        ("waitlisted", "closed", "aged_out"),
    ],
)
def test_rejecting_and_closing_with_a_code_from_the_list(test_settings, client, cast, status, to, code):
    referral = submit(client, cast["referrer"], [cast["location"]])
    if status != "submitted":
        put_in_status(test_settings, referral, status)
    response = move(client, cast, referral, to=to, reason_code=code)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == to
    assert response.json()["history"][-1]["reason_code"] == code


def test_other_with_a_reason_text_is_accepted_and_recorded(client, cast):
    referral = submit(client, cast["referrer"], [cast["location"]])
    response = move(
        client, cast, referral, to="rejected", reason_code="other", reason="Gezin is verhuisd naar Lelystad."
    )
    assert response.status_code == 200
    assert response.json()["history"][-1]["reason"] == "Gezin is verhuisd naar Lelystad."


def test_a_referrer_cannot_move_their_own_referral(test_settings, client, cast):
    referral = submit(client, cast["referrer"], [cast["location"]])
    response = client.post(
        f"/api/v1/referrals/{referral}/transitions", json={"to": "in_review"}, headers=api(client, cast["referrer"])
    )
    assert response.status_code == 403
    assert status_in_db(test_settings, referral) == "submitted"


# --- withdraw --------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["submitted", "in_review", "intake_planned", "waitlisted", "offered"])
def test_the_referrer_withdraws_before_placement(test_settings, client, cast, status):
    referral = submit(client, cast["referrer"], [cast["location"]])
    if status != "submitted":
        put_in_status(test_settings, referral, status)
    response = client.post(f"/api/v1/referrals/{referral}/withdraw", headers=api(client, cast["referrer"]))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "withdrawn"
    assert response.json()["history"][-1]["status"] == "withdrawn"
    assert not COORDINATOR_ONLY & set(response.json())
    assert status_in_db(test_settings, referral) == "withdrawn"


def test_withdrawing_once_placed_is_409(test_settings, client, cast):
    referral = submit(client, cast["referrer"], [cast["location"]])
    put_in_status(test_settings, referral, "placed")
    response = client.post(f"/api/v1/referrals/{referral}/withdraw", headers=api(client, cast["referrer"]))
    assert response.status_code == 409
    assert "geplaatst" in response.json()["detail"]
    assert status_in_db(test_settings, referral) == "placed"


def test_withdrawing_twice_is_409(client, cast):
    referral = submit(client, cast["referrer"], [cast["location"]])
    url = f"/api/v1/referrals/{referral}/withdraw"
    assert client.post(url, headers=api(client, cast["referrer"])).status_code == 200
    response = client.post(url, headers=api(client, cast["referrer"]))
    assert response.status_code == 409


def test_a_coordinator_cannot_withdraw_a_referral(test_settings, client, cast):
    referral = submit(client, cast["referrer"], [cast["location"]])
    response = client.post(f"/api/v1/referrals/{referral}/withdraw", headers=api(client, cast["coordinator"]))
    assert response.status_code == 403
    assert status_in_db(test_settings, referral) == "submitted"


# --- messages ----------------------------------------------------------------------------------------


def test_messages_go_both_ways_and_show_to_both(client, cast):
    referral = submit(client, cast["referrer"], [cast["location"]])
    sent = client.post(
        f"/api/v1/referrals/{referral}/messages",
        json={"text": "Kunt u de ouders bellen?"},
        headers=api(client, cast["coordinator"]),
    )
    assert sent.status_code == 201
    assert {"id", "at", "text"} <= set(sent.json())
    answer = client.post(
        f"/api/v1/referrals/{referral}/messages",
        json={"text": "Ja, ik bel vanmiddag."},
        headers=api(client, cast["referrer"]),
    )
    assert answer.status_code == 201
    for token in (cast["referrer"], cast["coordinator"]):
        body = client.get(f"/api/v1/referrals/{referral}", headers=api(client, token)).json()
        assert [m["text"] for m in body["messages"]] == ["Kunt u de ouders bellen?", "Ja, ik bel vanmiddag."]
        assert [m["from"] for m in body["messages"]] == ["coordinator", "referrer"]


def test_a_message_with_html_is_kept_as_text(client, cast):
    referral = submit(client, cast["referrer"], [cast["location"]])
    text = "<b>Let op</b> <script>alert(1)</script>"
    assert (
        client.post(
            f"/api/v1/referrals/{referral}/messages", json={"text": text}, headers=api(client, cast["referrer"])
        ).status_code
        == 201
    )
    assert as_coordinator(client, cast, referral)["messages"][0]["text"] == text


@pytest.mark.parametrize("role", ["youth_worker", "admin"])
def test_youth_workers_and_admins_cannot_send_messages(test_settings, client, cast, role):
    referral = submit(client, cast["referrer"], [cast["location"]])
    locations = (cast["location"],) if role == "youth_worker" else ()
    token = token_for(test_settings, role, location_ids=locations)
    before = row_counts(test_settings)
    response = client.post(f"/api/v1/referrals/{referral}/messages", json={"text": "Hallo"}, headers=api(client, token))
    assert response.status_code == 403
    assert row_counts(test_settings) == before


# --- hostile input ---------------------------------------------------------------------------------

HUGE = "x" * 100_000
HOSTILE_SUBMISSIONS: list[tuple[dict[str, Any], set[str]]] = [
    ({"child__given_name": HUGE}, {"child.given_name"}),
    ({"child__given_name": "Noor\x00"}, {"child.given_name"}),
    ({"child__given_name": 12}, {"child.given_name"}),
    ({"child__family_name": ["Bakker"]}, {"child.family_name"}),
    ({"child__family_name": DROP, "child__given_name": DROP}, {"child.given_name", "child.family_name"}),
    ({"child__date_of_birth": "2017-02-30"}, {"child.date_of_birth"}),
    ({"child__date_of_birth": 20170314}, {"child.date_of_birth"}),
    ({"child__date_of_birth": "9999-99-99"}, {"child.date_of_birth"}),
    ({"child__postcode": {"code": "1325"}}, {"child.postcode"}),
    ({"child__neighbourhood": "\x1b[31mrood"}, {"child.neighbourhood"}),
    ({"child__school": HUGE}, {"child.school"}),
    (
        {"child": "Noor Bakker"},
        {"child", "child.given_name", "child.family_name", "child.date_of_birth", "child.postcode"},
    ),
    ({"child": None}, {"child.given_name", "child.family_name", "child.date_of_birth", "child.postcode"}),
    ({"guardian": ["M. Bakker"]}, {"guardian", "guardian.name", "guardian.phone"}),
    ({"guardian__email": "niet-een-adres"}, {"guardian.email"}),
    ({"guardian__phone": 612345678}, {"guardian.phone"}),
    ({"guardian__name": "<script>" + HUGE}, {"guardian.name"}),
    ({"source": "hacker"}, {"source"}),
    ({"source": True}, {"source"}),
    ({"reason": HUGE}, {"reason"}),
    ({"reason": DROP}, {"reason"}),
    ({"reason": "boos\x07"}, {"reason"}),
    ({"guardian_informed": "misschien"}, {"guardian_informed"}),
    ({"guardian_informed": 1}, {"guardian_informed"}),
    ({"preferred_location_ids": "geen-uuid"}, {"preferred_location_ids"}),
    ({"preferred_location_ids": [1, 2]}, {"preferred_location_ids"}),
    ({"preferred_location_ids": {"a": 1}}, {"preferred_location_ids"}),
    ({"requested_weekdays": ["monday"]}, {"requested_weekdays"}),
    ({"requested_weekdays": []}, {"requested_weekdays"}),
    ({"requested_weekdays": "mon,tue"}, {"requested_weekdays"}),
    ({"requested_weekdays": 5}, {"requested_weekdays"}),
    ({"intended_start": "gisteren"}, {"intended_start"}),
]


@pytest.mark.parametrize(("overrides", "fields"), HOSTILE_SUBMISSIONS)
def test_hostile_submissions_get_a_message_per_field_and_store_nothing(test_settings, client, cast, overrides, fields):
    before = row_counts(test_settings)
    body = referral_body([cast["location"]], **overrides)
    for token in (cast["referrer"], cast["coordinator"]):
        response = client.post("/api/v1/referrals", json=body, headers=api(client, token))
        assert response.status_code == 422, response.text
        found = errors_of(response)
        assert fields <= set(found), found
        assert all(message and isinstance(message, str) for message in found.values())
        assert response.json()["detail"]
    assert row_counts(test_settings) == before


@pytest.mark.parametrize(
    "raw",
    [b"", b"{", b"null", b"[]", b'"text"', b"12", b"\xff\xfe", b'{"child": }', json.dumps([referral_body()]).encode()],
)
def test_a_body_that_is_no_referral_object_is_422(test_settings, client, cast, raw):
    before = row_counts(test_settings)
    response = client.post(
        "/api/v1/referrals", content=raw, headers={**api(client, cast["referrer"]), "content-type": "application/json"}
    )
    assert response.status_code in (400, 422), response.text
    assert response.json()["errors"]
    assert row_counts(test_settings) == before


def test_html_in_a_name_is_stored_as_the_text_that_was_typed(client, cast):
    name = "<img src=x onerror=alert(1)>"
    referral = submit(client, cast["referrer"], [cast["location"]], child__given_name=name)
    assert as_coordinator(client, cast, referral)["child"]["given_name"] == name


HOSTILE_MOVES: list[tuple[Any, str]] = [
    ({}, "to"),
    ({"to": 12}, "to"),
    ({"to": HUGE}, "to"),
    ({"to": "in_review<script>"}, "to"),
    ({"to": ["in_review"]}, "to"),
    ({"to": "rejected", "reason_code": ["other"]}, "reason_code"),
    ({"to": "rejected", "reason_code": "other", "reason": HUGE}, "reason"),
    ({"to": "rejected", "reason_code": "other", "reason": "\x00"}, "reason"),
    ({"to": "intake_planned", "planned_at": 1757000000}, "planned_at"),
    ({"to": "intake_planned", "planned_at": "2026-13-45T99:99"}, "planned_at"),
    (["in_review"], ""),
    ("in_review", ""),
]


@pytest.mark.parametrize(("body", "field"), HOSTILE_MOVES)
def test_hostile_transitions_get_a_message_per_field_and_change_nothing(test_settings, client, cast, body, field):
    referral = submit(client, cast["referrer"], [cast["location"]])
    put_in_status(test_settings, referral, "in_review")
    before = row_counts(test_settings)
    response = client.post(
        f"/api/v1/referrals/{referral}/transitions", json=body, headers=api(client, cast["coordinator"])
    )
    assert response.status_code == 422, response.text
    assert field in errors_of(response)
    assert status_in_db(test_settings, referral) == "in_review"
    assert row_counts(test_settings) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "text"),
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": HUGE}, "text"),
        ({"text": 42}, "text"),
        ({"text": ["hoi"]}, "text"),
        ({"text": "hoi\x00"}, "text"),
        ({"text": None}, "text"),
        ([], ""),
        (None, ""),
    ],
)
def test_hostile_messages_get_a_message_per_field_and_store_nothing(test_settings, client, cast, body, field):
    referral = submit(client, cast["referrer"], [cast["location"]])
    before = row_counts(test_settings)
    for token in (cast["referrer"], cast["coordinator"]):
        response = client.post(f"/api/v1/referrals/{referral}/messages", json=body, headers=api(client, token))
        assert response.status_code == 422, response.text
        assert field in errors_of(response)
    assert row_counts(test_settings) == before


def test_withdraw_ignores_a_hostile_body(test_settings, client, cast):
    referral = submit(client, cast["referrer"], [cast["location"]])
    response = client.post(
        f"/api/v1/referrals/{referral}/withdraw",
        content=b"\x00{<script>",
        headers={**api(client, cast["referrer"]), "content-type": "application/json"},
    )
    assert response.status_code == 200
    assert status_in_db(test_settings, referral) == "withdrawn"


@pytest.mark.parametrize(
    "query",
    [
        "?page=abc",
        "?page=-1",
        "?page=99999999999",
        "?page=0",
        "?status=",
        "?page=1&page=2",
        "?status=submitted&status=closed",
    ],
)
def test_odd_list_queries_never_fail(client, cast, query):
    submit(client, cast["referrer"], [cast["location"]])
    response = client.get("/api/v1/referrals" + query, headers=api(client, cast["coordinator"]))
    assert response.status_code in (200, 400, 422), response.text


def test_the_child_is_stored_with_a_match_key_and_the_phone_as_e164(test_settings, client, cast):
    referral = submit(client, cast["referrer"], [cast["location"]])

    async def work(session: AsyncSession) -> tuple[str, str]:
        row = await session.scalar(select(Referral).where(Referral.id == UUID(referral)))
        child = await session.get(Child, row.child_id)
        return child.match_key, row.guardian_phone

    key, phone = in_session(test_settings, work)
    assert key == "noor bakker"
    assert phone == "+31612345678"  # stored as E.164, shown as people write it


def test_an_intake_is_planned_ahead_never_in_the_past(client, cast):
    referral = submit(client, cast["referrer"], [cast["location"]])
    move(client, cast, referral, to="in_review")
    past = (datetime.now().astimezone() - timedelta(hours=2)).isoformat(timespec="minutes")
    response = move(client, cast, referral, to="intake_planned", planned_at=past)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["planned_at"]
    assert client.get(f"/api/v1/referrals/{referral}", headers=api(client, cast["coordinator"])).json()["status"] == (
        "in_review"
    )
    soon = (datetime.now().astimezone() + timedelta(hours=2)).isoformat(timespec="minutes")
    assert move(client, cast, referral, to="intake_planned", planned_at=soon).status_code == 200
