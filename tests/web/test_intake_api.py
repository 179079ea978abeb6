"""The intake API (api-v1.md "Intake"): POST /api/v1/referrals/{id}/intake, exactly as written.

From in_review, intake_planned or intake_done; 201 and the referral "waitlisted"; at least one goal; a reason
for any urgency above normal; minimum_days defaults to all requested days and may not exceed them; held_on not
in the future (the child waits from held_on); consent required; siblings linked both ways, so that the sibling
factor counts at the location where a brother or sister is placed. Roles, scope and bad input as well.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from huiskamer.site.templating import today
from tests.factories import api
from tests.web.placement_api_helpers import (
    DROP,
    Cast,
    errors_of,
    hold_intake,
    make_cast,
    next_weekday,
    referral_in_review,
    row_counts,
    waiting_child,
)
from tests.web.referral_helpers import put_in_status


@pytest.fixture
def cast(test_settings) -> Cast:
    return make_cast(test_settings)


def dossier(client: Any, cast: Cast, rid: str, token: str | None = None) -> dict[str, Any]:
    response = client.get(f"/api/v1/referrals/{rid}", headers=api(client, token or cast.coordinator_ab))
    assert response.status_code == 200, response.text
    return response.json()


def waitlist(client: Any, cast: Cast, location: Any, token: str | None = None) -> dict[str, Any]:
    response = client.get(f"/api/v1/locations/{location}/waitlist", headers=api(client, token or cast.coordinator_ab))
    assert response.status_code == 200, response.text
    return response.json()


# --- the intake puts the child on the waitlist -----------------------------------------------------


def test_an_intake_puts_the_referral_on_the_waitlist_with_everything_it_holds(client, cast):
    rid = referral_in_review(client, cast)
    response = hold_intake(client, cast, rid)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "waitlisted"
    body = dossier(client, cast, rid)
    intake = body["intake"]
    assert body["status"] == "waitlisted"
    assert body["waiting_since"] == (today() - timedelta(days=10)).isoformat()
    assert intake["urgency"] == "high"
    assert intake["urgency_reason"] == "Thuissituatie zeer onrustig, school maakt zich zorgen."
    assert [(g["code"], g["description"]) for g in intake["goals"]] == [
        ("anger", "Minder snel boos worden als ik verlies"),
        (None, "Een vriendje maken in de groep"),
    ]
    assert all(g["id"] for g in intake["goals"])
    assert intake["requested_weekdays"] == ["mon", "tue", "thu"] and intake["minimum_days"] == 2
    assert intake["collection_persons"] == ["M. Bakker (moeder)", "opa Bakker"]
    assert intake["safety_notes"] == "Allergisch voor noten." and intake["consent_data_processing"] is True
    assert [s["status"] for s in body["history"]][-3:] == ["in_review", "intake_done", "waitlisted"]
    assert [e["referral_id"] for e in waitlist(client, cast, cast.a)["entries"]] == [rid]


@pytest.mark.parametrize("status", ["in_review", "intake_planned", "intake_done"])
def test_an_intake_can_be_held_from_review_planned_and_done(client, cast, status):
    rid = referral_in_review(client, cast)
    if status == "intake_planned":
        planned = client.post(
            f"/api/v1/referrals/{rid}/transitions",
            json={"to": "intake_planned", "planned_at": f"{(today() + timedelta(days=2)).isoformat()}T10:00:00+02:00"},
            headers=api(client, cast.coordinator_a),
        )
        assert planned.status_code == 200, planned.text
    elif status == "intake_done":
        put_in_status(cast.settings, rid, "intake_done")
    response = hold_intake(client, cast, rid)
    assert response.status_code == 201, response.text
    assert dossier(client, cast, rid)["status"] == "waitlisted"


@pytest.mark.parametrize("status", ["submitted", "waitlisted", "rejected"])
def test_an_intake_from_another_status_is_refused_with_409(client, cast, status):
    if status == "submitted":
        response = client.post(
            "/api/v1/referrals",
            json={
                "child": {
                    "given_name": "Sem",
                    "family_name": "Bos",
                    "date_of_birth": "2018-02-02",
                    "postcode": "1325 AB",
                },
                "guardian": {"name": "A. Bos", "phone": "06-12345678"},
                "reason": "Heeft moeite met samenspelen.",
                "guardian_informed": True,
                "preferred_location_ids": [str(cast.a)],
                "requested_weekdays": ["mon"],
            },
            headers=api(client, cast.referrer),
        )
        rid = response.json()["id"]
    elif status == "waitlisted":
        rid = waiting_child(client, cast)
    else:
        rid = referral_in_review(client, cast)
        refused = client.post(
            f"/api/v1/referrals/{rid}/transitions",
            json={"to": "rejected", "reason_code": "outside_area"},
            headers=api(client, cast.coordinator_a),
        )
        assert refused.status_code == 200, refused.text
    before = row_counts(cast.settings)
    response = hold_intake(client, cast, rid)
    assert response.status_code == 409, response.text
    assert "intakegesprek" in response.json()["detail"]
    assert row_counts(cast.settings) == before


def test_minimum_days_defaults_to_all_requested_days(client, cast):
    rid = referral_in_review(client, cast)
    assert hold_intake(client, cast, rid, minimum_days=DROP, requested_weekdays=["tue", "mon"]).status_code == 201
    intake = dossier(client, cast, rid)["intake"]
    assert intake["requested_weekdays"] == ["mon", "tue"] and intake["minimum_days"] == 2


def test_minimum_days_may_not_exceed_the_requested_days(client, cast):
    rid = referral_in_review(client, cast)
    before = row_counts(cast.settings)
    response = hold_intake(client, cast, rid, minimum_days=4)
    assert response.status_code == 422
    assert errors_of(response) == {"minimum_days": "Het minimum kan niet meer zijn dan het aantal gevraagde dagen."}
    assert row_counts(cast.settings) == before


def test_normal_urgency_needs_no_reason_and_a_higher_one_does(client, cast):
    rid = referral_in_review(client, cast)
    for urgency in ("elevated", "high"):
        response = hold_intake(client, cast, rid, urgency=urgency, urgency_reason=DROP)
        assert response.status_code == 422
        assert errors_of(response) == {"urgency_reason": "Licht toe waarom de urgentie hoger is dan normaal."}
        response = hold_intake(client, cast, rid, urgency=urgency, urgency_reason="   ")
        assert errors_of(response) == {"urgency_reason": "Licht toe waarom de urgentie hoger is dan normaal."}
    assert hold_intake(client, cast, rid, urgency="normal", urgency_reason=DROP).status_code == 201
    assert dossier(client, cast, rid)["intake"]["urgency"] == "normal"


def test_at_least_one_goal(client, cast):
    rid = referral_in_review(client, cast)
    for goals in ([], DROP, [{"description": "  "}], [{}]):
        response = hold_intake(client, cast, rid, goals=goals)
        assert response.status_code == 422, goals
        errors = errors_of(response)
        assert set(errors) <= {"goals", "goals.0.description"} and errors, errors
        assert "doel" in next(iter(errors.values())).lower()


def test_a_goal_from_the_catalogue_alone_takes_its_name(client, cast):
    rid = referral_in_review(client, cast)
    assert hold_intake(client, cast, rid, goals=[{"code": "friends"}]).status_code == 201
    goals = dossier(client, cast, rid)["intake"]["goals"]
    assert [(g["code"], g["description"], g["dimension"]) for g in goals] == [("friends", "Vriendjes maken", "meedoen")]


def test_held_on_may_not_lie_in_the_future_and_the_child_waits_from_it(client, cast):
    rid = referral_in_review(client, cast)
    tomorrow = (today() + timedelta(days=1)).isoformat()
    response = hold_intake(client, cast, rid, held_on=tomorrow)
    assert response.status_code == 422
    assert errors_of(response) == {"held_on": "Het gesprek kan niet in de toekomst gehouden zijn."}
    assert hold_intake(client, cast, rid, held_on=today().isoformat()).status_code == 201
    assert dossier(client, cast, rid)["waiting_since"] == today().isoformat()
    assert waitlist(client, cast, cast.a)["entries"][0]["waiting_since"] == today().isoformat()


@pytest.mark.parametrize("consent", [False, DROP, None, "nee"])
def test_consent_for_data_processing_is_required(client, cast, consent):
    rid = referral_in_review(client, cast)
    before = row_counts(cast.settings)
    response = hold_intake(client, cast, rid, consent_data_processing=consent)
    assert response.status_code == 422
    assert list(errors_of(response)) == ["consent_data_processing"]
    assert "toestemming" in errors_of(response)["consent_data_processing"].lower()
    assert row_counts(cast.settings) == before


def test_the_child_is_on_the_waitlist_of_every_acceptable_location(client, cast):
    rid = referral_in_review(client, cast, locations=(cast.a, cast.b))
    response = hold_intake(client, cast, rid, preferred_location_ids=[str(cast.b), str(cast.a)])
    assert response.status_code == 201, response.text
    assert dossier(client, cast, rid)["location_ids"] == [str(cast.b), str(cast.a)]
    assert [e["referral_id"] for e in waitlist(client, cast, cast.a)["entries"]] == [rid]
    assert [e["referral_id"] for e in waitlist(client, cast, cast.b)["entries"]] == [rid]


# --- siblings ----------------------------------------------------------------------------------------


def test_siblings_are_linked_both_ways(client, cast):
    older = waiting_child(client, cast, "Sara")
    younger = referral_in_review(client, cast, "Mees")
    assert hold_intake(client, cast, younger, sibling_referral_ids=[older]).status_code == 201
    assert dossier(client, cast, younger)["intake"]["sibling_referral_ids"] == [older]
    assert dossier(client, cast, older)["intake"]["sibling_referral_ids"] == [younger]


def test_the_sibling_factor_counts_30_days_at_the_location_where_the_sibling_is_placed(client, cast):
    both = [str(cast.a), str(cast.b)]
    older = waiting_child(client, cast, "Sara", preferred_location_ids=both)
    younger = referral_in_review(client, cast, "Mees", locations=(cast.a, cast.b))
    assert (
        hold_intake(
            client,
            cast,
            younger,
            sibling_referral_ids=[older],
            preferred_location_ids=both,
            urgency="normal",
            urgency_reason=None,
        ).status_code
        == 201
    )

    def sibling_points(location: Any) -> list[int]:
        entry = next(e for e in waitlist(client, cast, location)["entries"] if e["referral_id"] == younger)
        assert sum(part["points"] for part in entry["explanation"]) == entry["score"]
        return [part["points"] for part in entry["explanation"] if part["factor"] == "sibling"]

    assert sibling_points(cast.a) == [] and sibling_points(cast.b) == []
    placed = client.post(
        "/api/v1/placements",
        json={"referral_id": older, "location_id": str(cast.b), "weekdays": ["mon"], "start_date": today().isoformat()},
        headers=api(client, cast.coordinator_ab),
    )
    assert placed.status_code == 201, placed.text
    assert sibling_points(cast.b) == [30]
    assert sibling_points(cast.a) == []
    entry = next(e for e in waitlist(client, cast, cast.b)["entries"] if e["referral_id"] == younger)
    label = next(p["label"] for p in entry["explanation"] if p["factor"] == "sibling")
    assert label == "broer of zus geplaatst op deze locatie: 30 dagen"


def test_a_sibling_placed_from_a_later_date_counts_already_and_an_ended_one_no_longer(client, cast):
    """waitlist-policy.md: a placement that has not ended by ``on`` counts, also one that starts later."""
    older = waiting_child(client, cast, "Sara", preferred_location_ids=[str(cast.b)])
    younger = referral_in_review(client, cast, "Mees", locations=(cast.b,))
    hold_intake(client, cast, younger, sibling_referral_ids=[older], preferred_location_ids=[str(cast.b)])
    start = next_weekday(0, weeks=2)
    placed = client.post(
        "/api/v1/placements",
        json={"referral_id": older, "location_id": str(cast.b), "weekdays": ["mon"], "start_date": start.isoformat()},
        headers=api(client, cast.coordinator_ab),
    )
    assert placed.status_code == 201, placed.text

    def sibling_on(on: date) -> int | None:
        entry = client.get(
            f"/api/v1/locations/{cast.b}/waitlist?date={on.isoformat()}", headers=api(client, cast.coordinator_ab)
        ).json()["entries"][0]
        return {p["factor"]: p["points"] for p in entry["explanation"]}.get("sibling")

    assert sibling_on(today()) == 30
    assert sibling_on(start) == 30
    ended = client.post(
        f"/api/v1/placements/{placed.json()['id']}/end",
        json={"end_date": (start + timedelta(days=7)).isoformat(), "reason_code": "moved_house"},
        headers=api(client, cast.coordinator_ab),
    )
    assert ended.status_code == 200, ended.text
    assert sibling_on(start + timedelta(days=7)) == 30
    assert sibling_on(start + timedelta(days=8)) is None


def test_a_sibling_outside_scope_or_the_child_itself_is_refused_and_nothing_stored(client, cast):
    elsewhere = referral_in_review(client, cast, "Bram", locations=(cast.b,))
    rid = referral_in_review(client, cast)
    before = row_counts(cast.settings)
    for siblings in ([elsewhere], [rid], ["00000000-0000-0000-0000-000000000001"]):
        response = hold_intake(client, cast, rid, token=cast.coordinator_a, sibling_referral_ids=siblings)
        assert response.status_code == 422, response.text
        assert list(errors_of(response)) == ["sibling_referral_ids"]
    assert row_counts(cast.settings) == before
    assert dossier(client, cast, rid)["status"] == "in_review"


# --- roles and scope ---------------------------------------------------------------------------------


def test_youth_workers_referrers_and_beheerders_get_403_on_the_intake(client, cast):
    rid = referral_in_review(client, cast)
    before = row_counts(cast.settings)
    for token in (cast.youth_worker_a, cast.referrer, cast.admin):
        response = hold_intake(client, cast, rid, token=token)
        assert response.status_code == 403, response.text
    assert row_counts(cast.settings) == before


def test_a_coordinator_of_another_location_gets_404(client, cast):
    rid = referral_in_review(client, cast)
    response = hold_intake(client, cast, rid, token=cast.coordinator_b, preferred_location_ids=[str(cast.b)])
    assert response.status_code == 404
    assert hold_intake(client, cast, "00000000-0000-0000-0000-000000000009").status_code == 404


def test_without_a_token_the_intake_answers_401(client, cast):
    rid = referral_in_review(client, cast)
    assert client.post(f"/api/v1/referrals/{rid}/intake", json={}).status_code == 401


def test_the_referrer_sees_no_intake_field_or_value(client, cast):
    rid = referral_in_review(client, cast)
    secret_goal = "Leren omgaan met de drukte thuis"
    assert (
        hold_intake(
            client,
            cast,
            rid,
            goals=[{"description": secret_goal}],
            safety_notes="Mag niet mee met oom Kees.",
            allergies="Pinda's",
        ).status_code
        == 201
    )
    view = client.get(f"/api/v1/referrals/{rid}", headers=api(client, cast.referrer))
    assert view.status_code == 200
    body = view.json()
    # What they sent, read back (api-v1.md, "The referrer's view"); no outcome or placement while waiting.
    assert set(body) <= {"id", "status", "status_label", "submitted_at", "history", "messages", "submitted"}
    assert body["status"] == "waitlisted"
    for value in (
        secret_goal,
        "Thuissituatie zeer onrustig",
        "Mag niet mee met oom Kees",
        "Pinda",
        "opa Bakker",
        '"high"',
        '"urgency',
        '"goals"',
        '"placement"',
        '"waiting_since"',
        '"intake"',
    ):
        assert value not in view.text, value
    listing = client.get("/api/v1/referrals", headers=api(client, cast.referrer))
    assert "urgency" not in listing.text and secret_goal not in listing.text


# --- bad input ---------------------------------------------------------------------------------------

NONSENSE: list[tuple[str, Any]] = [
    ("held_on", "2026-02-30"),
    ("held_on", "0000-01-01"),
    ("held_on", "gisteren"),
    ("held_on", 20260901),
    ("held_on", ["2026-09-01"]),
    ("held_on", "9999-12-31"),
    ("goals", "boos"),
    ("goals", {"description": "x"}),
    ("goals", [1, 2]),
    ("goals", [{"code": "bestaat-niet"}]),
    ("goals", [{"code": ["anger"]}]),
    ("goals", [{"description": "x" * 301}]),
    ("goals", [{"description": "boos\x00worden"}]),
    ("goals", [{"description": {"nl": "boos"}}]),
    ("goals", [{"description": f"doel {n}"} for n in range(9)]),
    ("urgency", "extreme"),
    ("urgency", 3),
    ("urgency", None),
    ("urgency_reason", 42),
    ("urgency_reason", "x" * 1001),
    ("urgency_reason", "reden\x07"),
    ("requested_weekdays", ["maandag"]),
    ("requested_weekdays", "mon,tue"),
    ("requested_weekdays", []),
    ("requested_weekdays", [1]),
    ("requested_weekdays", {"mon": True}),
    ("minimum_days", 0),
    ("minimum_days", -1),
    ("minimum_days", 2.5),
    ("minimum_days", "twee"),
    ("minimum_days", True),
    ("minimum_days", 10**30),
    ("preferred_location_ids", []),
    ("preferred_location_ids", ["geen-id"]),
    ("preferred_location_ids", "00000000-0000-0000-0000-000000000001"),
    ("preferred_location_ids", ["00000000-0000-0000-0000-000000000001"]),
    ("preferred_location_ids", [{"id": 1}]),
    ("sibling_referral_ids", ["geen-id"]),
    ("sibling_referral_ids", 7),
    ("collection_persons", [1]),
    ("collection_persons", ["x" * 121]),
    ("collection_persons", [f"persoon {n}" for n in range(11)]),
    ("collection_persons", ["M. Bakker\x00"]),
    ("collection_persons", {"naam": "M. Bakker"}),
    ("not_allowed_collectors", [1]),
    ("not_allowed_collectors", ["x" * 121]),
    ("not_allowed_collectors", ["M. Bakker (moeder)"]),  # also on the list of who may collect the child
    ("safety_notes", "x" * 1001),
    ("safety_notes", ["noten"]),
    ("safety_notes", "noten\x1b[31m"),
    ("allergies", "x" * 501),
    ("allergies", 12),
    ("consent_data_processing", "misschien"),
    ("consent_data_processing", [True]),
]


@pytest.mark.parametrize(("field", "value"), NONSENSE, ids=[f"{f}={str(v)[:20]!r}" for f, v in NONSENSE])
def test_nonsense_in_one_field_gets_a_dutch_message_for_that_field_and_stores_nothing(client, cast, field, value):
    rid = referral_in_review(client, cast)
    before = row_counts(cast.settings)
    response = hold_intake(client, cast, rid, token=cast.coordinator_a, **{field: value})
    assert response.status_code == 422, (field, value, response.status_code, response.text[:300])
    errors = errors_of(response)
    assert errors and all(key == field or key.startswith(f"{field}.") for key in errors), errors
    assert all(message and message[0].isupper() and message.endswith(".") for message in errors.values()), errors
    assert row_counts(cast.settings) == before
    assert dossier(client, cast, rid)["status"] == "in_review"


@pytest.mark.parametrize(
    "raw",
    [b"", b"null", b"[]", b"42", b'"intake"', b"{", b"\xff\xfe", b'{"held_on": "2026-09-01"' + b" " * 10, b"{}"],
)
def test_a_body_that_is_no_intake_object_answers_with_a_message_never_500(client, cast, raw):
    rid = referral_in_review(client, cast)
    before = row_counts(cast.settings)
    response = client.post(
        f"/api/v1/referrals/{rid}/intake",
        content=raw,
        headers={**api(client, cast.coordinator_a), "Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422), (raw, response.status_code, response.text[:300])
    assert response.json()["detail"]
    assert row_counts(cast.settings) == before


def test_an_empty_object_names_every_required_field(client, cast):
    rid = referral_in_review(client, cast)
    response = client.post(f"/api/v1/referrals/{rid}/intake", json={}, headers=api(client, cast.coordinator_a))
    assert response.status_code == 422
    assert {
        "held_on",
        "goals",
        "urgency",
        "requested_weekdays",
        "preferred_location_ids",
        "consent_data_processing",
    } <= set(errors_of(response))


def test_a_huge_intake_is_refused_without_a_500(client, cast):
    rid = referral_in_review(client, cast)
    before = row_counts(cast.settings)
    body = {"held_on": "2026-01-01", "goals": [{"description": "x" * 100_000}] * 5, "urgency": "x" * 100_000}
    response = client.post(f"/api/v1/referrals/{rid}/intake", json=body, headers=api(client, cast.coordinator_a))
    assert response.status_code in (413, 422), response.status_code
    too_big = client.post(
        f"/api/v1/referrals/{rid}/intake",
        json={"safety_notes": "x" * 3_000_000},
        headers=api(client, cast.coordinator_a),
    )
    assert too_big.status_code in (400, 413, 422)
    assert row_counts(cast.settings) == before


@pytest.mark.parametrize("held_on", ["1900-01-01", "2000-02-29"])
def test_an_intake_dated_before_the_referral_is_refused_and_changes_nothing(client, cast, held_on):
    """An intake dated 1900-01-01 would put the child on top of every waitlist: the waiting counts from it."""
    rid = referral_in_review(client, cast)
    response = hold_intake(client, cast, rid, held_on=held_on)
    assert response.status_code == 422
    assert set(errors_of(response)) == {"held_on"}
    assert "vóór de aanmelding" in errors_of(response)["held_on"]
    assert dossier(client, cast, rid)["status"] == "in_review"
    assert hold_intake(client, cast, rid, held_on=today().isoformat()).status_code == 201
