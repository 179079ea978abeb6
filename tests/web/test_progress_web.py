"""The child's page, adding an observation (with htmx and without JavaScript), the evaluation form and the list
of evaluations due, through the app as a browser uses it: who sees what, what is stored, what a refused form
shows, and that nonsense on any of these forms never gives a 500."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.audit.models import AccessLogEntry
from huiskamer.progress.rules import add_months
from huiskamer.site.templating import today
from tests.factories import csrf_token, in_session, login_as, post_form
from tests.web.progress_helpers import (
    REASON,
    SECRET_WORDS,
    URGENCY_REASON,
    People,
    add_evaluation_row,
    add_progress_rows,
    goal_evaluations_of,
    goals_of,
    make_people,
    make_placed_child,
    notes_of,
)
from tests.web.waitlist_helpers import QueryCounter

HTMX = {"HX-Request": "true"}


@pytest.fixture
def people(test_settings) -> People:
    return make_people(test_settings)


def as_(people: People, client: Any, who: str) -> Any:
    return login_as(people.settings, client, people.ids[who])


def placed_at_a(people: People, **kwargs: Any):
    return make_placed_child(people.settings, people.a, people.ids["coordinator_a"], **kwargs)


def main_text(html: str) -> str:
    return html.split('<main id="inhoud"', 1)[1].split("</main>", 1)[0]


# --- the child's page -------------------------------------------------------------------------------------


def test_the_youth_worker_sees_the_practical_part_and_a_form_per_goal(client, people):
    child = placed_at_a(people)
    response = as_(people, client, "youth_worker_a").get(f"/kinderen/{child.referral_id}")
    assert response.status_code == 200, response.text
    main = main_text(response.text)
    for expected in (
        "Noor",
        "jaar",
        "Huiskamer Anemoon",
        "M. Bakker (moeder)",
        "opa Bakker",
        "Pinda&#39;s en noten",
        "Mag niet alleen naar huis.",
        "Minder snel boos worden als ik verlies",
        "Een vriendje maken in de groep",
        "maandag, dinsdag, donderdag",
    ):
        assert expected in main, expected
    assert main.count('name="rating"') == 2 * 4
    assert main.count(f'action="/doelen/{child.goal_ids[0]}/voortgang"') == 1


def test_the_youth_workers_page_holds_none_of_the_coordinator_only_fields(client, people):
    child = placed_at_a(people)
    html = as_(people, client, "youth_worker_a").get(f"/kinderen/{child.referral_id}").text
    for word in (REASON, URGENCY_REASON, *SECRET_WORDS, "Dossier", "/aanmeldingen/", "Evaluaties met de ouders"):
        assert word not in html, word
    assert "Noor Bakker" not in main_text(html)  # the first name only


def test_the_coordinator_sees_the_progress_over_time_and_the_evaluations(client, people):
    child = placed_at_a(people)
    as_(people, client, "youth_worker_a")
    for days, rating in ((20, 1), (10, 2), (2, 3)):
        post_form(
            client,
            f"/doelen/{child.goal_ids[0]}/voortgang",
            {
                "rating": str(rating),
                "note": f"Observatie {days}",
                "observed_on": (today() - timedelta(days=days)).isoformat(),
            },
            form_page=f"/kinderen/{child.referral_id}",
        )
    coordinator = as_(people, client, "coordinator_a")
    main = main_text(coordinator.get(f"/kinderen/{child.referral_id}").text)
    assert "Noor Bakker" in main
    assert '<svg class="sparkline"' in main
    assert "van oud naar nieuw: 1, 2, 3" in main
    assert "Laatst: <strong>3 gaat goed</strong>" in main
    assert "3 observaties" in main and "vooruitgang" in main
    assert "Observatie 20" in main and "Shailesh Kinderwerker" in main
    assert "Evaluaties met de ouders" in main
    assert f'href="/kinderen/{child.referral_id}/evaluatie"' in main
    # Never evaluated, placed four months ago: the first evaluation (start + 3 months) is overdue.
    assert "te laat" in main


def with_history(people: People, given: str, goals: int, notes: int, evaluations: int):
    """A child placed at A with observations on every goal (by the youth worker and the coordinator) and
    evaluations in the past."""
    child = placed_at_a(people, given=given, goals=tuple(f"Doel {n} van {given}" for n in range(goals)))
    worker, coordinator = people.ids["youth_worker_a"], people.ids["coordinator_a"]
    for goal_id in child.goal_ids:
        rows = [(days, 1 + days % 4, f"Observatie {days}") for days in range(1, notes + 1)]
        add_progress_rows(people.settings, goal_id, child.referral_id, worker, rows)
        add_progress_rows(people.settings, goal_id, child.referral_id, coordinator, [(40, 2, "")])
    for n in range(1, evaluations + 1):
        add_evaluation_row(people.settings, child.referral_id, coordinator, today() - timedelta(days=20 * n), None)
    return child


@pytest.mark.parametrize("who", ["coordinator_a", "youth_worker_a"])
def test_the_childs_page_reads_as_many_queries_for_a_long_history_as_for_a_short_one(client, people, who):
    """No query per goal, observation, person or evaluation."""
    short = with_history(people, "Daan", goals=1, notes=1, evaluations=1)
    long = with_history(people, "Eva", goals=6, notes=9, evaluations=4)
    as_(people, client, who)
    counts = []
    for child in (short, long):
        url = f"/kinderen/{child.referral_id}"
        client.get(url)
        with QueryCounter() as counter:
            assert client.get(url).status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("who", ["youth_worker_b", "coordinator_b", "referrer", "admin"])
def test_the_childs_page_does_not_exist_outside_the_childs_location(client, people, who):
    child = placed_at_a(people)
    response = as_(people, client, who).get(f"/kinderen/{child.referral_id}")
    assert response.status_code == 404
    assert "Noor" not in response.text


def test_a_child_placed_elsewhere_or_whose_placement_ended_is_not_the_youth_workers(client, people):
    elsewhere = make_placed_child(people.settings, people.b, people.ids["coordinator_b"], also_referred_to=(people.a,))
    ended = placed_at_a(people, given="Sem", start=today() - timedelta(days=300), end=today() - timedelta(days=1))
    worker = as_(people, client, "youth_worker_a")
    assert worker.get(f"/kinderen/{elsewhere.referral_id}").status_code == 404
    assert worker.get(f"/kinderen/{ended.referral_id}").status_code == 404
    coordinator = as_(people, client, "coordinator_a")
    assert coordinator.get(f"/kinderen/{elsewhere.referral_id}").status_code == 404
    page = coordinator.get(f"/kinderen/{ended.referral_id}")
    assert page.status_code == 200
    assert "beëindigd" in page.text
    assert 'name="rating"' not in page.text


def test_opening_the_childs_page_is_recorded_in_the_access_log(client, people):
    child = placed_at_a(people)
    as_(people, client, "youth_worker_a").get(f"/kinderen/{child.referral_id}")

    async def views(session: AsyncSession) -> list[AccessLogEntry]:
        query = select(AccessLogEntry).where(AccessLogEntry.user_id == people.ids["youth_worker_a"])
        return list((await session.scalars(query)).all())

    [entry] = in_session(people.settings, views)
    assert entry.role == "youth_worker" and entry.action == "read"
    assert entry.what == "kindpagina"


# --- adding an observation ---------------------------------------------------------------------------


def test_without_javascript_an_observation_is_stored_and_the_page_comes_back_with_a_message(client, people):
    child = placed_at_a(people)
    as_(people, client, "youth_worker_a")
    response = post_form(
        client,
        f"/doelen/{child.goal_ids[0]}/voortgang",
        {"rating": "2", "note": "Werd boos bij het spel, maar kwam zelf terug."},
        form_page=f"/kinderen/{child.referral_id}",
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/kinderen/{child.referral_id}#doel-{child.goal_ids[0]}"
    [note] = notes_of(people.settings, child.goal_ids[0])
    assert (note.rating, note.note, note.observed_on) == (2, "Werd boos bij het spel, maar kwam zelf terug.", today())
    page = client.get(response.headers["location"])
    assert "Opgeslagen: 2 een beetje." in page.text
    assert "Laatste observatie: 2 een beetje" in page.text


def test_with_htmx_the_goal_card_comes_back_in_place_with_the_saved_rating(client, people):
    child = placed_at_a(people)
    as_(people, client, "youth_worker_a")
    token = csrf_token(client, f"/kinderen/{child.referral_id}")
    response = client.post(
        f"/doelen/{child.goal_ids[1]}/voortgang",
        data={"_csrf_token": token, "rating": "4"},
        headers=HTMX,
        follow_redirects=False,
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<article class="goal-card" id="doel-{child.goal_ids[1]}"')
    assert "<html" not in response.text
    assert "Opgeslagen: <strong>4 behaald</strong>" in response.text
    assert 'name="rating"' in response.text  # a fresh form for the next observation
    assert "checked" not in response.text
    assert [n.rating for n in notes_of(people.settings, child.goal_ids[1])] == [4]


def test_with_htmx_a_refused_observation_keeps_what_was_typed_next_to_the_message(client, people):
    child = placed_at_a(people)
    as_(people, client, "youth_worker_a")
    token = csrf_token(client, f"/kinderen/{child.referral_id}")
    response = client.post(
        f"/doelen/{child.goal_ids[0]}/voortgang",
        data={"_csrf_token": token, "note": "Hielp een ander kind"},
        headers=HTMX,
        follow_redirects=False,
    )
    assert response.status_code == 422
    assert "Kies hoe het gaat" in response.text
    assert "Hielp een ander kind</textarea>" in response.text
    assert 'id="foutmeldingen"' in response.text
    assert notes_of(people.settings, child.goal_ids[0]) == []


def test_without_javascript_a_refused_observation_shows_the_page_with_the_message_at_that_goal(client, people):
    child = placed_at_a(people)
    as_(people, client, "youth_worker_a")
    response = post_form(
        client,
        f"/doelen/{child.goal_ids[1]}/voortgang",
        {"rating": "3", "note": "Speelde samen", "observed_on": (today() + timedelta(days=2)).isoformat()},
        form_page=f"/kinderen/{child.referral_id}",
    )
    assert response.status_code == 422
    card = response.text.split(f'id="doel-{child.goal_ids[1]}"', 1)[1].split("</article>", 1)[0]
    assert "toekomst" in card
    assert "Speelde samen</textarea>" in card
    assert re.search(r'value="3" checked', card)
    other = response.text.split(f'id="doel-{child.goal_ids[0]}"', 1)[1].split("</article>", 1)[0]
    assert "toekomst" not in other
    assert notes_of(people.settings, child.goal_ids[1]) == []


def test_a_youth_worker_of_another_location_cannot_post_an_observation(client, people):
    child = placed_at_a(people)
    as_(people, client, "youth_worker_b")
    response = post_form(client, f"/doelen/{child.goal_ids[0]}/voortgang", {"rating": "2"}, form_page="/")
    assert response.status_code == 404
    assert notes_of(people.settings, child.goal_ids[0]) == []


def test_nonsense_on_the_observation_form_never_gives_a_500(client, people):
    child = placed_at_a(people)
    as_(people, client, "youth_worker_a")
    token = csrf_token(client, "/")
    fields = st.sampled_from(["rating", "note", "observed_on", "goal_id", "x"])
    values = st.one_of(st.text(max_size=300), st.sampled_from(["0", "5", "2.5", "-1", "\x00", "2026-02-30", "9" * 40]))

    @settings(max_examples=30)
    @given(st.dictionaries(fields, values, max_size=4), st.booleans())
    def send(data: dict[str, str], with_htmx: bool) -> None:
        response = client.post(
            f"/doelen/{child.goal_ids[0]}/voortgang",
            data={"_csrf_token": token, **data},
            headers=HTMX if with_htmx else {},
            follow_redirects=False,
        )
        assert response.status_code in (200, 303, 409, 422), response.text[:500]

    send()


# --- the evaluation form -------------------------------------------------------------------------------


def test_the_coordinator_records_an_evaluation_and_the_goals_change(client, people):
    child = placed_at_a(people)
    as_(people, client, "coordinator_a")
    form_page = f"/kinderen/{child.referral_id}/evaluatie"
    form = client.get(form_page)
    assert form.status_code == 200
    assert "Minder snel boos worden als ik verlies" in form.text
    held = today() - timedelta(days=1)
    response = post_form(
        client,
        form_page,
        {
            "held_on": held.isoformat(),
            f"goals.{child.goal_ids[0]}.outcome": "reached",
            f"goals.{child.goal_ids[1]}.outcome": "adjusted",
            f"goals.{child.goal_ids[1]}.description": "Zelf vragen of ik mee mag doen",
            "note": "Moeder ziet thuis ook verschil.",
            "next_evaluation_on": "",
        },
    )
    assert response.status_code == 303, response.text[:2000]
    goals = goals_of(people.settings, child.referral_id)
    assert [(g.status, g.closed_on, g.description) for g in goals] == [
        ("reached", held, "Minder snel boos worden als ik verlies"),
        ("active", None, "Zelf vragen of ik mee mag doen"),
    ]
    [(evaluation, _rows)] = goal_evaluations_of(people.settings, child.referral_id)
    assert evaluation.next_evaluation_on == add_months(held, 3)
    page = client.get(response.headers["location"])
    assert "De evaluatie is vastgelegd." in page.text
    assert "Moeder ziet thuis ook verschil." in page.text
    assert "Afgeronde doelen" in page.text


def test_a_refused_evaluation_shows_every_mistake_and_keeps_what_was_typed(client, people):
    child = placed_at_a(people)
    as_(people, client, "coordinator_a")
    form_page = f"/kinderen/{child.referral_id}/evaluatie"
    response = post_form(
        client,
        form_page,
        {
            "held_on": "31-02-2026",
            f"goals.{child.goal_ids[1]}.outcome": "adjusted",
            "note": "Goed gesprek gehad",
        },
    )
    assert response.status_code == 422
    text = response.text
    assert 'class="error-summary"' in text
    assert "geen geldige datum" in text
    assert f'href="#veld-goals-{child.goal_ids[0]}-outcome"' in text  # no outcome for the first goal
    assert "bijgestelde doel" in text  # the adjusted one without new wording
    assert "Goed gesprek gehad</textarea>" in text
    assert re.search(rf'name="goals.{child.goal_ids[1]}.outcome" value="adjusted" checked', text)
    assert goal_evaluations_of(people.settings, child.referral_id) == []


@pytest.mark.parametrize(("who", "status"), [("youth_worker_a", 403), ("coordinator_b", 404), ("referrer", 403)])
def test_only_the_coordinator_of_the_location_has_the_evaluation_form(client, people, who, status):
    child = placed_at_a(people)
    as_(people, client, who)
    assert client.get(f"/kinderen/{child.referral_id}/evaluatie").status_code == status
    token = csrf_token(client, "/")
    body = {"_csrf_token": token, "held_on": today().isoformat()}
    for goal_id in child.goal_ids:
        body[f"goals.{goal_id}.outcome"] = "reached"
    assert client.post(f"/kinderen/{child.referral_id}/evaluatie", data=body).status_code == status
    assert [g.status for g in goals_of(people.settings, child.referral_id)] == ["active", "active"]


def test_nonsense_on_the_evaluation_form_never_gives_a_500(client, people):
    child = placed_at_a(people)
    as_(people, client, "coordinator_a")
    token = csrf_token(client, "/")
    goal = f"goals.{child.goal_ids[0]}"
    fields = st.sampled_from(
        ["held_on", "note", "next_evaluation_on", "goals", "goals.x.outcome", f"{goal}.outcome", f"{goal}.description"]
    )
    values = st.one_of(st.text(max_size=300), st.sampled_from(["reached", "adjusted", "2026-13-45", "\x00", "9" * 50]))

    @settings(max_examples=30)
    @given(st.dictionaries(fields, values, max_size=5))
    def send(data: dict[str, str]) -> None:
        response = client.post(
            f"/kinderen/{child.referral_id}/evaluatie", data={"_csrf_token": token, **data}, follow_redirects=False
        )
        assert response.status_code in (303, 409, 422), response.text[:500]

    send()


# --- evaluations due ---------------------------------------------------------------------------------


def test_the_list_of_evaluations_due_shows_the_overdue_first_and_marks_them(client, people):
    coordinator = people.ids["coordinator_a"]
    overdue = placed_at_a(people, given="Daan", start=add_months(today(), -5))
    soon = placed_at_a(people, given="Eva", start=add_months(today(), -7))
    add_evaluation_row(
        people.settings, soon.referral_id, coordinator, today() - timedelta(days=70), today() + timedelta(days=12)
    )
    placed_at_a(people, given="Finn", start=today() - timedelta(days=3))
    make_placed_child(
        people.settings, people.b, people.ids["coordinator_b"], given="Hugo", start=add_months(today(), -9)
    )
    as_(people, client, "coordinator_a")
    page = client.get("/evaluaties")
    assert page.status_code == 200
    main = main_text(page.text)
    assert main.index("Daan Bakker") < main.index("Eva Bakker")
    assert "Finn" not in main and "Hugo" not in main
    rows = {row.split("</a>")[0].rsplit(">", 1)[1]: row for row in main.split("<tr")[2:]}
    assert 'class="badge badge-warn">te laat' in rows["Daan Bakker"]
    assert "te laat" not in rows["Eva Bakker"]
    assert "1 te laat" in main
    assert f'href="/kinderen/{overdue.referral_id}"' in main
    everyone = main_text(client.get("/evaluaties?binnen=alle").text)
    assert "Finn Bakker" in everyone and "Hugo" not in everyone


def test_the_list_of_evaluations_due_reads_as_many_queries_for_nine_children_as_for_one(client, people):
    as_(people, client, "coordinator_a")
    counts = []
    for first, last in ((0, 1), (1, 9)):
        for n in range(first, last):
            with_history(people, f"Kind{n}", goals=2, notes=1, evaluations=n % 3)
        client.get("/evaluaties?binnen=alle")
        with QueryCounter() as counter:
            assert client.get("/evaluaties?binnen=alle").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("value", ["abc", "-5", "9" * 30, "<script>", ""])
def test_a_nonsense_period_on_the_list_of_evaluations_due_is_a_message_not_a_500(client, people, value):
    as_(people, client, "coordinator_a")
    response = client.get("/evaluaties", params={"binnen": value})
    assert response.status_code in (200, 422)
    if value:
        assert "Kies een periode uit de lijst." in response.text


@pytest.mark.parametrize("who", ["youth_worker_a", "referrer", "admin"])
def test_the_list_of_evaluations_due_is_for_coordinators(client, people, who):
    as_(people, client, who)
    assert client.get("/evaluaties").status_code == 403


def test_the_coordinators_start_page_lists_the_evaluations_due_soon(client, people):
    coordinator = people.ids["coordinator_a"]
    overdue = placed_at_a(people, given="Daan", start=add_months(today(), -5))
    soon = placed_at_a(people, given="Eva", start=add_months(today(), -7))
    add_evaluation_row(
        people.settings, soon.referral_id, coordinator, today() - timedelta(days=70), today() + timedelta(days=12)
    )
    placed_at_a(people, given="Finn", start=today() - timedelta(days=3))
    make_placed_child(
        people.settings, people.b, people.ids["coordinator_b"], given="Hugo", start=add_months(today(), -9)
    )
    as_(people, client, "coordinator_a")
    main = main_text(client.get("/").text)
    section = main.split('id="kop-evaluaties"', 1)[1].split("</section>", 1)[0]
    assert "Evaluaties binnenkort (2)" in section
    assert "1 te laat." in section
    assert section.index(f'href="/kinderen/{overdue.referral_id}"') < section.index(
        f'href="/kinderen/{soon.referral_id}"'
    )
    assert "Finn" not in section and "Hugo" not in section


def test_a_coordinator_without_evaluations_due_is_told_so(client, people):
    placed_at_a(people, start=today() - timedelta(days=10))
    as_(people, client, "coordinator_a")
    main = main_text(client.get("/").text)
    assert "Evaluaties binnenkort (0)" in main
    assert "Er zijn geen evaluaties met ouders die te laat zijn" in main
