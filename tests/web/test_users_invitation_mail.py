"""The invitation by e-mail: creating a user (on the web or through the API) puts an invitation with the one-time
link and the organisation's name in the outbox, in the same transaction; the beheerder still sees the link to copy;
'opnieuw uitnodigen' sends a new one. No child data is ever in the mail."""

from __future__ import annotations

import dataclasses
import html
import re

import pytest

from tests.factories import api, login_as, make_location, make_token, make_user, post_form
from tests.mail_helpers import Inbox, body_of, deliver, free_port, outbox, smtp_server, smtp_settings
from tests.web.referral_helpers import referral_body, submit

BASE_URL = "http://testserver.local"
ORGANISATION = "Stichting De Schoor"


@pytest.fixture
def test_settings(test_settings):
    """The app of these tests runs with the organisation's name set."""
    return dataclasses.replace(test_settings, organisation_name=ORGANISATION)


def fresh_link(page_text: str) -> str | None:
    match = re.search(r'<input id="uitnodigingslink" type="text" value="([^"]+)"', page_text)
    return html.unescape(match.group(1)) if match else None


@pytest.fixture
def admin(test_settings, client):
    admin_id = make_user(test_settings, "admin", email="beheer@test.example", name="Els Spraakman")
    login_as(test_settings, client, admin_id)
    return admin_id


@pytest.fixture
def a_child_on_record(test_settings, client):
    """A referral with a child's data in the database, which no invitation may ever mention."""
    vaart = make_location(test_settings, "Huiskamer De Vaart")
    referrer = make_user(test_settings, "referrer")
    submit(client, make_token(test_settings, referrer), [vaart])
    return vaart, referral_body([vaart])


def test_a_user_made_on_the_web_gets_the_invitation_by_email(test_settings, client, admin, a_child_on_record):
    vaart, referral = a_child_on_record
    response = post_form(
        client,
        "/beheer/gebruikers/nieuw",
        {
            "name": "Jeroen Visser",
            "email": "j.visser@deschoor.example",
            "role": "coordinator",
            "location_ids": [str(vaart)],
        },
    )
    assert response.status_code == 303, response.text
    page = client.get(response.headers["location"]).text
    link = fresh_link(page)
    assert link and link.startswith(f"{BASE_URL}/uitnodiging/"), "de link blijft te kopiëren"
    assert "gaat per e-mail naar j.visser@deschoor.example" in page

    mails = [mail for mail in outbox(test_settings) if mail.to_address == "j.visser@deschoor.example"]
    assert len(mails) == 1
    mail = mails[0]
    assert mail.subject == "Uw account voor Huiskamer"
    assert link in mail.body
    assert f"{ORGANISATION} heeft een account voor u gemaakt in Huiskamer, als coördinator." in mail.body
    assert mail.body.startswith("Beste Jeroen Visser,\n")
    assert mail.body.rstrip().endswith(ORGANISATION)
    child, guardian = referral["child"], referral["guardian"]
    for secret in (child["given_name"], child["family_name"], child["school"], child["postcode"], guardian["name"]):
        assert secret not in mail.body, secret
    assert "Huiskamer De Vaart" not in mail.body, "ook de locatie staat er niet in"
    # The link works once, for the new user.
    assert client.get(link.removeprefix(BASE_URL)).status_code == 200


def test_a_user_made_through_the_api_gets_the_invitation_by_email(test_settings, client):
    token = make_token(test_settings, make_user(test_settings, "admin"))
    body = {"email": "N.deBoer@test.example", "name": "Noor de Boer", "role": "admin"}
    response = client.post("/api/v1/users", json=body, headers=api(client, token))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["invitation_sent_to"] == "n.deboer@test.example"
    assert created["invitation_url"].startswith(f"{BASE_URL}/uitnodiging/")
    mails = [mail for mail in outbox(test_settings) if mail.to_address == "n.deboer@test.example"]
    assert len(mails) == 1
    assert created["invitation_url"] in mails[0].body
    assert ORGANISATION in mails[0].body


