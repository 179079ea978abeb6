"""The beheerder's user pages: the list with filters, a new user with a one-time invitation link shown once,
editing and deactivating, and bad input that comes back with a message next to its field."""

from __future__ import annotations

import html
import json
import re
import uuid

import pytest
from sqlalchemy import select

from huiskamer.auth.models import Invitation, User, UserSession
from huiskamer.auth.secrets import token_hash
from tests.factories import (
    in_session,
    login_as,
    make_invitation,
    make_location,
    make_user,
    post_form,
)

BASE_URL = "http://testserver.local"


def fresh_link(page_text: str) -> str | None:
    match = re.search(r'<input id="uitnodigingslink" type="text" value="([^"]+)"', page_text)
    return html.unescape(match.group(1)) if match else None


def error_next_to(page_text: str, field: str) -> str:
    match = re.search(
        rf'id="veld-{re.escape(field)}-fout"><span class="visually-hidden">Fout: </span>([^<]+)<', page_text
    )
    assert match, f"geen foutmelding bij {field}"
    return html.unescape(match.group(1))


def user_by_email(settings, email: str) -> User | None:
    async def work(session):
        return await session.scalar(select(User).where(User.email == email))

    return in_session(settings, work)


def user_by_id(settings, user_id) -> User:
    async def work(session):
        return await session.get(User, user_id)

    return in_session(settings, work)


@pytest.fixture
def admin(test_settings, client):
    admin_id = make_user(test_settings, "admin", email="beheer@test.example", name="Els Spraakman")
    login_as(test_settings, client, admin_id)
    return admin_id


# --- creating ----------------------------------------------------------------------------------


def test_a_user_created_through_the_form_is_really_stored(test_settings, client, admin):
    vaart = make_location(test_settings, "Huiskamer De Vaart")
    werven = make_location(test_settings, "Huiskamer De Werven")
    response = post_form(
        client,
        "/beheer/gebruikers/nieuw",
        {
            "name": "Jeroen Visser",
            "email": "J.Visser@DeSchoor.example",
            "role": "coordinator",
            "location_ids": [str(vaart), str(werven)],
        },
    )
    assert response.status_code == 303, response.text
    stored = user_by_email(test_settings, "j.visser@deschoor.example")
    assert stored is not None
    assert response.headers["location"] == f"/beheer/gebruikers/{stored.id}"
    assert stored.role == "coordinator"
    assert set(stored.location_ids) == {vaart, werven}
    assert stored.password_hash is None

    async def invitations(session):
        return (await session.scalars(select(Invitation).where(Invitation.user_id == stored.id))).all()

    assert len(in_session(test_settings, invitations)) == 1


