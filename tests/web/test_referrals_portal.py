"""The referrers' portal: their own referrals with status, dates and an unread marker; the referral page with
the timeline, the messages and withdrawing; nothing of another referrer and nothing coordinator-only. And the
e-mail preference on the account page."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from uuid import UUID

import pytest

from huiskamer.auth.models import User
from huiskamer.site.templating import dutch_date, today
from tests.factories import in_session
from tests.web.referrals_web_helpers import (
    backdate,
    browser,
    count_messages,
    make_cast,
    move,
    post,
    put_in_status,
    referral_in_db,
    submit_form,
)


@pytest.fixture
def cast(test_settings):
    return make_cast(test_settings)


def listed_ids(page: str) -> list[str]:
    return re.findall(r'class="row-link" href="/aanmeldingen/([0-9a-f-]{36})"', page)


def row_of(page: str, referral_id: str) -> str:
    start = page.index(f'href="/aanmeldingen/{referral_id}"')
    return page[start : page.index("</tr>", start)]


def timeline(page: str) -> list[str]:
    return re.findall(r'<span class="timeline-status">(.*?)</span>', page)


def email_notifications(settings, user_id: UUID) -> bool:
    async def work(session) -> bool:
        user = await session.get(User, user_id)
        return user.email_notifications

    return in_session(settings, work)


# --- the start page ------------------------------------------------------------------------------


def test_the_start_page_lists_the_referrers_own_referrals_newest_first(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    older = submit_form(referrer, [cast.location_a], **{"child.given_name": "Sem", "child.family_name": "de Vries"})
    backdate(cast.settings, older, 3)
    newer = submit_form(referrer, [cast.location_a], **{"child.given_name": "Aya", "child.family_name": "El Idrissi"})
    other = browser(make_client, cast.settings, cast.referrer_b)
    theirs = submit_form(other, [cast.location_a], **{"child.given_name": "Daan"})

    page = referrer.get("/").text
    assert listed_ids(page) == [newer, older]
    assert theirs not in page
    assert "Nieuwe aanmelding" in page and 'href="/aanmeldingen/nieuw"' in page
    row = row_of(page, older)
    assert "Sem de V." in row
    assert "de Vries" not in row
    assert "ingediend" in row
    assert "Aya El I." in row_of(page, newer)


def test_the_start_page_filters_by_status(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    submitted = submit_form(referrer, [cast.location_a], **{"child.given_name": "Sem"})
    reviewed = submit_form(referrer, [cast.location_a], **{"child.given_name": "Aya"})
    coordinator = browser(make_client, cast.settings, cast.coordinator_a)
    move(coordinator, reviewed, "in_review")

    assert listed_ids(referrer.get("/?status=in_review").text) == [reviewed]
    assert listed_ids(referrer.get("/?status=submitted").text) == [submitted]
    assert len(listed_ids(referrer.get("/?status=onzin").text)) == 2
    page = referrer.get("/").text
    assert re.search(r'In behandeling <span class="count">1</span>', page)
    assert re.search(r'Alle <span class="count">2</span>', page)


def test_the_unread_marker_comes_with_a_change_or_message_and_goes_when_the_page_is_opened(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    referral_id = submit_form(referrer, [cast.location_a])
    assert "badge-new" not in row_of(referrer.get("/").text, referral_id)  # one's own new referral is no news

    coordinator = browser(make_client, cast.settings, cast.coordinator_a)
    assert move(coordinator, referral_id, "in_review").status_code == 303
    assert "nieuw" in row_of(referrer.get("/").text, referral_id)
    assert referrer.get(f"/aanmeldingen/{referral_id}").status_code == 200
    assert "badge-new" not in row_of(referrer.get("/").text, referral_id)

    assert post(coordinator, f"/aanmeldingen/{referral_id}/berichten", {"text": "Ik bel de ouders."}).status_code == 303
    assert "badge-new" in row_of(referrer.get("/").text, referral_id)
    referrer.get(f"/aanmeldingen/{referral_id}")
    assert "badge-new" not in row_of(referrer.get("/").text, referral_id)

    # The referrer's own message is no news to them.
    post(referrer, f"/aanmeldingen/{referral_id}/berichten", {"text": "Dank u."})
    assert "badge-new" not in row_of(referrer.get("/").text, referral_id)


# --- the referral page ---------------------------------------------------------------------------


def test_the_referral_page_shows_the_timeline_in_dutch_without_anything_of_the_intake(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    referral_id = submit_form(referrer, [cast.location_a])
    coordinator = browser(make_client, cast.settings, cast.coordinator_a)
    move(coordinator, referral_id, "in_review")
    # Weeks from today, so that no date on the page (the day it was sent: today) can be one of the intake's.
    first, second = today() + timedelta(days=40), today() + timedelta(days=45)
    move(coordinator, referral_id, "intake_planned", planned_at=f"{first.isoformat()}T15:30")
    move(coordinator, referral_id, "intake_planned", planned_at=f"{second.isoformat()}T09:15")

    page = html.unescape(referrer.get(f"/aanmeldingen/{referral_id}").text)
    assert timeline(page) == ["Ingediend", "In behandeling", "Intake gepland"]
    assert "Noor B." in page
    for day in (first, second):
        for secret in (dutch_date(day, "d MMMM"), dutch_date(day, "EEEE d")):
            assert secret not in page, secret
    for secret in ("15:30", "09:15"):
        assert secret not in page, secret


def test_the_referrers_pages_hold_none_of_the_coordinator_only_fields(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    referral_id = submit_form(
        referrer,
        [cast.location_a],
        **{
            "source": "police",
            "reason": "Vertrouwelijke reden ZWAVEL",
            "guardian.name": "Gerda Mergelland",
            "guardian.phone": "0612345678",
            "guardian.email": "gerda@example.nl",
            "child.school": "Obs Het Kompas",
            "child.postcode": "1326 xy",
        },
    )
    coordinator = browser(make_client, cast.settings, cast.coordinator_a)
    move(coordinator, referral_id, "rejected", reason_code="needs_specialist_care", reason="Interne notitie KOBALT")

    pages = [
        html.unescape(referrer.get(path).text)
        for path in ("/", f"/aanmeldingen/{referral_id}", f"/aanmeldingen/{referral_id}/verstuurd", "/?status=rejected")
    ]
    assert "Afgewezen" in pages[1]
    # Since the second wave the referrer reads back what they submitted (api-v1.md, "The referrer's view"),
    # and the reason code of a rejection; never the internal reason or who in the organisation did what.
    assert "ZWAVEL" in pages[1] and "Specialistische zorg nodig" in pages[1]
    for page in pages:
        for secret in ("KOBALT", "Fatima el Amrani"):
            assert secret not in page, secret


def test_messages_go_both_ways_and_htmx_swaps_the_list_in_place(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    referral_id = submit_form(referrer, [cast.location_a])

    fragment = post(
        referrer,
        f"/aanmeldingen/{referral_id}/berichten",
        {"text": "Moeder heeft een nieuw nummer."},
        **{"HX-Request": "true"},
    )
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert 'id="berichten-inhoud"' in fragment.text
    assert "Moeder heeft een nieuw nummer." in fragment.text
    assert "Uw bericht is verstuurd." in fragment.text

    coordinator = browser(make_client, cast.settings, cast.coordinator_a)
    dossier = coordinator.get(f"/aanmeldingen/{referral_id}").text
    assert "Moeder heeft een nieuw nummer." in dossier
    assert "Marieke Smit (verwijzer)" in dossier

    answered = post(coordinator, f"/aanmeldingen/{referral_id}/berichten", {"text": "Dank, ik bel haar morgen."})
    assert answered.status_code == 303
    assert answered.headers["location"] == f"/aanmeldingen/{referral_id}#berichten"
    page = html.unescape(referrer.get(f"/aanmeldingen/{referral_id}").text)
    assert "Dank, ik bel haar morgen." in page
    assert "Coördinator" in page
    assert page.index("Moeder heeft een nieuw nummer.") < page.index("Dank, ik bel haar morgen.")
    assert count_messages(cast.settings, referral_id) == 2


def test_an_empty_message_is_refused_with_a_message_at_the_field(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    referral_id = submit_form(referrer, [cast.location_a])
    plain = post(referrer, f"/aanmeldingen/{referral_id}/berichten", {"text": "   "})
    assert plain.status_code == 422
    assert 'id="veld-text-fout"' in plain.text
    assert "<html" in plain.text  # the whole page, as without JavaScript
    fragment = post(referrer, f"/aanmeldingen/{referral_id}/berichten", {"text": ""}, **{"HX-Request": "true"})
    assert fragment.status_code == 422
    assert 'id="veld-text-fout"' in fragment.text and "<html" not in fragment.text
    assert count_messages(cast.settings, referral_id) == 0


def test_withdrawing_needs_a_confirmation_and_is_possible_until_the_child_is_placed(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    referral_id = submit_form(referrer, [cast.location_a])
    page = referrer.get(f"/aanmeldingen/{referral_id}").text
    assert re.search(r'<details class="confirm">\s*<summary>Aanmelding intrekken</summary>', page)
    assert f'action="/aanmeldingen/{referral_id}/intrekken"' in page

    response = post(referrer, f"/aanmeldingen/{referral_id}/intrekken", {})
    assert response.status_code == 303
    assert referral_in_db(cast.settings, referral_id).status == "withdrawn"
    page = referrer.get(response.headers["location"]).text
    assert "De aanmelding is ingetrokken." in page
    assert timeline(page)[-1] == "Ingetrokken"
    assert "/intrekken" not in page

    placed = submit_form(referrer, [cast.location_a], **{"child.given_name": "Sem"})
    put_in_status(cast.settings, placed, "placed")
    assert "/intrekken" not in referrer.get(f"/aanmeldingen/{placed}").text
    refused = post(referrer, f"/aanmeldingen/{placed}/intrekken", {})
    assert refused.status_code == 409
    assert "al geplaatst" in refused.text
    assert referral_in_db(cast.settings, placed).status == "placed"


def test_a_coordinator_cannot_withdraw_a_referral(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    referral_id = submit_form(referrer, [cast.location_a])
    coordinator = browser(make_client, cast.settings, cast.coordinator_a)
    assert post(coordinator, f"/aanmeldingen/{referral_id}/intrekken", {}).status_code == 403
    assert referral_in_db(cast.settings, referral_id).status == "submitted"


def test_referrer_a_never_sees_messages_or_withdraws_referrer_bs_referral(cast, make_client):
    referrer_b = browser(make_client, cast.settings, cast.referrer_b)
    theirs = submit_form(referrer_b, [cast.location_a])
    referrer_a = browser(make_client, cast.settings, cast.referrer_a)

    assert theirs not in referrer_a.get("/").text
    assert referrer_a.get(f"/aanmeldingen/{theirs}").status_code == 404
    assert referrer_a.get(f"/aanmeldingen/{theirs}/verstuurd").status_code == 404
    assert post(referrer_a, f"/aanmeldingen/{theirs}/berichten", {"text": "Hallo"}).status_code == 404
    assert (
        post(referrer_a, f"/aanmeldingen/{theirs}/berichten", {"text": "Hallo"}, **{"HX-Request": "true"}).status_code
        == 404
    )
    assert post(referrer_a, f"/aanmeldingen/{theirs}/intrekken", {}).status_code == 404
    for action in ("status", "dubbel/koppelen", "dubbel/afwijzen", "dubbel/ander-kind"):
        assert post(referrer_a, f"/aanmeldingen/{theirs}/{action}", {"to": "rejected"}).status_code in (403, 404)
    assert count_messages(cast.settings, theirs) == 0
    assert referral_in_db(cast.settings, theirs).status == "submitted"
    assert referrer_a.get("/aanmeldingen/00000000-0000-0000-0000-000000000000").status_code == 404


# --- the e-mail preference -----------------------------------------------------------------------


def test_the_email_preference_is_saved(cast, make_client):
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    page = referrer.get("/account").text
    assert "E-mail mij bij een wijziging in mijn aanmeldingen" in page
    assert not re.search(r'name="email_notifications" value="on" checked', page)

    response = post(referrer, "/account", {"email_notifications": "on"})
    assert response.status_code == 303
    assert email_notifications(cast.settings, cast.referrer_a) is True
    followed = referrer.get(response.headers["location"]).text
    assert "U krijgt voortaan een e-mail" in followed
    assert re.search(r'name="email_notifications" value="on" checked', followed)

    assert post(referrer, "/account", {}).status_code == 303  # an unticked box sends nothing
    assert email_notifications(cast.settings, cast.referrer_a) is False

    assert post(referrer, "/account", {"email_notifications": "misschien"}).status_code == 422
    assert email_notifications(cast.settings, cast.referrer_a) is False


def test_the_account_menu_links_to_the_account_page_and_staff_without_referrals_get_no_email_choice(cast, make_client):
    youth_worker = browser(make_client, cast.settings, cast.youth_worker_a)
    assert 'href="/account"' in youth_worker.get("/").text
    page = youth_worker.get("/account").text
    assert "Mijn account" in page
    assert "email_notifications" not in page
    assert post(youth_worker, "/account", {"email_notifications": "on"}).status_code == 403
    assert email_notifications(cast.settings, cast.youth_worker_a) is False
