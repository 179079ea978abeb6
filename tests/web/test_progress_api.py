"""The progress API: ``POST /api/v1/goals/{goal_id}/progress`` exactly as api-v1.md writes it, and the extras (a
goal's observations, a child's practical view, evaluations and the evaluations due): shapes and status codes,
ratings outside 1-4 and nonsense refused per field, scope (404) and roles (403), what a kinderwerker's JSON
never holds, and what an evaluation does to the goals."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from huiskamer.progress.rules import add_months
from huiskamer.site.templating import today
from tests.factories import api
from tests.web.progress_helpers import (
    REASON,
    SECRET_WORDS,
    URGENCY_REASON,
    People,
    add_evaluation_row,
    errors_of,
    goal_evaluations_of,
    goals_of,
    make_people,
    make_placed_child,
    notes_of,
)

ZERO_ID = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def people(test_settings) -> People:
    return make_people(test_settings)


def post(client: Any, people: People, who: str, path: str, body: Any) -> Any:
    return client.post(path, json=body, headers=api(client, people.tokens[who]))


def get(client: Any, people: People, who: str, path: str) -> Any:
    return client.get(path, headers=api(client, people.tokens[who]))


def placed_at_a(people: People, **kwargs: Any):
    return make_placed_child(people.settings, people.a, people.ids["coordinator_a"], **kwargs)


# --- adding progress: the contract ---------------------------------------------------------------------


def test_youth_worker_adds_progress_to_a_goal_of_a_child_at_their_location(client, people):
    child = placed_at_a(people)
    goal = child.goal_ids[0]
    response = post(
        client, people, "youth_worker_a", f"/api/v1/goals/{goal}/progress", {"rating": 3, "note": "Bleef rustig."}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["rating"] == 3
    assert body["note"] == "Bleef rustig."
    assert body["goal_id"] == str(goal)
    assert body["observed_on"] == today().isoformat()
    assert body["id"]
    stored = notes_of(people.settings, goal)
    assert [(n.rating, n.note, n.observed_on) for n in stored] == [(3, "Bleef rustig.", today())]
    assert stored[0].recorded_by_id == people.ids["youth_worker_a"]


def test_coordinator_of_the_location_adds_progress_without_a_note(client, people):
    child = placed_at_a(people)
    response = post(client, people, "coordinator_a", f"/api/v1/goals/{child.goal_ids[1]}/progress", {"rating": 1})
    assert response.status_code == 201, response.text
    assert [n.rating for n in notes_of(people.settings, child.goal_ids[1])] == [1]


def test_an_earlier_day_can_be_recorded_but_not_a_future_one_nor_before_the_placement(client, people):
    child = placed_at_a(people, start=today() - timedelta(days=20))
    path = f"/api/v1/goals/{child.goal_ids[0]}/progress"
    yesterday = (today() - timedelta(days=1)).isoformat()
    assert post(client, people, "youth_worker_a", path, {"rating": 2, "observed_on": yesterday}).status_code == 201
    tomorrow = post(
        client, people, "youth_worker_a", path, {"rating": 2, "observed_on": (today() + timedelta(days=1)).isoformat()}
    )
    assert tomorrow.status_code == 422
    assert "observed_on" in errors_of(tomorrow)
    before = post(
        client, people, "youth_worker_a", path, {"rating": 2, "observed_on": (today() - timedelta(days=30)).isoformat()}
    )
    assert before.status_code == 422
    assert "observed_on" in errors_of(before)
    assert [n.observed_on.isoformat() for n in notes_of(people.settings, child.goal_ids[0])] == [yesterday]


@pytest.mark.parametrize("rating", [0, 5, -1, 2.5, "drie", "", None, True, [], {}, "1; DROP TABLE goals", 10**20])
def test_a_rating_outside_one_to_four_or_nonsense_is_refused_with_a_message_on_the_field(client, people, rating):
    child = placed_at_a(people)
    body: dict[str, Any] = {"note": "x"}
    if rating is not None:
        body["rating"] = rating
    response = post(client, people, "youth_worker_a", f"/api/v1/goals/{child.goal_ids[0]}/progress", body)
    assert response.status_code in (400, 422), response.text
    assert response.json()["detail"]
    assert "1 nog niet" in errors_of(response)["rating"]
    assert notes_of(people.settings, child.goal_ids[0]) == []


@pytest.mark.parametrize(
    "body",
    [
        {"rating": 2, "note": "x" * 1001},
        {"rating": 2, "note": "nul\x00byte"},
        {"rating": 2, "note": 12},
        {"rating": 2, "observed_on": "gisteren"},
        {"rating": 2, "observed_on": "2026-02-30"},
        {"rating": 2, "observed_on": 20260101},
    ],
)
def test_a_bad_note_or_date_is_refused_per_field(client, people, body):
    child = placed_at_a(people)
    response = post(client, people, "youth_worker_a", f"/api/v1/goals/{child.goal_ids[0]}/progress", body)
    assert response.status_code == 422, response.text
    fields = set(errors_of(response))
    assert fields & {"note", "observed_on"}
    assert "rating" not in fields


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b'"3"', b"null", b"{", '{"rating": "\u00e9"}'.encode()])
def test_a_body_that_is_no_object_never_gives_a_500(client, people, raw):
    child = placed_at_a(people)
    response = client.post(
        f"/api/v1/goals/{child.goal_ids[0]}/progress",
        content=raw,
        headers={**api(client, people.tokens["youth_worker_a"]), "Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422), response.text
    assert "detail" in response.json()


def test_the_same_note_sent_twice_is_stored_once(client, people):
    child = placed_at_a(people)
    path = f"/api/v1/goals/{child.goal_ids[0]}/progress"
    first = post(client, people, "youth_worker_a", path, {"rating": 4, "note": "Zelf gevraagd of hij mee mocht doen."})
    again = post(client, people, "youth_worker_a", path, {"rating": 4, "note": "Zelf gevraagd of hij mee mocht doen."})
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert len(notes_of(people.settings, child.goal_ids[0])) == 1
    other = post(client, people, "youth_worker_a", path, {"rating": 3, "note": "Zelf gevraagd of hij mee mocht doen."})
    assert other.status_code == 201
    assert len(notes_of(people.settings, child.goal_ids[0])) == 2


# --- scope and roles -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["youth_worker_b", "coordinator_b"])
def test_a_goal_of_a_child_at_another_location_does_not_exist(client, people, who):
    child = placed_at_a(people)
    response = post(client, people, who, f"/api/v1/goals/{child.goal_ids[0]}/progress", {"rating": 2})
    assert response.status_code == 404
    assert get(client, people, who, f"/api/v1/goals/{child.goal_ids[0]}/progress").status_code == 404
    assert get(client, people, who, f"/api/v1/children/{child.referral_id}").status_code == 404
    assert notes_of(people.settings, child.goal_ids[0]) == []


def test_an_unknown_goal_answers_404_as_one_out_of_scope(client, people):
    placed_at_a(people)
    assert post(client, people, "youth_worker_a", f"/api/v1/goals/{ZERO_ID}/progress", {"rating": 2}).status_code == 404
    assert post(client, people, "youth_worker_a", "/api/v1/goals/geen-id/progress", {"rating": 2}).status_code == 404


@pytest.mark.parametrize("who", ["referrer", "admin"])
def test_referrers_and_beheerders_may_never_record_or_read_progress(client, people, who):
    child = placed_at_a(people)
    assert post(client, people, who, f"/api/v1/goals/{child.goal_ids[0]}/progress", {"rating": 2}).status_code == 403
    assert get(client, people, who, f"/api/v1/goals/{child.goal_ids[0]}/progress").status_code == 403
    assert get(client, people, who, f"/api/v1/children/{child.referral_id}").status_code == 403
    assert notes_of(people.settings, child.goal_ids[0]) == []


def test_without_a_token_the_progress_api_answers_401(client, people):
    child = placed_at_a(people)
    assert client.post(f"/api/v1/goals/{child.goal_ids[0]}/progress", json={"rating": 2}).status_code == 401


def test_after_the_placement_ended_the_youth_worker_finds_no_child_and_the_coordinator_cannot_add(client, people):
    child = placed_at_a(people, start=today() - timedelta(days=200), end=today() - timedelta(days=1))
    path = f"/api/v1/goals/{child.goal_ids[0]}/progress"
    assert post(client, people, "youth_worker_a", path, {"rating": 2}).status_code == 404
    refused = post(client, people, "coordinator_a", path, {"rating": 2})
    assert refused.status_code == 409
    assert "beëindigd" in refused.json()["detail"]
    # The coordinator still reads the history.
    assert get(client, people, "coordinator_a", path).status_code == 200


def test_a_child_that_is_only_waiting_at_the_location_is_not_on_anyones_list(client, people):
    # Referred to A and B (so in coordinator A's inbox), but placed at B.
    child = make_placed_child(people.settings, people.b, people.ids["coordinator_b"], also_referred_to=(people.a,))
    for who in ("youth_worker_a", "coordinator_a"):
        assert get(client, people, who, f"/api/v1/children/{child.referral_id}").status_code == 404


# --- what a kinderwerker's JSON holds -------------------------------------------------------------------


def test_the_youth_workers_json_holds_the_practical_part_and_none_of_the_coordinator_fields(client, people):
    child = placed_at_a(people)
    post(client, people, "youth_worker_a", f"/api/v1/goals/{child.goal_ids[0]}/progress", {"rating": 2})
    for path in (f"/api/v1/children/{child.referral_id}", f"/api/v1/goals/{child.goal_ids[0]}/progress"):
        response = get(client, people, "youth_worker_a", path)
        assert response.status_code == 200, response.text
        text = json.dumps(response.json(), ensure_ascii=False)
        for key in ("reason", "urgency", "urgency_reason", "source", "history", "guardian", "evaluations"):
            assert f'"{key}"' not in text, (path, key)
        for word in (REASON, URGENCY_REASON, *SECRET_WORDS):
            assert word not in text, (path, word)
    body = get(client, people, "youth_worker_a", f"/api/v1/children/{child.referral_id}").json()
    assert body["given_name"] == "Noor"
    assert body["age"] == 8 or body["age"] == 7
    assert body["allergies"] == "Pinda's en noten"
    assert body["safety_notes"] == "Mag niet alleen naar huis."
    assert body["collection_persons"] == ["M. Bakker (moeder)", "opa Bakker"]
    assert [g["description"] for g in body["goals"]] == [
        "Minder snel boos worden als ik verlies",
        "Een vriendje maken in de groep",
    ]
    assert "family_name" not in body and "Bakker" not in body["given_name"]


def test_a_goals_progress_lists_every_observation_oldest_first(client, people):
    child = placed_at_a(people)
    path = f"/api/v1/goals/{child.goal_ids[0]}/progress"
    for days, rating in ((10, 1), (3, 3), (6, 2)):
        observed = (today() - timedelta(days=days)).isoformat()
        assert (
            post(client, people, "youth_worker_a", path, {"rating": rating, "observed_on": observed}).status_code == 201
        )
    body = get(client, people, "coordinator_a", path).json()
    assert body["goal_id"] == str(child.goal_ids[0])
    assert body["referral_id"] == str(child.referral_id)
    assert [item["rating"] for item in body["items"]] == [1, 2, 3]
    assert body["items"][0]["rating_label"] == "nog niet"
    assert body["items"][0]["recorded_by"] == "Shailesh Kinderwerker"


# --- evaluations ------------------------------------------------------------------------------------------


def evaluate(client: Any, people: People, child: Any, outcomes: list[tuple[Any, str, str | None]], **extra: Any):
    body: dict[str, Any] = {
        "held_on": today().isoformat(),
        "note": "Ouders tevreden.",
        "goals": [
            {"goal_id": str(goal_id), "outcome": outcome, **({"description": text} if text else {})}
            for goal_id, outcome, text in outcomes
        ],
        **extra,
    }
    return post(client, people, "coordinator_a", f"/api/v1/referrals/{child.referral_id}/evaluations", body)


def test_an_evaluation_closes_reached_and_stopped_goals_on_the_day_it_was_held(client, people):
    child = placed_at_a(people, goals=("Boos", "Vriendje", "Zelfvertrouwen", "Samenwerken"))
    held = today() - timedelta(days=2)
    response = evaluate(
        client,
        people,
        child,
        [
            (child.goal_ids[0], "reached", None),
            (child.goal_ids[1], "stopped", None),
            (child.goal_ids[2], "adjusted", "Zelf zeggen wat ik wil"),
            (child.goal_ids[3], "continued", None),
        ],
        held_on=held.isoformat(),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["held_on"] == held.isoformat()
    assert body["next_evaluation_on"] == add_months(held, 3).isoformat()
    assert {g["goal_id"]: g["outcome"] for g in body["goals"]} == {
        str(child.goal_ids[0]): "reached",
        str(child.goal_ids[1]): "stopped",
        str(child.goal_ids[2]): "adjusted",
        str(child.goal_ids[3]): "continued",
    }
    goals = goals_of(people.settings, child.referral_id)
    assert [(g.status, g.closed_on) for g in goals] == [
        ("reached", held),
        ("stopped", held),
        ("active", None),
        ("active", None),
    ]
    assert goals[2].description == "Zelf zeggen wat ik wil"
    assert goals[3].description == "Samenwerken"
    [(evaluation, rows)] = goal_evaluations_of(people.settings, child.referral_id)
    assert evaluation.held_by_id == people.ids["coordinator_a"]
    assert {row.goal_id: row.note for row in rows}[child.goal_ids[2]] == "Eerder: Zelfvertrouwen"


def test_a_closed_goal_takes_no_more_progress_and_is_not_evaluated_again(client, people):
    child = placed_at_a(people)
    evaluate(client, people, child, [(child.goal_ids[0], "reached", None), (child.goal_ids[1], "continued", None)])
    refused = post(client, people, "youth_worker_a", f"/api/v1/goals/{child.goal_ids[0]}/progress", {"rating": 4})
    assert refused.status_code == 409
    again = evaluate(
        client, people, child, [(child.goal_ids[0], "stopped", None), (child.goal_ids[1], "continued", None)]
    )
    assert again.status_code == 422
    assert f"goals.{child.goal_ids[0]}.goal_id" in errors_of(again)
    assert goals_of(people.settings, child.referral_id)[0].status == "reached"


def test_every_running_goal_needs_an_outcome_and_an_adjusted_goal_its_new_wording(client, people):
    child = placed_at_a(people)
    response = evaluate(client, people, child, [(child.goal_ids[1], "adjusted", None)])
    assert response.status_code == 422
    errors = errors_of(response)
    assert f"goals.{child.goal_ids[0]}.outcome" in errors
    assert f"goals.{child.goal_ids[1]}.description" in errors
    assert goal_evaluations_of(people.settings, child.referral_id) == []
    assert [g.status for g in goals_of(people.settings, child.referral_id)] == ["active", "active"]


@dataclass(frozen=True)
class DaysFromToday:
    """A date worked out when the test runs, not when it is collected: collected before midnight (Amsterdam) and run
    after it, a "tomorrow" fixed at collection was today, and the evaluation it should refuse was accepted."""

    days: int

    def iso(self) -> str:
        return (today() + timedelta(days=self.days)).isoformat()


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"held_on": "morgen"}, "held_on"),
        ({"held_on": DaysFromToday(1)}, "held_on"),
        ({"held_on": DaysFromToday(-400)}, "held_on"),
        ({"next_evaluation_on": DaysFromToday(0)}, "next_evaluation_on"),
        ({"next_evaluation_on": DaysFromToday(800)}, "next_evaluation_on"),
        ({"next_evaluation_on": "2026-13-01"}, "next_evaluation_on"),
        ({"note": "x" * 4001}, "note"),
        ({"goals": "alles behaald"}, "goals"),
        ({"goals": [1, 2]}, "goals.0"),
        ({"goals": [{"goal_id": "geen-id", "outcome": "reached"}]}, "goals.0.goal_id"),
    ],
)
def test_bad_evaluation_input_is_refused_per_field(client, people, extra, field):
    extra = {name: value.iso() if isinstance(value, DaysFromToday) else value for name, value in extra.items()}
    child = placed_at_a(people)
    response = evaluate(client, people, child, [(g, "continued", None) for g in child.goal_ids], **extra)
    assert response.status_code == 422, response.text
    assert field in errors_of(response)
    assert goal_evaluations_of(people.settings, child.referral_id) == []


def test_an_unknown_outcome_is_refused_on_that_goal(client, people):
    child = placed_at_a(people)
    response = evaluate(
        client, people, child, [(child.goal_ids[0], "gelukt", None), (child.goal_ids[1], "continued", None)]
    )
    assert response.status_code == 422
    assert "behaald (reached)" in errors_of(response)[f"goals.{child.goal_ids[0]}.outcome"]


def test_when_every_goal_is_closed_no_next_evaluation_is_planned(client, people):
    child = placed_at_a(people)
    response = evaluate(
        client, people, child, [(child.goal_ids[0], "reached", None), (child.goal_ids[1], "stopped", None)]
    )
    assert response.status_code == 201
    assert response.json()["next_evaluation_on"] is None
    due = get(client, people, "coordinator_a", "/api/v1/evaluations/due?within_days=all").json()["items"]
    assert str(child.referral_id) not in [item["referral_id"] for item in due]


def test_a_chosen_next_evaluation_date_is_kept(client, people):
    child = placed_at_a(people)
    chosen = (today() + timedelta(days=45)).isoformat()
    response = evaluate(
        client, people, child, [(g, "continued", None) for g in child.goal_ids], next_evaluation_on=chosen
    )
    assert response.status_code == 201
    assert response.json()["next_evaluation_on"] == chosen
    listed = get(client, people, "coordinator_a", f"/api/v1/referrals/{child.referral_id}/evaluations").json()
    assert [item["next_evaluation_on"] for item in listed["items"]] == [chosen]


@pytest.mark.parametrize(
    ("who", "status"), [("youth_worker_a", 403), ("referrer", 403), ("admin", 403), ("coordinator_b", 404)]
)
def test_only_the_coordinator_of_the_location_evaluates(client, people, who, status):
    child = placed_at_a(people)
    body = {
        "held_on": today().isoformat(),
        "goals": [{"goal_id": str(g), "outcome": "reached"} for g in child.goal_ids],
    }
    response = post(client, people, who, f"/api/v1/referrals/{child.referral_id}/evaluations", body)
    assert response.status_code == status
    assert get(client, people, who, f"/api/v1/referrals/{child.referral_id}/evaluations").status_code == status
    assert [g.status for g in goals_of(people.settings, child.referral_id)] == ["active", "active"]


# --- evaluations due -------------------------------------------------------------------------------------


def test_the_evaluations_due_soonest_first_with_the_overdue_marked(client, people):
    coordinator = people.ids["coordinator_a"]
    # Placed four months ago, never evaluated: due a month ago (placement start + 3 months).
    never = placed_at_a(people, given="Daan", start=add_months(today(), -4))
    # Evaluated, the next one in ten days.
    soon = placed_at_a(people, given="Eva", start=add_months(today(), -8))
    add_evaluation_row(
        people.settings, soon.referral_id, coordinator, today() - timedelta(days=80), today() + timedelta(days=10)
    )
    # Evaluated, the next one in four months: not due.
    later = placed_at_a(people, given="Finn", start=add_months(today(), -8))
    add_evaluation_row(
        people.settings, later.referral_id, coordinator, today() - timedelta(days=5), add_months(today(), 4)
    )
    # Placed last week: due in about three months.
    new = placed_at_a(people, given="Gijs", start=today() - timedelta(days=7))
    # At B: not the coordinator of A's business.
    make_placed_child(
        people.settings, people.b, people.ids["coordinator_b"], given="Hugo", start=add_months(today(), -6)
    )

    items = get(client, people, "coordinator_a", "/api/v1/evaluations/due").json()["items"]
    assert [item["child_name"] for item in items] == ["Daan Bakker", "Eva Bakker"]
    assert [item["overdue"] for item in items] == [True, False]
    assert items[0]["due_on"] == add_months(add_months(today(), -4), 3).isoformat()
    assert items[0]["last_evaluation_on"] is None
    assert items[1]["due_on"] == (today() + timedelta(days=10)).isoformat()

    everyone = get(client, people, "coordinator_a", "/api/v1/evaluations/due?within_days=all").json()["items"]
    assert [item["referral_id"] for item in everyone] == [
        str(never.referral_id),
        str(soon.referral_id),
        str(new.referral_id),
        str(later.referral_id),
    ]


@pytest.mark.parametrize("within", ["-1", "abc", "9999", "1e3", "30 dagen"])
def test_a_nonsense_period_for_the_due_list_is_refused(client, people, within):
    response = get(client, people, "coordinator_a", f"/api/v1/evaluations/due?within_days={within}")
    assert response.status_code == 422
    assert "within_days" in errors_of(response)


@pytest.mark.parametrize("who", ["youth_worker_a", "referrer", "admin"])
def test_only_coordinators_have_a_list_of_evaluations_due(client, people, who):
    assert get(client, people, who, "/api/v1/evaluations/due").status_code == 403