def test_a_referrer_gets_their_organisation(test_settings, client, admin):
    response = post_form(
        client,
        "/beheer/gebruikers/nieuw",
        {
            "name": "Marieke Smit",
            "email": "m.smit@regenboog.example",
            "role": "referrer",
            "organisation.name": "Basisschool De Regenboog",
            "organisation.type": "school",
        },
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "Basisschool De Regenboog (school)" in page.text
    stored = user_by_email(test_settings, "m.smit@regenboog.example")
    assert stored.organisation is not None
    assert (stored.organisation.name, stored.organisation.type) == ("Basisschool De Regenboog", "school")


def test_the_invitation_link_is_shown_once_and_works(test_settings, client, make_client, admin):
    response = post_form(
        client,
        "/beheer/gebruikers/nieuw",
        {"name": "Noor de Boer", "email": "n.deboer@test.example", "role": "admin"},
    )
    detail = response.headers["location"]
    first = client.get(detail)
    assert "Noor de Boer is toegevoegd als beheerder." in first.text
    assert "Kopieer link" in first.text
    assert 'data-copy-target="uitnodigingslink"' in first.text
    link = fresh_link(first.text)
    assert link and link.startswith(f"{BASE_URL}/uitnodiging/")
    assert fresh_link(client.get(detail).text) is None, "de link mag maar één keer te zien zijn"
    # The link is for the new user, in another browser.
    assert make_client().get(link.removeprefix(BASE_URL)).status_code == 200


def test_the_fresh_link_is_never_in_a_url_nor_stored_readably(test_settings, client, admin):
    response = post_form(
        client,
        "/beheer/gebruikers/nieuw",
        {"name": "Kees Jansen", "email": "k.jansen@test.example", "role": "admin"},
    )
    assert "uitnodiging/" not in response.headers["location"]

    async def stored_text(session):
        sessions = (await session.scalars(select(UserSession))).all()
        invitations = (await session.scalars(select(Invitation))).all()
        return json.dumps([row.flash for row in sessions]), [row.token_hash for row in invitations]

    flash_before, hashes = in_session(test_settings, stored_text)
    link = fresh_link(client.get(response.headers["location"]).text)
    assert link is not None
    token = link.rsplit("/", 1)[1]
    assert token not in flash_before and link not in flash_before
    assert hashes == [token_hash(token)]
    flash_after, _ = in_session(test_settings, stored_text)
    assert "sealed" not in flash_after, "na het tonen is de link ook versleuteld niet meer bewaard"


def test_bad_input_comes_back_with_messages_next_to_fields_and_what_was_typed(test_settings, client, admin):
    vaart = make_location(test_settings, "Huiskamer De Vaart")
    werven = make_location(test_settings, "Huiskamer De Werven")
    response = post_form(
        client,
        "/beheer/gebruikers/nieuw",
        {
            "name": "Priya <b>Baldew</b>",
            "email": "geen-adres",
            "role": "referrer",
            "location_ids": [str(werven)],
            "organisation.name": "",
            "organisation.type": "school",
        },
    )
    assert response.status_code == 422
    page = response.text
    assert "Vul een geldig e-mailadres in" in error_next_to(page, "email")
    assert "organisatie" in error_next_to(page, "organisation-name")
    assert "Alleen coördinatoren en kinderwerkers" in page
    assert 'value="Priya &lt;b&gt;Baldew&lt;/b&gt;"' in page
    assert 'value="geen-adres"' in page
    assert re.search(rf'value="{werven}" checked', page), "de aangevinkte locatie blijft aangevinkt"
    assert not re.search(rf'value="{vaart}" checked', page)
    assert '<option value="referrer" selected>' in page
    assert '<option value="school" selected>' in page
    assert user_by_email(test_settings, "geen-adres") is None


def test_a_taken_email_is_said_next_to_the_email_field(test_settings, client, admin):
    response = post_form(
        client,
        "/beheer/gebruikers/nieuw",
        {"name": "Nog een beheerder", "email": "BEHEER@test.example", "role": "admin"},
    )
    assert response.status_code == 409
    assert error_next_to(response.text, "email") == "Er is al een gebruiker met dit e-mailadres."
    assert 'value="BEHEER@test.example"' in response.text


def test_a_coordinator_needs_a_location_on_the_form(test_settings, client, admin):
    make_location(test_settings)
    response = post_form(
        client,
        "/beheer/gebruikers/nieuw",
        {"name": "Fatima el Amrani", "email": "f@test.example", "role": "coordinator"},
    )
    assert response.status_code == 422
    assert "minstens één locatie" in response.text
    assert 'id="veld-location_ids-fout"' in response.text


# --- changing ----------------------------------------------------------------------------------


def test_the_admin_changes_role_locations_and_organisation(test_settings, client, admin):
    vaart = make_location(test_settings, "Huiskamer De Vaart")
    werven = make_location(test_settings, "Huiskamer De Werven")
    worker = make_user(test_settings, "youth_worker", location_ids=(vaart,), email="s.ramnath@test.example")
    page = client.get(f"/beheer/gebruikers/{worker}")
    assert page.status_code == 200
    assert re.search(rf'value="{vaart}" checked', page.text)
    response = post_form(
        client,
        f"/beheer/gebruikers/{worker}",
        {
            "name": "Shailesh Ramnath",
            "email": "s.ramnath@test.example",
            "role": "coordinator",
            "location_ids": [str(werven)],
            "organisation.name": "",
            "organisation.type": "",
            "active": "on",
        },
    )
    assert response.status_code == 303
    assert "zijn opgeslagen" in client.get(response.headers["location"]).text
    stored = user_by_id(test_settings, worker)
    assert stored.role == "coordinator"
    assert stored.location_ids == [werven]
    assert stored.name == "Shailesh Ramnath"
    assert stored.active is True

    response = post_form(
        client,
        f"/beheer/gebruikers/{worker}",
        {
            "name": "Shailesh Ramnath",
            "email": "s.ramnath@test.example",
            "role": "referrer",
            "location_ids": [str(werven)],
            "organisation.name": "Wijkteam Stad",
            "organisation.type": "social_team",
            "active": "on",
        },
    )
    assert response.status_code == 303
    stored = user_by_id(test_settings, worker)
    assert stored.role == "referrer"
    assert stored.location_ids == []
    assert stored.organisation.name == "Wijkteam Stad"


def test_unticking_every_location_of_a_coordinator_is_refused(test_settings, client, admin):
    vaart = make_location(test_settings)
    coordinator = make_user(test_settings, "coordinator", location_ids=(vaart,), email="c@test.example")
    response = post_form(
        client,
        f"/beheer/gebruikers/{coordinator}",
        {"name": "C", "email": "c@test.example", "role": "coordinator", "active": "on"},
    )
    assert response.status_code == 422
    assert "minstens één locatie" in error_next_to(response.text, "location_ids")
    assert user_by_id(test_settings, coordinator).location_ids == [vaart]


def test_the_edit_form_no_longer_turns_an_account_off(test_settings, client, admin):
    """Turning off is its own action with a confirmation (tests/web/test_users_deactivate.py): the form has no
    'actief' box, and an 'active' field sent anyway changes nothing."""
    vaart = make_location(test_settings)
    coordinator = make_user(
        test_settings, "coordinator", location_ids=(vaart,), email="f.elamrani@test.example", name="Fatima el Amrani"
    )
    page = client.get(f"/beheer/gebruikers/{coordinator}")
    assert 'name="active"' not in page.text
    assert f'href="/beheer/gebruikers/{coordinator}/uitzetten"' in page.text
    for active in (None, "off", ""):
        data = {
            "name": "Fatima el Amrani",
            "email": "f.elamrani@test.example",
            "role": "coordinator",
            "location_ids": [str(vaart)],
        }
        if active is not None:
            data["active"] = active
        response = post_form(client, f"/beheer/gebruikers/{coordinator}", data)
        assert response.status_code == 303
        assert "zijn opgeslagen" in client.get(response.headers["location"]).text
        assert user_by_id(test_settings, coordinator).active is True


def test_the_admin_cannot_demote_themselves(test_settings, client, admin):
    vaart = make_location(test_settings)
    data = {"name": "Els Spraakman", "email": "beheer@test.example", "role": "coordinator"}
    data["location_ids"] = [str(vaart)]
    response = post_form(client, f"/beheer/gebruikers/{admin}", data)
    assert response.status_code == 409
    assert "U kunt uw eigen rol van beheerder niet afnemen" in error_next_to(response.text, "role")
    stored = user_by_id(test_settings, admin)
    assert (stored.role, stored.active) == ("admin", True)
    assert client.get("/").status_code == 200


def test_an_inactive_account_gets_no_invitation(test_settings, client, admin):
    someone = make_user(test_settings, "admin", password=None, active=False)
    page = client.get(f"/beheer/gebruikers/{someone}")
    assert "Opnieuw uitnodigen" not in page.text
    refused = post_form(
        client, f"/beheer/gebruikers/{someone}/uitnodiging", {}, form_page=f"/beheer/gebruikers/{someone}"
    )
    assert refused.status_code == 303
    assert "Zet het eerst weer aan" in client.get(refused.headers["location"]).text


def test_a_new_invitation_link_replaces_the_old_one(test_settings, client, make_client, admin):
    user = make_user(test_settings, "admin", password=None, name="Bert Hendriks")
    old = make_invitation(test_settings, user)
    response = post_form(client, f"/beheer/gebruikers/{user}/uitnodiging", {}, form_page=f"/beheer/gebruikers/{user}")
    assert response.status_code == 303
    assert response.headers["location"] == f"/beheer/gebruikers/{user}"
    link = fresh_link(client.get(response.headers["location"]).text)
    assert link is not None
    other = make_client()
    assert other.get(f"/uitnodiging/{old}").status_code == 404
    assert other.get(link.removeprefix(BASE_URL)).status_code == 200


def test_a_link_meant_for_one_user_is_not_shown_on_another_users_page(test_settings, client, admin):
    first = make_user(test_settings, "admin", password=None)
    second = make_user(test_settings, "admin", password=None)
    post_form(client, f"/beheer/gebruikers/{first}/uitnodiging", {}, form_page=f"/beheer/gebruikers/{first}")
    assert fresh_link(client.get(f"/beheer/gebruikers/{second}").text) is None


# --- the list ----------------------------------------------------------------------------------


def test_the_list_shows_role_scope_and_status_and_filters(test_settings, client, admin):
    vaart = make_location(test_settings, "Huiskamer De Vaart")
    make_user(test_settings, "coordinator", location_ids=(vaart,), name="Fatima el Amrani")
    make_user(test_settings, "referrer", name="Marieke Smit", organisation=("Basisschool De Regenboog", "school"))
    page = client.get("/beheer/gebruikers")
    assert page.status_code == 200
    for text in (
        "Fatima el Amrani",
        "coördinator",
        "Huiskamer De Vaart",
        "Marieke Smit",
        "verwijzer",
        "Basisschool De Regenboog",
        "Actief",
    ):
        assert text in page.text
    only_referrers = client.get("/beheer/gebruikers?rol=referrer").text
    assert "Marieke Smit" in only_referrers
    assert "Fatima el Amrani" not in only_referrers
    searched = client.get("/beheer/gebruikers?zoek=AMRANI").text
    assert "Fatima el Amrani" in searched
    assert "Marieke Smit" not in searched
    assert client.get("/beheer/gebruikers?rol=koning&status=%00&pagina=-5&zoek=" + "x" * 5000).status_code == 200


# --- who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "youth_worker", "referrer"])
def test_only_the_admin_reaches_the_user_pages(test_settings, client, role):
    vaart = make_location(test_settings)
    someone = make_user(test_settings, "youth_worker", location_ids=(vaart,))
    me = make_user(test_settings, role, location_ids=(vaart,) if role != "referrer" else ())
    login_as(test_settings, client, me)
    for path in ("/beheer/gebruikers", "/beheer/gebruikers/nieuw", f"/beheer/gebruikers/{someone}"):
        assert client.get(path).status_code == 403, path
    response = post_form(
        client, f"/beheer/gebruikers/{someone}", {"name": "X", "role": "admin", "active": "on"}, form_page="/"
    )
    assert response.status_code == 403
    response = post_form(
        client, "/beheer/gebruikers/nieuw", {"name": "X", "email": "x@test.example", "role": "admin"}, form_page="/"
    )
    assert response.status_code == 403
    assert user_by_email(test_settings, "x@test.example") is None
    assert user_by_id(test_settings, someone).role == "youth_worker"


def test_an_unknown_user_page_is_not_found(test_settings, client, admin):
    assert client.get(f"/beheer/gebruikers/{uuid.uuid4()}").status_code == 404
    assert client.get("/beheer/gebruikers/geen-id").status_code == 404
    response = post_form(client, f"/beheer/gebruikers/{uuid.uuid4()}", {"name": "X"}, form_page="/beheer/gebruikers")
    assert response.status_code == 404