def test_once_sent_the_invitation_link_is_no_longer_in_the_database(test_settings, client):
    token = make_token(test_settings, make_user(test_settings, "admin"))
    body = {"email": "n.deboer@test.example", "name": "Noor de Boer", "role": "admin"}
    link = client.post("/api/v1/users", json=body, headers=api(client, token)).json()["invitation_url"]
    port = free_port()
    with smtp_server(port, Inbox()) as inbox:
        assert deliver(test_settings, smtp_settings(port)) == 1
    assert link in body_of(inbox.messages[0])  # the mail that went out carried the link
    (sent,) = [mail for mail in outbox(test_settings) if mail.to_address == "n.deboer@test.example"]
    assert sent.sent_at is not None and sent.subject and sent.body == ""
    assert client.get(link.removeprefix(BASE_URL)).status_code == 200  # and it still works, once


def test_a_user_made_switched_off_gets_no_mail(test_settings, client):
    token = make_token(test_settings, make_user(test_settings, "admin"))
    body = {"email": "uit@test.example", "name": "Uit Gezet", "role": "admin", "active": False}
    response = client.post("/api/v1/users", json=body, headers=api(client, token))
    assert response.status_code == 201
    assert response.json()["invitation_sent_to"] is None
    assert outbox(test_settings) == []


def test_a_refused_form_queues_no_mail(test_settings, client, admin):
    response = post_form(client, "/beheer/gebruikers/nieuw", {"name": "X", "email": "x@test.example", "role": "koning"})
    assert response.status_code == 422
    assert outbox(test_settings) == []


def test_inviting_again_sends_a_new_link_and_the_old_one_stops(test_settings, client, make_client, admin):
    created = post_form(
        client, "/beheer/gebruikers/nieuw", {"name": "Bert Hendriks", "email": "b@test.example", "role": "admin"}
    )
    detail = created.headers["location"]
    first = fresh_link(client.get(detail).text)
    page = client.get(detail).text
    assert "Opnieuw uitnodigen" in page
    again = post_form(client, f"{detail}/uitnodiging", {}, form_page=detail)
    assert again.status_code == 303
    second = fresh_link(client.get(again.headers["location"]).text)
    assert second and second != first
    mails = [mail for mail in outbox(test_settings) if mail.to_address == "b@test.example"]
    assert len(mails) == 2
    assert first in mails[0].body and second in mails[1].body
    other = make_client()
    assert other.get(first.removeprefix(BASE_URL)).status_code == 404
    assert other.get(second.removeprefix(BASE_URL)).status_code == 200


def test_a_user_with_a_password_gets_a_link_for_a_new_one(test_settings, client, admin):
    someone = make_user(test_settings, "admin", email="heeft@test.example", name="Heeft Wachtwoord")
    page = client.get(f"/beheer/gebruikers/{someone}").text
    assert "Link voor nieuw wachtwoord sturen" in page
    post_form(client, f"/beheer/gebruikers/{someone}/uitnodiging", {}, form_page=f"/beheer/gebruikers/{someone}")
    (mail,) = [mail for mail in outbox(test_settings) if mail.to_address == "heeft@test.example"]
    assert mail.subject == "Nieuwe link voor uw wachtwoord in Huiskamer"
    assert f"nieuw wachtwoord voor uw account in Huiskamer van {ORGANISATION}" in mail.body


def test_without_a_mail_server_the_beheerder_is_told_to_copy_the_link(test_settings, client, admin):
    assert test_settings.smtp is None
    created = post_form(
        client, "/beheer/gebruikers/nieuw", {"name": "Kees Jansen", "email": "k@test.example", "role": "admin"}
    )
    page = client.get(created.headers["location"]).text
    assert "Er is nog geen mailserver ingesteld" in page
    assert fresh_link(page) is not None
