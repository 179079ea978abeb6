"""The referral form, the coordinator's inbox and dossier, the actions on a referral and possible duplicates,
through the HTML pages as a browser uses them."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import error_next_to, make_location
from tests.web.referrals_web_helpers import (
    backdate,
    browser,
    count_children,
    count_referrals,
    form_fields,
    make_cast,
    move,
    post,
    put_in_status,
    referral_in_db,
    submit_form,
    years_ago,
)


@pytest.fixture
def cast(test_settings):
    return make_cast(test_settings)


def count_in_nav(page: str, label: str) -> int:
    match = re.search(rf'>{label} <span class="count">(\d+)</span>', page)
    assert match, f"geen telling voor {label}"
    return int(match.group(1))


def listed_ids(page: str) -> list[str]:
    return re.findall(r'class="row-link" href="/aanmeldingen/([0-9a-f-]{36})"', page)


# --- the referral form ---------------------------------------------------------------------------


def test_form_with_one_mistake_keeps_everything_typed_and_shows_the_message_at_the_field(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    typed = form_fields(
        [cast.location_a],
        **{
            "guardian.phone": "06-1234",
            "child.date_of_birth": years_ago(7).isoformat(),
            "intended_start": years_ago(0, days=-30).isoformat(),
            "source": "social_team",
            "requested_weekdays": ["tue", "fri"],
        },
    )
    response = post(referrer, "/aanmeldingen/nieuw", typed)

    assert response.status_code == 422
    page = response.text
    assert 'class="error-summary"' in page
    assert "telefoonnummer" in error_next_to(page, "guardian.phone")
    assert page.count('class="error-message"') == 1
    for value in (
        "Noor",
        "Bakker",
        years_ago(7).isoformat(),
        years_ago(0, days=-30).isoformat(),
        "1325 ab",
        "Stedenwijk",
        "Basisschool De Regenboog",
        "Mirjam Bakker",
        "06-1234",
        "m.bakker@example.nl",
    ):
        assert f'value="{value}"' in page, value
    assert ">Wordt snel boos op het schoolplein en heeft weinig vriendjes.</textarea>" in page
    assert 'value="social_team" selected' in page
    assert re.search(r'value="tue" checked', page) and re.search(r'value="fri" checked', page)
    assert not re.search(r'value="mon" checked', page)
    assert f'value="{cast.location_a}" checked' in page
    assert f'value="{cast.location_b}" checked' not in page
    assert re.search(r'name="guardian_informed" value="on" checked', page)
    assert count_referrals(cast.settings) == 0


def test_a_good_referral_is_stored_and_the_confirmation_says_what_happens_next(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    referral_id = submit_form(referrer, [cast.location_a], **{"guardian.phone": "06 12345678"})

    stored = referral_in_db(cast.settings, referral_id)
    assert stored is not None
    assert stored.status == "submitted"
    assert stored.child.given_name == "Noor"
    assert stored.child.postcode == "1325 AB"
    assert stored.guardian_phone == "+31612345678"
    assert stored.requested_weekdays == ["mon", "thu"]
    assert stored.location_ids == [cast.location_a]

    confirmation = referrer.get(f"/aanmeldingen/{referral_id}/verstuurd")
    assert confirmation.status_code == 200
    text = confirmation.text
    assert "Noor B." in text
    assert "binnen een paar werkdagen" in text
    assert "intakegesprek" in text
    assert "intrekken" in text
    assert f'href="/aanmeldingen/{referral_id}"' in text


def test_a_referrers_source_is_preselected_with_their_organisation_type(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_b)  # works at the GGD
    page = referrer.get("/aanmeldingen/nieuw").text
    assert 'value="ggd" selected' in page


def test_unticked_guardian_informed_gets_its_message_and_stores_nothing(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    response = post(referrer, "/aanmeldingen/nieuw", form_fields(guardian_informed=None))
    assert response.status_code == 422
    assert "buiten de ouders om" in error_next_to(response.text, "guardian_informed")
    assert count_referrals(cast.settings) == 0


def test_a_child_too_young_for_the_locations_gets_a_message_at_the_date_of_birth(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    response = post(referrer, "/aanmeldingen/nieuw", form_fields(**{"child.date_of_birth": years_ago(2).isoformat()}))
    assert response.status_code == 422
    assert "4 tot en met 12 jaar" in error_next_to(response.text, "child.date_of_birth")
    assert count_referrals(cast.settings) == 0


def test_the_form_offers_weekend_days_only_when_a_location_has_seats_then(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    assert 'value="sat"' not in referrer.get("/aanmeldingen/nieuw").text
    make_location(cast.settings, "Huiskamer Weekend", seats={"sat": 12})
    page = referrer.get("/aanmeldingen/nieuw").text
    assert 'value="sat"' in page
    assert 'value="sun"' not in page


def test_a_coordinator_must_choose_one_of_their_own_locations(cast, make_client):
    coordinator = browser(make_client, cast.settings, cast.coordinator_a)
    page = coordinator.get("/aanmeldingen/nieuw").text
    assert f'value="{cast.location_a}"' in page
    assert f'value="{cast.location_b}"' not in page  # only their own to choose from
    response = post(coordinator, "/aanmeldingen/nieuw", form_fields([cast.location_b]))
    assert response.status_code == 422
    assert "eigen locaties" in error_next_to(response.text, "preferred_location_ids")
    # "No preference" could send it to another location's inbox, out of the coordinator's own sight.
    response = post(coordinator, "/aanmeldingen/nieuw", form_fields([], **{"child.neighbourhood": "Kruidenwijk"}))
    assert response.status_code == 422
    assert "eigen locaties" in error_next_to(response.text, "preferred_location_ids")
    assert count_referrals(cast.settings) == 0
    assert submit_form(coordinator, [cast.location_a])


hostile_value = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "<script>alert(1)</script>",
            "x" * 5000,
            "\x00\x1b",
            "2026-02-30",
            "mon",
            "on",
            "😀" * 40,
            "9999-12-31",
            "1-1-1900",
            "+",
            "06",
        ]
    ),
    st.lists(st.sampled_from(["mon", "sat", "x", "", "<b>"]), max_size=3),
)


def test_hostile_input_in_the_referral_form_never_breaks_it(cast, make_client):
    """Nonsense in any field gives the form back with messages (or stores a clean referral), never a 500."""
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    fields = [*form_fields(), "other", "child", "guardian"]

    @settings(max_examples=30, deadline=None)
    @given(form=st.dictionaries(st.sampled_from(fields), hostile_value, max_size=12))
    def check(form) -> None:
        before = count_referrals(cast.settings)
        response = post(referrer, "/aanmeldingen/nieuw", {**form_fields([cast.location_a]), **form})
        assert response.status_code in (303, 422), response.text[:500]
        assert "<script>alert(1)</script>" not in response.text
        if response.status_code == 422:
            assert 'class="error-summary"' in response.text
            assert count_referrals(cast.settings) == before

    check()


# --- who may see what ----------------------------------------------------------------------------


def test_html_typed_in_a_name_is_shown_as_text_never_as_markup(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    referral_id = submit_form(
        referrer,
        [cast.location_a],
        **{"child.given_name": "<script>alert(1)</script>", "child.family_name": "<b>Vet</b>"},
    )
    coordinator = browser(make_client, cast.settings, cast.coordinator_a)
    pages = {
        "inbox": coordinator.get("/aanmeldingen").text,
        "dossier": coordinator.get(f"/aanmeldingen/{referral_id}").text,
        "coordinator start": coordinator.get("/").text,
        "referrer start": referrer.get("/").text,
        "referrer page": referrer.get(f"/aanmeldingen/{referral_id}").text,
    }
    for where, page in pages.items():
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, where
        assert "<script>alert(1)" not in page, where
        assert "<b>Vet</b>" not in page and "<b>V" not in page, where


@pytest.mark.parametrize("who", ["youth_worker_a", "admin"])
def test_youth_workers_and_beheerders_get_403_on_referral_pages(cast, make_client, who):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    referral_id = submit_form(referrer, [cast.location_a])
    other = browser(make_client, cast.settings, getattr(cast, who))
    for path in ("/aanmeldingen", "/aanmeldingen/nieuw", f"/aanmeldingen/{referral_id}"):
        assert other.get(path, follow_redirects=False).status_code == 403, path
    assert post(other, "/aanmeldingen/nieuw", form_fields([cast.location_a])).status_code == 403
    assert move(other, referral_id, "in_review").status_code == 403
    assert post(other, f"/aanmeldingen/{referral_id}/berichten", {"text": "Hallo"}).status_code == 403
    assert referral_in_db(cast.settings, referral_id).status == "submitted"
    assert 'href="/aanmeldingen"' not in other.get("/").text


def test_coordinator_of_another_location_gets_404_and_does_not_list_it(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    referral_id = submit_form(referrer, [cast.location_a])
    coordinator_b = browser(make_client, cast.settings, cast.coordinator_b)

    assert referral_id not in coordinator_b.get("/aanmeldingen?status=alle").text
    assert referral_id not in coordinator_b.get("/").text
    assert coordinator_b.get(f"/aanmeldingen/{referral_id}").status_code == 404
    assert coordinator_b.get(f"/aanmeldingen/{referral_id}/verstuurd").status_code == 404
    assert move(coordinator_b, referral_id, "in_review").status_code == 404
    assert post(coordinator_b, f"/aanmeldingen/{referral_id}/berichten", {"text": "Hallo"}).status_code == 404
    assert post(coordinator_b, f"/aanmeldingen/{referral_id}/dubbel/ander-kind", {}).status_code == 404
    assert referral_in_db(cast.settings, referral_id).status == "submitted"

    coordinator_a = browser(make_client, cast.settings, cast.coordinator_a)
    assert listed_ids(coordinator_a.get("/aanmeldingen").text) == [referral_id]


# --- the inbox -----------------------------------------------------------------------------------


def test_the_inbox_puts_the_longest_waiting_first_with_age_neighbourhood_and_source(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    newest = submit_form(referrer, [cast.location_a], **{"child.given_name": "Sem"})
    oldest = submit_form(
        referrer,
        [cast.location_a],
        **{"child.given_name": "Aya", "source": "police", "child.date_of_birth": years_ago(10).isoformat()},
    )
    backdate(cast.settings, oldest, 12)
    coordinator = browser(make_client, cast.settings, cast.coordinator_a)
    page = coordinator.get("/aanmeldingen").text
    assert listed_ids(page) == [oldest, newest]
    row = page[page.index(oldest) : page.index(newest)]
    assert "Aya Bakker" in row
    assert "10 jaar" in row
    assert "Stedenwijk" in row
    assert "politie (wijkagent)" in row
    assert "12 dagen" in row


def test_counts_per_status_match_and_the_filters_work(cast, make_client):
    referrer_a = browser(make_client, cast.settings, cast.referrer_a)
    referrer_b = browser(make_client, cast.settings, cast.referrer_b)
    submitted = submit_form(referrer_a, [cast.location_a], **{"child.given_name": "Sem"})
    reviewed = submit_form(referrer_b, [cast.location_a], **{"child.given_name": "Aya", "source": "ggd"})
    rejected = submit_form(referrer_a, [cast.location_a], **{"child.given_name": "Daan"})
    backdate(cast.settings, rejected, 40)
    submit_form(referrer_a, [cast.location_b], **{"child.given_name": "Lina"})  # not for this coordinator
    coordinator = browser(make_client, cast.settings, cast.coordinator_a)
    assert move(coordinator, reviewed, "in_review").status_code == 303
    assert move(coordinator, rejected, "rejected", reason_code="outside_area").status_code == 303

    page = coordinator.get("/aanmeldingen").text
    assert sorted(listed_ids(page)) == sorted([submitted, reviewed])  # open is the default
    assert count_in_nav(page, "Open") == 2
    assert count_in_nav(page, "Ingediend") == 1
    assert count_in_nav(page, "In behandeling") == 1
    assert count_in_nav(page, "Afgewezen") == 1
    assert count_in_nav(page, "Alle") == 3

    assert listed_ids(coordinator.get("/aanmeldingen?status=rejected").text) == [rejected]
    assert sorted(listed_ids(coordinator.get("/aanmeldingen?status=alle").text)) == sorted(
        [submitted, reviewed, rejected]
    )
    assert listed_ids(coordinator.get("/aanmeldingen?status=alle&bron=ggd").text) == [reviewed]
    old = (years_ago(0, days=30)).isoformat()
    assert listed_ids(coordinator.get(f"/aanmeldingen?status=alle&tot={old}").text) == [rejected]
    assert rejected not in listed_ids(coordinator.get(f"/aanmeldingen?status=alle&van={old}").text)
    assert listed_ids(coordinator.get(f"/aanmeldingen?status=alle&locatie={cast.location_a}").text)


def test_wrong_filters_get_a_message_and_never_an_error(cast, make_client):
    coordinator = browser(make_client, cast.settings, cast.coordinator_a)
    response = coordinator.get(
        f"/aanmeldingen?status=kapot&locatie={cast.location_b}&bron=x&van=2026-02-30&tot=gisteren&pagina=-1"
    )
    assert response.status_code == 422
    assert "Kies een status" in error_next_to(response.text, "status")
    assert "eigen locaties" in response.text  # location B is not theirs
    assert "geen geldige datum" in error_next_to(response.text, "van")


def test_filtering_with_htmx_returns_only_the_table(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    referral_id = submit_form(referrer, [cast.location_a])
    coordinator = browser(make_client, cast.settings, cast.coordinator_a)
    fragment = coordinator.get("/aanmeldingen?status=submitted", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and "<table" in fragment.text
    assert referral_id in fragment.text
    assert "HX-Request" in fragment.headers["vary"]
    boosted = coordinator.get("/aanmeldingen", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.text


def test_the_inbox_has_pages_of_fifty(cast, make_client):
    coordinator = browser(make_client, cast.settings, cast.coordinator_a)
    for n in range(51):
        submit_form(coordinator, [cast.location_a], **{"child.given_name": f"Kind{n}"})
    first = coordinator.get("/aanmeldingen").text
    assert len(listed_ids(first)) == 50
    assert 'rel="next"' in first
    second = coordinator.get("/aanmeldingen?status=open&pagina=2").text
    assert len(listed_ids(second)) == 1
    assert not set(listed_ids(second)) & set(listed_ids(first))


def test_a_referrer_going_to_the_inbox_lands_on_their_own_list(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    response = referrer.get("/aanmeldingen", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


# --- the dossier and its actions ----------------------------------------------------------------


def test_the_dossier_shows_everything_to_the_coordinator(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    referral_id = submit_form(referrer, [cast.location_a])
    coordinator = browser(make_client, cast.settings, cast.coordinator_a)
    page = html.unescape(coordinator.get(f"/aanmeldingen/{referral_id}").text)
    for expected in (
        "Noor Bakker",
        "(8 jaar)",
        "1325 AB",
        "Stedenwijk",
        "Basisschool De Regenboog",
        "Mirjam Bakker",
        'href="tel:+31612345678"',
        "06 12345678",
        "m.bakker@example.nl",
        "Marieke Smit",
        "De Regenboog",
        "Wordt snel boos op het schoolplein",
        "maandag, donderdag",
        "Huiskamer De Vaart",
        "In behandeling nemen",
        "Afwijzen",
    ):
        assert expected in page, expected


def test_coordinator_actions_move_the_status_and_the_history_says_who_when_and_why(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    referral_id = submit_form(referrer, [cast.location_a])
    coordinator = browser(make_client, cast.settings, cast.coordinator_a)

    reviewed = move(coordinator, referral_id, "in_review")
    assert reviewed.status_code == 303
    assert reviewed.headers["location"] == f"/aanmeldingen/{referral_id}"
    assert "in behandeling" in coordinator.get(reviewed.headers["location"]).text

    planned = move(coordinator, referral_id, "intake_planned", planned_at="2030-09-01T15:30")
    assert planned.status_code == 303
    stored = referral_in_db(cast.settings, referral_id)
    assert stored.status == "intake_planned"
    assert stored.intake_planned_at.isoformat().startswith("2030-09-01T13:30")  # Amsterdam summer time is UTC+2

    page = html.unescape(coordinator.get(f"/aanmeldingen/{referral_id}").text)
    assert "zondag 1 september 2030 om 15:30" in page
    assert "Intake verzetten" in page
    # Rescheduling starts from the planned time, shown beside the field.
    assert "Nu gepland: <strong>zondag 1 september 2030 om 15:30</strong>" in page
    assert 'value="2030-09-01T15:30"' in page
    assert "Fatima el Amrani (coördinator)" in page

    rejected = move(
        coordinator,
        referral_id,
        "rejected",
        reason_code="needs_specialist_care",
        reason="Hulp van jeugd-ggz past beter.",
    )
    assert rejected.status_code == 303
    page = html.unescape(coordinator.get(f"/aanmeldingen/{referral_id}").text)
    assert "Reden: specialistische zorg nodig: Hulp van jeugd-ggz past beter." in page
    assert "de status kan niet meer veranderen" in page
    assert "Afwijzen</summary>" not in page


def test_an_action_with_a_missing_field_shows_the_message_next_to_it(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    referral_id = submit_form(referrer, [cast.location_a])
    coordinator = browser(make_client, cast.settings, cast.coordinator_a)
    response = move(coordinator, referral_id, "rejected", reason_code="other", reason="")
    assert response.status_code == 422
    assert "anders" in error_next_to(response.text, "rejected.reason")
    assert re.search(r'<details class="action" open>\s*<summary>Afwijzen', response.text)
    assert 'value="other" selected' in response.text

    move(coordinator, referral_id, "in_review")
    response = move(coordinator, referral_id, "intake_planned", planned_at="")
    assert response.status_code == 422
    assert "datum en tijd" in error_next_to(response.text, "intake_planned.planned_at")
    assert referral_in_db(cast.settings, referral_id).status == "in_review"


def test_a_refused_move_shows_the_reason_on_the_page_never_an_error(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    referral_id = submit_form(referrer, [cast.location_a])
    coordinator = browser(make_client, cast.settings, cast.coordinator_a)

    response = move(coordinator, referral_id, "intake_planned", planned_at="2030-09-01T15:30")
    assert response.status_code == 409
    assert "Van ‘ingediend’" in html.unescape(response.text) or "Van 'ingediend'" in html.unescape(response.text)
    assert "notice-error" in response.text
    assert "Noor Bakker" in response.text  # the dossier itself, with the message on it
    assert response.headers["hx-push-url"] == f"/aanmeldingen/{referral_id}"  # a reload shows the dossier

    response = move(coordinator, referral_id, "nonsense")
    assert response.status_code == 422
    put_in_status(cast.settings, referral_id, "withdrawn")
    response = move(coordinator, referral_id, "rejected", reason_code="duplicate")
    assert response.status_code == 409
    assert "ingetrokken" in response.text
    assert referral_in_db(cast.settings, referral_id).status == "withdrawn"


# --- possible duplicates -------------------------------------------------------------------------


def _two_referrals_for_one_child(cast, make_client):
    referrer_a = browser(make_client, cast.settings, cast.referrer_a)
    referrer_b = browser(make_client, cast.settings, cast.referrer_b)
    first = submit_form(referrer_a, [cast.location_a])
    second = submit_form(referrer_b, [cast.location_a], **{"child.given_name": "noor", "child.family_name": "BAKKER"})
    return referrer_a, referrer_b, first, second


def test_two_referrals_for_the_same_name_and_birthday_both_say_possible_duplicate(cast, make_client):
    referrer_a, referrer_b, first, second = _two_referrals_for_one_child(cast, make_client)
    coordinator = browser(make_client, cast.settings, cast.coordinator_a)
    assert coordinator.get("/aanmeldingen").text.count("mogelijk dubbel") == 2
    for this, other in ((first, second), (second, first)):
        page = coordinator.get(f"/aanmeldingen/{this}").text
        assert "Mogelijk dubbel" in page
        assert f'href="/aanmeldingen/{other}"' in page
        for action in ("Koppelen aan hetzelfde kind", "Afwijzen als dubbele aanmelding", "Geen dubbel: ander kind"):
            assert action in page
    for referrer, referral_id in ((referrer_a, first), (referrer_b, second)):
        for page in (referrer.get("/").text, referrer.get(f"/aanmeldingen/{referral_id}").text):
            assert "dubbel" not in page.lower()


def test_linking_puts_both_referrals_on_one_child(cast, make_client):
    _, _, first, second = _two_referrals_for_one_child(cast, make_client)
    coordinator = browser(make_client, cast.settings, cast.coordinator_a)
    response = post(coordinator, f"/aanmeldingen/{second}/dubbel/koppelen", {"other_referral_id": first})
    assert response.status_code == 303
    assert referral_in_db(cast.settings, second).child_id == referral_in_db(cast.settings, first).child_id
    assert count_children(cast.settings) == 1
    page = coordinator.get(f"/aanmeldingen/{second}").text
    assert "Mogelijk dubbel" not in page
    assert "Andere aanmeldingen van dit kind" in page
    assert f'href="/aanmeldingen/{first}"' in page


def test_rejecting_as_duplicate_rejects_the_new_one_and_links_it(cast, make_client):
    _referrer_a, referrer_b, first, second = _two_referrals_for_one_child(cast, make_client)
    coordinator = browser(make_client, cast.settings, cast.coordinator_a)
    response = post(coordinator, f"/aanmeldingen/{second}/dubbel/afwijzen", {"other_referral_id": first})
    assert response.status_code == 303
    assert referral_in_db(cast.settings, second).status == "rejected"
    assert referral_in_db(cast.settings, first).status == "submitted"
    assert count_children(cast.settings) == 1
    assert "dubbele aanmelding" in html.unescape(coordinator.get(f"/aanmeldingen/{second}").text)
    referrer_page = referrer_b.get(f"/aanmeldingen/{second}").text
    assert "Afgewezen" in referrer_page
    assert "dubbel" not in referrer_page.lower()


def test_rejecting_as_duplicate_when_rejecting_is_no_longer_possible_changes_nothing(cast, make_client):
    _, _, first, second = _two_referrals_for_one_child(cast, make_client)
    put_in_status(cast.settings, second, "waitlisted")
    coordinator = browser(make_client, cast.settings, cast.coordinator_a)
    assert "Afwijzen als dubbele aanmelding" not in coordinator.get(f"/aanmeldingen/{second}").text
    response = post(coordinator, f"/aanmeldingen/{second}/dubbel/afwijzen", {"other_referral_id": first})
    assert response.status_code == 409
    assert "notice-error" in response.text
    assert referral_in_db(cast.settings, second).status == "waitlisted"
    assert count_children(cast.settings) == 2  # the link was undone with the refused move


def test_marking_a_different_child_ends_the_possible_duplicate_on_both(cast, make_client):
    _, _, first, second = _two_referrals_for_one_child(cast, make_client)
    coordinator = browser(make_client, cast.settings, cast.coordinator_a)
    assert post(coordinator, f"/aanmeldingen/{second}/dubbel/ander-kind", {}).status_code == 303
    for referral_id in (first, second):
        assert "Mogelijk dubbel" not in coordinator.get(f"/aanmeldingen/{referral_id}").text
    assert "mogelijk dubbel" not in coordinator.get("/aanmeldingen").text
    assert count_children(cast.settings) == 2


def test_a_duplicate_action_with_a_made_up_other_referral_is_not_found(cast, make_client):
    _, _, _, second = _two_referrals_for_one_child(cast, make_client)
    coordinator = browser(make_client, cast.settings, cast.coordinator_a)
    for other in ("geen-id", "00000000-0000-0000-0000-000000000001", ""):
        response = post(coordinator, f"/aanmeldingen/{second}/dubbel/koppelen", {"other_referral_id": other})
        assert response.status_code == 404, other


def test_the_coordinators_start_page_shows_the_new_referrals(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    referral_id = submit_form(referrer, [cast.location_a])
    coordinator = browser(make_client, cast.settings, cast.coordinator_a)
    page = coordinator.get("/").text
    assert f'href="/aanmeldingen/{referral_id}"' in page
    assert re.search(r'<span class="figure">1</span> ingediend', page)


def test_the_inbox_shows_what_waits_for_the_coordinator_not_the_children_already_on_the_waitlist(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    waiting = submit_form(referrer, [cast.location_a], **{"child.given_name": "Ilse"})
    on_the_waitlist = submit_form(referrer, [cast.location_a], **{"child.given_name": "Wessel"})
    placed = submit_form(referrer, [cast.location_a], **{"child.given_name": "Pim"})
    put_in_status(cast.settings, on_the_waitlist, "waitlisted")
    put_in_status(cast.settings, placed, "placed")
    coordinator = browser(make_client, cast.settings, cast.coordinator_a)

    assert listed_ids(coordinator.get("/aanmeldingen").text) == [waiting]
    assert set(listed_ids(coordinator.get("/aanmeldingen?status=alle").text)) == {waiting, on_the_waitlist, placed}
