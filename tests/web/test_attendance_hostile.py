"""Nonsense on every form and endpoint of the day list, the concerns and the settings, with real ids in the path
and as the people who may use them (a youth worker, a coordinator, the beheerder): never a 500, a message per
field when it is bad input, and nothing of the nonsense comes back unescaped."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huiskamer.attendance.schemas import ROW_FIELDS
from huiskamer.site.templating import short_id, today
from tests.attendance_helpers import Cast, days_back, make_cast, signed_in
from tests.factories import api, csrf_token
from tests.web import test_hostile_input as hostile

FIELDS = [
    "mark",
    "pickup",
    "times",
    "confirm",
    "tap_id",
    "tapped_at",
    "kind",
    "step",
    "done_on",
    "status",
    "absence_reason",
    "absence_note",
    "arrived_at",
    "left_at",
    "collected_by",
    "collected_by_other",
    "text",
    "note",
    "referral_id",
    "location_id",
    "datum",
    "unexcused_absence_threshold",
    "unexcused_absence_window_days",
    "evaluation_interval_months",
]
VALUES = st.one_of(
    hostile.hostile_text,
    st.sampled_from(["present", "absent_excused", "ill", "unknown", "nu", "12:30", "24:00", "7:5", "safeguarding"]),
)
form_bodies = st.dictionaries(
    st.one_of(st.sampled_from(FIELDS), hostile.hostile_text.filter(lambda s: 0 < len(s) < 50)),
    st.one_of(VALUES, st.lists(VALUES, max_size=3)),
    max_size=8,
)
json_bodies = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), st.one_of(VALUES, hostile.json_value), max_size=8), hostile.json_value
)


@pytest.fixture
def cast(test_settings) -> Cast:
    return make_cast(test_settings)


def test_the_day_list_forms_answer_nonsense_with_a_page_or_a_row_never_500(client, cast):
    child = cast.place(start=days_back(40))
    signed_in(cast.settings, client, cast.youth_worker_a)
    token = csrf_token(client, "/daglijst")
    days = [today(), days_back(2), today() + timedelta(days=3)]
    paths = [f"/locaties/{cast.a}/daglijst/{day}" for day in days]
    paths.append(f"/daglijst/{child.placement_id}/signaal")
    key = short_id(child.placement_id)
    # The list's buttons name the child in their value: nonsense after a real placement key, too.
    names = st.sampled_from(["mark", "pickup", "times", "confirm"])
    buttons = st.tuples(names, st.sampled_from(["", f"{key}:"]), VALUES)

    @settings(max_examples=30)
    @given(form=form_bodies, button=buttons, htmx=st.booleans())
    def check(form: dict[str, Any], button: tuple[str, str, str], htmx: bool) -> None:
        headers = {"HX-Request": "true", "x-csrftoken": token} if htmx else {}
        name, prefix, value = button
        form = {**form, name: prefix + value if isinstance(value, str) else value}
        for letter, row_field in ROW_FIELDS.items():
            if row_field in form:
                form[f"{letter}-{key}"] = form.pop(row_field)
        for path in paths:
            response = client.post(path, data={**form, "_csrf_token": token}, headers=headers, follow_redirects=False)
            assert response.status_code in (200, 204, 303, 409, 422), (
                path,
                form,
                response.status_code,
                response.text[:300],
            )
            assert "<script>alert(1)</script>" not in response.text
            if response.status_code == 422:
                assert "error-message" in response.text or "Niet opgeslagen" in response.text, (path, form)
        datum = form.get("datum") if isinstance(form.get("datum"), str) else "x"
        response = client.get(f"/locaties/{cast.a}/daglijst", params={"datum": datum}, follow_redirects=False)
        assert response.status_code in (200, 303, 422), (datum, response.status_code)

    check()


def test_the_concern_and_settings_forms_answer_nonsense_never_500(client, cast):
    child = cast.place()
    signed_in(cast.settings, client, cast.coordinator_a)
    token = csrf_token(client, "/signalen")
    raised = [
        client.post(
            "/api/v1/concerns",
            json={"referral_id": str(child.referral_id), "text": "Stil vandaag.", "kind": kind},
            headers=api(client, cast.token("youth_worker_a")),
        ).json()["id"]
        for kind in ("observation", "safeguarding")
    ]

    @settings(max_examples=30)
    @given(form=form_bodies)
    def check(form: dict[str, Any]) -> None:
        for concern in raised:
            for action in ("afhandelen", "stap"):
                response = client.post(
                    f"/signalen/{concern}/{action}", data={**form, "_csrf_token": token}, follow_redirects=False
                )
                assert response.status_code in (303, 409, 422), (form, response.status_code, response.text[:300])
                assert "<script>alert(1)</script>" not in response.text

    check()
    signed_in(cast.settings, client, cast.admin)
    token = csrf_token(client, "/beheer/instellingen")

    @settings(max_examples=30)
    @given(form=form_bodies)
    def check_settings(form: dict[str, Any]) -> None:
        response = client.post("/beheer/instellingen", data={**form, "_csrf_token": token}, follow_redirects=False)
        assert response.status_code in (303, 422), (form, response.status_code, response.text[:300])
        if response.status_code == 422:
            assert "error-message" in response.text

    check_settings()


def test_the_api_answers_nonsense_with_messages_never_500(client, cast):
    child = cast.place(start=days_back(40))
    days = [str(today()), str(days_back(2)), "2026-13-01", "gisteren"]
    concern = client.post(
        "/api/v1/concerns",
        json={"referral_id": str(child.referral_id), "text": "Stil vandaag."},
        headers=api(client, cast.token("youth_worker_a")),
    ).json()["id"]
    calls = [
        *(("PUT", f"/api/v1/locations/{cast.a}/attendance/{day}/{child.placement_id}") for day in days),
        ("POST", "/api/v1/concerns"),
        ("POST", f"/api/v1/concerns/{concern}/resolve"),
        ("POST", f"/api/v1/concerns/{concern}/steps"),
    ]
    tokens = [cast.token("youth_worker_a"), cast.token("coordinator_a")]

    @settings(max_examples=30)
    @given(body=json_bodies, raw=st.booleans())
    def check(body: Any, raw: bool) -> None:
        for method, path in calls:
            for token in tokens:
                if raw:
                    content = (json.dumps(body)[:-1] or "{") if body not in (None, "") else "geen json"
                    response = client.request(
                        method,
                        path,
                        content=content.encode(),
                        headers={**api(client, token), "content-type": "application/json"},
                    )
                else:
                    response = client.request(method, path, json=body, headers=api(client, token))
                hostile._check_api_answer(response, f"{method} {path}")

    check()
    for query in ("status=%00", "status=open&page=-1", "location_id=nee", "page=99999999999"):
        response = client.get(f"/api/v1/concerns?{query}", headers=api(client, cast.token("coordinator_a")))
        hostile._check_api_answer(response, query)
