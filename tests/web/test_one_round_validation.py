"""One round of validation (issue 18 point 7): a form or an API body with a mistake of form in one field and a
broken rule in another gets both messages in one answer, each next to its own field, instead of the rule's message
only after the first mistake is fixed."""

from __future__ import annotations

import re
from datetime import timedelta
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huiskamer.site.templating import today
from tests.factories import api, csrf_token, error_next_to, login_as, make_location, make_token, make_user, post_form
from tests.web import placement_api_helpers as placing
from tests.web import progress_helpers as progress
from tests.web.referral_helpers import errors_of, referral_body
from tests.web.referrals_web_helpers import browser, count_referrals, form_fields, make_cast, post, years_ago


@pytest.fixture
def cast(test_settings):
    return make_cast(test_settings)


def fields_with_errors(page: str) -> set[str]:
    return {name.replace("-", ".") for name in re.findall(r'id="veld-([\w.-]+?)-fout"', page)}


# --- the referral ----------------------------------------------------------------------------------


def test_referral_form_shows_a_bad_phone_and_a_too_young_child_in_one_answer(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    typed = form_fields(
        [cast.location_a], **{"guardian.phone": "06-1234", "child.date_of_birth": years_ago(2).isoformat()}
    )
    response = post(referrer, "/aanmeldingen/nieuw", typed)
    assert response.status_code == 422
    assert "telefoonnummer" in error_next_to(response.text, "guardian.phone")
    assert "4 tot en met 12 jaar" in error_next_to(response.text, "child.date_of_birth")
    assert 'value="06-1234"' in response.text  # what was typed stays
    assert count_referrals(cast.settings) == 0


def test_referral_form_of_a_coordinator_shows_a_bad_postcode_and_another_location_at_once(cast, make_client):
    coordinator = browser(make_client, cast.settings, cast.coordinator_a)
    response = post(coordinator, "/aanmeldingen/nieuw", form_fields([cast.location_b], **{"child.postcode": "12"}))
    assert response.status_code == 422
    assert "postcode" in error_next_to(response.text, "child.postcode")
    assert "eigen locaties" in error_next_to(response.text, "preferred_location_ids")


def test_referral_api_reports_a_format_and_an_age_error_in_one_422(cast, make_client):
    client = make_client()
    token = make_token(cast.settings, cast.referrer_a)
    body = referral_body([cast.location_a], guardian__email="geen-mail", child__date_of_birth=years_ago(14).isoformat())
    response = client.post("/api/v1/referrals", json=body, headers=api(client, token))
    assert response.status_code == 422
    errors = errors_of(response)
    assert set(errors) == {"guardian.email", "child.date_of_birth"}
    assert "4 tot en met 12 jaar" in errors["child.date_of_birth"]


def test_referral_api_skips_the_age_rule_when_the_date_of_birth_is_no_date(cast, make_client):
    client = make_client()
    token = make_token(cast.settings, cast.referrer_a)
    body = referral_body([cast.location_a], child__date_of_birth="31-02-2017", guardian__phone="1")
    response = client.post("/api/v1/referrals", json=body, headers=api(client, token))
    assert response.status_code == 422
    errors = errors_of(response)
    assert set(errors) == {"child.date_of_birth", "guardian.phone"}
    assert "geen geldige datum" in errors["child.date_of_birth"]


# Each field with a way to break it: a mistake of form, or a rule the service checks on a field that was read.
BREAKERS = {
    "child.given_name": [""],
    "child.family_name": ["  "],
    "child.date_of_birth": ["2017-13-45", "morgen", "too-young", "too-old"],
    "child.postcode": ["12", "1000 SS"],
    "guardian.name": [""],
    "guardian.phone": ["06-1234", "bel me"],
    "guardian.email": ["geen-mail"],
    "source": ["de buurvrouw"],
    "reason": [""],
    "guardian_informed": [None, "misschien"],
    "preferred_location_ids": ["geen-id", "unknown-location"],
    "requested_weekdays": [None, ["xx"]],
    "intended_start": ["2099-01-01", "volgende week"],
}


@st.composite
def broken_forms(draw):
    fields = draw(st.sets(st.sampled_from(sorted(BREAKERS)), min_size=1))
    broken = {}
    for field in fields:
        value = draw(st.sampled_from(BREAKERS[field]))
        if value in ("too-young", "too-old") and fields & {"intended_start", "preferred_location_ids"}:
            value = "morgen"  # the age rule needs a start date and locations that were read
        broken[field] = value
    return broken


def _typed(value, location_id):
    if value == "too-young":
        return years_ago(2).isoformat()
    if value == "too-old":
        return years_ago(14).isoformat()
    if value == "unknown-location":
        return [str(uuid4())]
    if value == "geen-id":
        return ["geen-id"]
    return value


def test_any_set_of_broken_referral_fields_is_reported_exactly_and_in_one_answer(cast, make_client):
    """Law: for any non-empty set of broken fields, the form answers 422 with a message at exactly those fields."""
    referrer = browser(make_client, cast.settings, cast.referrer_a)

    @settings(max_examples=25, deadline=None)
    @given(broken=broken_forms())
    def check(broken) -> None:
        overrides = {field: _typed(value, cast.location_a) for field, value in broken.items()}
        response = post(referrer, "/aanmeldingen/nieuw", form_fields([cast.location_a], **overrides))
        assert response.status_code == 422, response.text[:500]
        assert fields_with_errors(response.text) == set(broken)
        for field in broken:
            assert error_next_to(response.text, field)

    check()
    assert count_referrals(cast.settings) == 0


def test_a_rule_error_alone_still_reaches_the_api_in_one_round(cast, make_client):
    client = make_client()
    token = make_token(cast.settings, cast.referrer_a)
    start = (today() + timedelta(days=400)).isoformat()
    response = client.post(
        "/api/v1/referrals", json=referral_body([cast.location_a], intended_start=start), headers=api(client, token)
    )
    assert response.status_code == 422
    assert set(errors_of(response)) == {"intended_start"}


# --- the intake --------------------------------------------------------------------------------------


def test_intake_api_reports_a_bad_urgency_a_date_before_the_referral_and_an_unknown_sibling_at_once(
    test_settings, client
):
    cast = placing.make_cast(test_settings)
    rid = placing.referral_in_review(client, cast)
    response = placing.hold_intake(
        client, cast, rid, urgency="zeer hoog", held_on="1900-01-01", sibling_referral_ids=[str(uuid4())]
    )
    assert response.status_code == 422
    errors = placing.errors_of(response)
    assert set(errors) == {"urgency", "held_on", "sibling_referral_ids"}
    assert "vóór de aanmelding" in errors["held_on"]
    assert "niet gevonden" in errors["sibling_referral_ids"]


def test_intake_api_reports_another_coordinators_location_with_a_bad_minimum(test_settings, client):
    cast = placing.make_cast(test_settings)
    rid = placing.referral_in_review(client, cast, locations=(cast.a, cast.b))
    response = placing.hold_intake(
        client, cast, rid, token=cast.coordinator_b, preferred_location_ids=[str(cast.a)], minimum_days="twee"
    )
    assert response.status_code == 422
    assert set(placing.errors_of(response)) == {"preferred_location_ids", "minimum_days"}


def test_intake_form_shows_a_format_and_a_rule_message_each_at_its_field(test_settings, client):
    from tests.web.test_intake_web import intake_form
    from tests.web.waitlist_helpers import as_coordinator_a
    from tests.web.waitlist_helpers import make_cast as make_waitlist_cast
    from tests.web.waitlist_helpers import referral_in_review as review

    cast = make_waitlist_cast(test_settings)
    rid = review(client, cast, "Noor")
    as_coordinator_a(client, cast)
    form = intake_form(cast, held_on="1900-01-01", minimum_days="veel")
    response = post_form(client, f"/aanmeldingen/{rid}/intake", form)
    assert response.status_code == 422
    assert "vóór de aanmelding" in error_next_to(response.text, "held_on")
    assert "heel getal" in error_next_to(response.text, "minimum_days")
    assert 'value="veel"' in response.text


# --- a progress note ---------------------------------------------------------------------------------


def test_progress_api_reports_a_bad_rating_and_a_future_date_at_once(test_settings, client):
    people = progress.make_people(test_settings)
    child = progress.make_placed_child(people.settings, people.a, people.ids["coordinator_a"])
    tomorrow = (today() + timedelta(days=1)).isoformat()
    response = client.post(
        f"/api/v1/goals/{child.goal_ids[0]}/progress",
        json={"rating": 7, "observed_on": tomorrow},
        headers=api(client, people.tokens["youth_worker_a"]),
    )
    assert response.status_code == 422
    assert set(progress.errors_of(response)) == {"rating", "observed_on"}
    assert "toekomst" in progress.errors_of(response)["observed_on"]


# --- offers, placements and their end ---------------------------------------------------------------------


def test_offer_api_reports_bad_days_a_past_start_and_a_late_answer_date_at_once(test_settings, client):
    cast = placing.make_cast(test_settings)
    rid = placing.waiting_child(client, cast)
    body = {
        "referral_id": rid,
        "location_id": str(cast.a),
        "weekdays": ["maandag"],
        "start_date": (today() - timedelta(days=3)).isoformat(),
        "respond_by": (today() + timedelta(days=400)).isoformat(),
    }
    response = client.post("/api/v1/offers", json=body, headers=api(client, cast.coordinator_ab))
    assert response.status_code == 422
    errors = placing.errors_of(response)
    assert set(errors) == {"weekdays", "start_date", "respond_by"}
    assert "verleden" in errors["start_date"]


def test_placement_api_reports_a_bad_start_and_a_location_the_child_did_not_choose(test_settings, client):
    cast = placing.make_cast(test_settings)
    rid = placing.waiting_child(client, cast)
    body = {"referral_id": rid, "location_id": str(cast.b), "weekdays": ["mon"], "start_date": "31-31-2026"}
    response = client.post("/api/v1/placements", json=body, headers=api(client, cast.coordinator_ab))
    assert response.status_code == 422
    assert set(placing.errors_of(response)) == {"start_date", "location_id"}


def test_ending_a_placement_reports_an_unknown_reason_and_an_end_before_the_start(test_settings, client):
    cast = placing.make_cast(test_settings)
    rid = placing.waiting_child(client, cast)
    start = placing.next_weekday(0)
    body = {"referral_id": rid, "location_id": str(cast.a), "weekdays": ["mon"], "start_date": start.isoformat()}
    placed = client.post("/api/v1/placements", json=body, headers=api(client, cast.coordinator_ab))
    assert placed.status_code == 201, placed.text
    ending = {"end_date": (start - timedelta(days=1)).isoformat(), "reason_code": "verveeld"}
    response = client.post(
        f"/api/v1/placements/{placed.json()['id']}/end", json=ending, headers=api(client, cast.coordinator_ab)
    )
    assert response.status_code == 422
    errors = placing.errors_of(response)
    assert set(errors) == {"end_date", "reason_code"}
    assert "voor de startdatum" in errors["end_date"]


# --- locations and their closures ----------------------------------------------------------------------


def location_form(**overrides: str) -> dict[str, str]:
    data = {"name": "Huiskamer De Wadden", "address": "", "neighbourhoods": "", "min_age": "4", "max_age": "12"}
    data.update({f"capacity.{day}": "10" for day in ("mon", "tue", "wed", "thu", "fri")})
    data.update(overrides)
    return data


def test_location_form_shows_a_taken_name_beside_the_other_messages(test_settings, client):
    make_location(test_settings, "Huiskamer Zon")
    login_as(test_settings, client, make_user(test_settings, "admin"))
    response = post_form(client, "/beheer/locaties/nieuw", location_form(name="huiskamer zon", min_age="vier"))
    assert response.status_code == 422
    assert error_next_to(response.text, "name").endswith("Er is al een locatie met deze naam.")
    assert "heel getal" in error_next_to(response.text, "min_age")
    assert 'value="vier"' in response.text
    alone = post_form(client, "/beheer/locaties/nieuw", location_form(name="huiskamer zon"))
    assert alone.status_code == 409  # a taken name alone stays a conflict, beside its field
    assert error_next_to(alone.text, "name") == error_next_to(response.text, "name")


def test_location_edit_form_reports_a_past_capacity_date_with_a_bad_age(test_settings, client):
    location = make_location(test_settings, "Huiskamer Maan")
    login_as(test_settings, client, make_user(test_settings, "admin"))
    yesterday = (today() - timedelta(days=1)).isoformat()
    form = location_form(name="Huiskamer Maan", min_age="vier", capacity_valid_from=yesterday)
    response = post_form(client, f"/beheer/locaties/{location}", form)
    assert response.status_code == 422
    assert "verleden" in error_next_to(response.text, "capacity_valid_from")
    assert "heel getal" in error_next_to(response.text, "min_age")


def test_location_patch_checks_the_ages_against_what_is_stored_with_a_bad_capacity(test_settings, client):
    location = make_location(test_settings, "Huiskamer Komeet")  # ages 4 to 12
    token = make_token(test_settings, make_user(test_settings, "admin", password=None))
    body = {"min_age": 14, "capacity": {"mon": "veel"}}
    response = client.patch(f"/api/v1/locations/{location}", json=body, headers=api(client, token))
    assert response.status_code == 422
    errors = errors_of(response)
    assert "mag niet lager" in errors["min_age"]
    assert any(field.startswith("capacity") for field in errors)


def test_location_api_keeps_409_for_a_taken_name_alone_and_422_with_every_message_otherwise(test_settings, client):
    make_location(test_settings, "Huiskamer Ster")
    token = make_token(test_settings, make_user(test_settings, "admin", password=None))
    body = {"name": "Huiskamer Ster", "min_age": 4, "max_age": 12}
    alone = client.post("/api/v1/locations", json=body, headers=api(client, token))
    assert alone.status_code == 409
    response = client.post("/api/v1/locations", json={**body, "max_age": "oud"}, headers=api(client, token))
    assert response.status_code == 422
    assert set(errors_of(response)) == {"name", "max_age"}


def test_closures_form_reports_an_impossible_date_and_a_past_closure_at_once(test_settings, client):
    location = make_location(test_settings, "Huiskamer Wolk")
    login_as(test_settings, client, make_user(test_settings, "coordinator", location_ids=(location,)))
    response = post_form(
        client,
        f"/locaties/{location}/sluitingsdagen",
        {"first.0": "2027-02-30", "first.1": (today() - timedelta(days=3)).isoformat()},
    )
    assert response.status_code == 422
    assert "geen geldige datum" in response.text
    assert "helemaal in het verleden" in response.text


# --- the Meldcode, the goal catalogue, the report's story ------------------------------------------------


def test_meldcode_step_reports_an_empty_note_and_a_date_before_the_concern(test_settings, client):
    from tests.attendance_helpers import days_back
    from tests.attendance_helpers import make_cast as make_attendance_cast

    cast = make_attendance_cast(test_settings)
    child = cast.place(given_name="Noor")
    raised = client.post(
        "/api/v1/concerns",
        json={"referral_id": str(child.referral_id), "text": "Blauwe plekken.", "kind": "safeguarding"},
        headers=api(client, cast.token("youth_worker_a")),
    )
    assert raised.status_code == 201, raised.text
    response = client.post(
        f"/api/v1/concerns/{raised.json()['id']}/steps",
        json={"step": 1, "done_on": str(days_back(3)), "note": ""},
        headers=api(client, cast.token("coordinator_a")),
    )
    assert response.status_code == 422
    errors = errors_of(response)
    assert set(errors) == {"done_on", "note"}
    assert "voor het signaal" in errors["done_on"]


def test_goal_catalogue_reports_a_taken_name_with_a_bad_kind(test_settings, client):
    login_as(test_settings, client, make_user(test_settings, "admin"))
    goal = {"name": "Vriendjes maken", "kind": "iets", "dimension": "mentaal_welbevinden", "active": "on"}
    response = post_form(client, "/beheer/doelen/nieuw", goal)
    assert response.status_code == 422
    assert "al een doel" in error_next_to(response.text, "name")
    assert error_next_to(response.text, "kind")


def test_report_story_reports_the_missing_location_and_a_too_long_text_at_once(test_settings, client):
    from tests.service.reports_helpers import build_world

    world = build_world(test_settings, passwords=True)
    login_as(test_settings, client, world.coordinator_ab)
    token = csrf_token(client, "/rapportage?van=2024-01-01&tot=2024-12-31")
    response = client.post(
        "/rapportage/verhaal",
        data={"_csrf_token": token, "van": "2024-01-01", "tot": "2024-12-31", "text": "x" * 5000},
        follow_redirects=False,
    )
    assert response.status_code == 422
    assert "Kies eerst één locatie" in response.text
    assert "hoogstens 4000 tekens" in response.text
