"""The intake form: the coordinator records the conversation with parent and child, and the child goes on the
waitlist. One mistake keeps everything typed; a good intake shows the child on the waitlist with its explanation;
other people cannot reach the form; the referrer never sees what was said."""

from __future__ import annotations

import re
from datetime import timedelta
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from huiskamer.intake.models import Intake
from huiskamer.site.templating import today
from tests.factories import api, in_session, login_as, post_form
from tests.web.waitlist_helpers import (
    as_coordinator_a,
    intake_by_api,
    make_cast,
    referral_in_review,
    status_of,
    text_of,
)


def intake_form(cast, **changes):
    """The form as a coordinator fills it in: own words, a ticked goal, high urgency, days and locations."""
    data = {
        "held_on": (today() - timedelta(days=12)).isoformat(),
        "goal_own_1": "Niet meer zo boos worden als ik verlies",
        "goal_own_1_code": "anger",
        "goal_codes": ["friends"],
        "urgency": "high",
        "urgency_reason": "Thuis is het erg onrustig; school maakt zich zorgen.",
        "requested_weekdays": ["mon", "tue", "thu"],
        "minimum_days": "2",
        "preference_1": str(cast.a),
        "preference_2": str(cast.b),
        "collection_persons": "M. Bakker (moeder)\nopa Bakker",
        "not_allowed_collectors": "P. Bakker (vader)",
        "allergies": "Pinda's",
        "safety_notes": "Vader mag het kind niet ophalen.",
        "consent_data_processing": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def field_block(html: str, field_id: str) -> str:
    """The form field around the element with this id: its label, hint, message and input."""
    start = html.index(f'id="{field_id}"')
    begin = html.rindex('<div class="field', 0, start)
    return html[begin : html.index("</div>", start) + 6]


def intakes(settings) -> int:
    return in_session(settings, lambda s: s.scalar(select(func.count()).select_from(Intake)))


def test_the_form_offers_the_catalogue_and_starts_from_what_the_referrer_asked(test_settings, client):
    cast = make_cast(test_settings)
    rid = referral_in_review(client, cast, "Noor")
    as_coordinator_a(client, cast)
    page = client.get(f"/aanmeldingen/{rid}/intake")
    assert page.status_code == 200
    assert "Wat wil je bij ons leren?" in page.text
    assert "Minder snel boos worden" in page.text and "Omgaan met geld" in page.text
    first_choice = field_block(page.text, "veld-preference_1")
    assert re.search(rf'<option value="{cast.a}" selected>', first_choice)
    assert 'value="mon" checked' in page.text and 'value="wed" checked' not in page.text
    assert f'value="{today().isoformat()}"' in page.text


def test_the_form_starts_on_the_day_the_intake_was_planned(test_settings, client):
    from datetime import datetime

    from huiskamer.referrals.models import Referral
    from huiskamer.site.templating import AMSTERDAM

    cast = make_cast(test_settings)
    rid = referral_in_review(client, cast, "Noor")
    planned_on = today() - timedelta(days=3)

    async def planned_days_ago(session):
        referral = await session.get(Referral, UUID(rid))
        referral.status = "intake_planned"
        referral.intake_planned_at = datetime(planned_on.year, planned_on.month, planned_on.day, 15, tzinfo=AMSTERDAM)

    in_session(test_settings, planned_days_ago)
    as_coordinator_a(client, cast)
    held_on = field_block(client.get(f"/aanmeldingen/{rid}/intake").text, "veld-held_on")
    assert f'value="{planned_on.isoformat()}"' in held_on


def test_one_mistake_keeps_everything_typed_and_puts_the_message_next_to_its_field(test_settings, client):
    cast = make_cast(test_settings)
    rid = referral_in_review(client, cast, "Noor")
    as_coordinator_a(client, cast)
    response = post_form(client, f"/aanmeldingen/{rid}/intake", intake_form(cast, urgency_reason=""))
    assert response.status_code == 422
    html = response.text
    reason = field_block(html, "veld-urgency_reason")
    assert "Licht toe waarom de urgentie hoger is dan normaal." in reason
    assert 'aria-invalid="true"' in reason
    assert "Controleer dit veld" in html  # the summary at the top, with one message
    # Everything else is still as typed.
    assert 'value="Niet meer zo boos worden als ik verlies"' in html
    assert re.search(r'<option value="anger" selected>', field_block(html, "veld-goal_own_1_code"))
    assert re.search(r'value="friends" checked', html)
    assert 'id="veld-urgency-high" name="urgency" value="high" checked' in html
    assert 'value="thu" checked' in html and 'value="wed" checked' not in html
    assert 'value="2"' in field_block(html, "veld-minimum_days")
    assert re.search(rf'<option value="{cast.b}" selected>', field_block(html, "veld-preference_2"))
    assert "M. Bakker (moeder)\nopa Bakker</textarea>" in html
    assert "P. Bakker (vader)</textarea>" in html
    assert "Pinda&#39;s</textarea>" in html
    assert "Vader mag het kind niet ophalen.</textarea>" in html
    assert 'name="consent_data_processing" value="on" checked' in html
    # Nothing was stored.
    assert intakes(test_settings) == 0
    assert status_of(client, cast, rid) == "in_review"


def test_someone_on_both_lists_of_who_may_collect_the_child_is_refused_at_the_not_allowed_list(test_settings, client):
    cast = make_cast(test_settings)
    rid = referral_in_review(client, cast, "Noor")
    as_coordinator_a(client, cast)
    form = intake_form(cast, not_allowed_collectors="opa bakker\nP. Bakker (vader)")
    response = post_form(client, f"/aanmeldingen/{rid}/intake", form)
    assert response.status_code == 422
    block = field_block(response.text, "veld-not_allowed_collectors")
    assert "Iemand kan niet op beide lijsten staan" in block and "opa bakker\nP. Bakker (vader)</textarea>" in block
    assert intakes(test_settings) == 0


def test_missing_goals_and_consent_are_each_reported_at_their_own_field(test_settings, client):
    cast = make_cast(test_settings)
    rid = referral_in_review(client, cast, "Noor")
    as_coordinator_a(client, cast)
    data = intake_form(cast, goal_own_1="", goal_own_1_code="", goal_codes=None, consent_data_processing=None)
    response = post_form(client, f"/aanmeldingen/{rid}/intake", data)
    assert response.status_code == 422
    start = response.text.index('id="veld-goals"')
    goals = response.text[start : response.text.index("</fieldset>", start)]
    assert "Leg minstens één doel vast" in goals
    consent = response.text[response.text.index('class="field checkbox field-error"') :]
    assert consent.index("Zonder toestemming") < consent.index('name="consent_data_processing"')
    assert intakes(test_settings) == 0


def test_a_good_intake_puts_the_child_on_the_waitlist_with_its_explanation(test_settings, client):
    cast = make_cast(test_settings)
    rid = referral_in_review(client, cast, "Noor")
    as_coordinator_a(client, cast)
    response = post_form(client, f"/aanmeldingen/{rid}/intake", intake_form(cast))
    assert response.status_code == 303
    assert response.headers["location"] == f"/locaties/{cast.a}/wachtlijst"
    page = client.get(response.headers["location"])
    assert "Noor Bakker staat op de wachtlijst van Huiskamer Anemoon en Huiskamer Berk" in page.text
    row = text_of(page.text[page.text.index("Noor Bakker</a>") - 200 :])
    assert "Wacht 12 dagen · urgentie hoog telt als 90 dagen · woont in de wijk: 14 dagen" in row
    assert status_of(client, cast, rid) == "waitlisted"
    body = client.get(f"/api/v1/referrals/{rid}", headers=api(client, cast.token_a)).json()
    assert body["intake"]["urgency"] == "high"
    assert body["location_ids"] == [str(cast.a), str(cast.b)]

    async def stored(session):
        intake = await session.scalar(select(Intake).where(Intake.referral_id == UUID(rid)))
        return (
            [(g.code, g.description) for g in intake.goals],
            intake.collection_persons,
            intake.minimum_days,
            intake.held_on,
            intake.not_allowed_collectors,
        )

    goals_, persons, minimum, held_on, not_allowed = in_session(test_settings, stored)
    assert goals_ == [("anger", "Niet meer zo boos worden als ik verlies"), ("friends", "Vriendjes maken")]
    assert persons == ["M. Bakker (moeder)", "opa Bakker"]
    assert not_allowed == ["P. Bakker (vader)"] == body["intake"]["not_allowed_collectors"]
    assert minimum == 2
    assert held_on == today() - timedelta(days=12)


# Choosing brothers and sisters (suggested, searched, kept when the form comes back): test_sibling_picker.py.


def test_a_sibling_out_of_scope_is_refused_next_to_the_siblings(test_settings, client):
    cast = make_cast(test_settings)
    elsewhere = referral_in_review(client, cast, "Tim", "Bakker", location=cast.b)
    rid = referral_in_review(client, cast, "Noor", "Bakker")
    as_coordinator_a(client, cast)
    response = post_form(client, f"/aanmeldingen/{rid}/intake", intake_form(cast, sibling_1=elsewhere))
    assert response.status_code == 422
    siblings = response.text[response.text.index('id="veld-siblings"') :]
    assert siblings.index("Een gekozen broer of zus is niet gevonden.") < siblings.index("</fieldset>")
    assert intakes(test_settings) == 0


def test_an_intake_cannot_be_held_again_once_the_child_waits(test_settings, client):
    cast = make_cast(test_settings)
    rid = referral_in_review(client, cast, "Noor")
    intake_by_api(client, cast, rid)
    as_coordinator_a(client, cast)
    page = client.get(f"/aanmeldingen/{rid}/intake")
    assert page.status_code == 200
    assert "Het intakegesprek is vastgelegd op" in page.text
    assert 'name="urgency"' not in page.text
    response = post_form(client, f"/aanmeldingen/{rid}/intake", intake_form(cast), form_page=f"/aanmeldingen/{rid}")
    assert response.status_code == 409
    assert "Een intakegesprek kan worden vastgelegd als" in response.text


def test_a_coordinator_of_another_location_gets_404(test_settings, client):
    cast = make_cast(test_settings)
    rid = referral_in_review(client, cast, "Noor")
    login_as(test_settings, client, cast.coordinator_b)
    assert client.get(f"/aanmeldingen/{rid}/intake").status_code == 404
    response = post_form(client, f"/aanmeldingen/{rid}/intake", intake_form(cast), form_page="/")
    assert response.status_code == 404
    assert intakes(test_settings) == 0


def test_youth_workers_and_referrers_get_403(test_settings, client, make_client):
    cast = make_cast(test_settings)
    rid = referral_in_review(client, cast, "Noor")
    for person in (cast.youth_worker_a, cast.referrer):
        browser = login_as(test_settings, make_client(), person)
        assert browser.get(f"/aanmeldingen/{rid}/intake").status_code == 403
        assert post_form(browser, f"/aanmeldingen/{rid}/intake", intake_form(cast), form_page="/").status_code == 403
    assert intakes(test_settings) == 0


def test_the_referrer_sees_nothing_of_the_intake(test_settings, client, make_client):
    cast = make_cast(test_settings)
    rid = referral_in_review(client, cast, "Noor")
    as_coordinator_a(client, cast)
    assert post_form(client, f"/aanmeldingen/{rid}/intake", intake_form(cast)).status_code == 303
    body = client.get(f"/api/v1/referrals/{rid}", headers=api(client, cast.token_referrer)).json()
    assert body["status"] == "waitlisted"
    assert "intake" not in body
    referrer = login_as(test_settings, make_client(), cast.referrer)
    page = referrer.get(f"/aanmeldingen/{rid}")
    assert page.status_code == 200
    for secret in ("boos worden als ik verlies", "Vriendjes maken", "onrustig", "Pinda", "opa Bakker", "niet ophalen"):
        assert secret not in page.text, secret
        assert secret not in str(body), secret


INTAKE_FIELDS = [
    "held_on",
    "goal_own_1",
    "goal_own_1_code",
    "goal_own_2",
    "goal_codes",
    "urgency",
    "urgency_reason",
    "requested_weekdays",
    "minimum_days",
    "preference_1",
    "preference_2",
    "sibling_1",
    "collection_persons",
    "not_allowed_collectors",
    "allergies",
    "safety_notes",
    "consent_data_processing",
]
hostile = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "on",
            "mon",
            "high",
            "anger",
            "2026-02-30",
            "31-12-2099",
            "<script>alert(1)</script>",
            "x" * 5000,
            "\x00",
            "-3",
            "99",
            str(UUID(int=9)),
        ]
    ),
)


def test_nonsense_in_the_intake_form_gives_messages_never_a_500_and_stores_nothing(test_settings, client):
    cast = make_cast(test_settings)
    rid = referral_in_review(client, cast, "Noor")
    as_coordinator_a(client, cast)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', client.get(f"/aanmeldingen/{rid}/intake").text).group(1)

    @settings(max_examples=30, deadline=None)
    @given(form=st.dictionaries(st.sampled_from(INTAKE_FIELDS), st.one_of(hostile, st.lists(hostile, max_size=3))))
    def check(form) -> None:
        response = client.post(
            f"/aanmeldingen/{rid}/intake", data={**form, "_csrf_token": token}, follow_redirects=False
        )
        assert response.status_code == 422, (form, response.status_code, response.text[:300])
        assert "error-summary" in response.text
        assert "<script>alert(1)</script>" not in response.text

    check()
    assert intakes(test_settings) == 0
    assert status_of(client, cast, rid) == "in_review"
