"""One round of validation (issue 18 point 7): a form or an API body with a mistake of form in one field and a
broken rule in another gets both messages in one answer, each next to its own field, instead of the rule's message
only after the first mistake is fixed."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huiskamer.site.templating import today
from tests.factories import api, make_token
from tests.web.referral_helpers import errors_of, referral_body
from tests.web.referrals_web_helpers import browser, count_referrals, form_fields, make_cast, post, years_ago


@pytest.fixture
def cast(test_settings):
    return make_cast(test_settings)


def error_next_to(page: str, field: str) -> str:
    """The message shown inside the field's own block (the macros give it the id veld-<field>-fout)."""
    match = re.search(rf'id="veld-{re.escape(field.replace(".", "-"))}-fout">(.*?)</p>', page, re.S)
    assert match, f"geen foutmelding bij {field}"
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()


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
