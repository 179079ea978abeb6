"""Messages that are noticed: a referrer's message is new for the coordinators of its locations until one of them
opens the dossier (read state per referral), and coordinators who asked for mail hear of a new referral and a
new message without any child data. (An urgent concern's mail: test_concerns_api.)"""

from __future__ import annotations

import html
from typing import Any

import pytest

from huiskamer.auth.models import User
from tests.factories import in_session, make_user
from tests.mail_helpers import outbox
from tests.web.referrals_web_helpers import browser, make_cast, post, submit_form


@pytest.fixture
def cast(test_settings):
    return make_cast(test_settings)


def set_mail(settings: Any, user_id: Any, wanted: bool) -> str:
    async def work(db: Any) -> str:
        user = await db.get(User, user_id)
        user.email_notifications = wanted
        return user.email

    return in_session(settings, work)


def send_message(client: Any, referral_id: str, text: str) -> None:
    assert post(client, f"/aanmeldingen/{referral_id}/berichten", {"text": text}).status_code == 303


def test_a_referrers_message_is_new_for_the_coordinators_until_one_of_them_opens_the_dossier(cast, make_client):
    colleague = make_user(cast.settings, "coordinator", name="Sanne de Wit", location_ids=(cast.location_a,))
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    referral_id = submit_form(referrer, [cast.location_a])
    coordinator = browser(make_client, cast.settings, cast.coordinator_a)
    coordinator.get(f"/aanmeldingen/{referral_id}")  # read: nothing new yet
    assert "nieuw bericht" not in coordinator.get("/aanmeldingen?status=alle").text
    assert "berichten van verwijzers" not in coordinator.get("/").text

    send_message(referrer, referral_id, "De moeder heeft een nieuw telefoonnummer.")
    send_message(referrer, referral_id, "En ze werkt nu op woensdag.")
    start = html.unescape(coordinator.get("/").text)
    assert "2 nieuwe berichten van verwijzers" in start
    assert f'/aanmeldingen/{referral_id}#berichten">Noor Bakker</a>' in start
    assert "nieuw bericht" in coordinator.get("/aanmeldingen?status=alle").text
    other = browser(make_client, cast.settings, cast.coordinator_b)  # another location: not theirs
    assert "berichten van verwijzers" not in other.get("/").text

    dossier = coordinator.get(f"/aanmeldingen/{referral_id}").text
    assert dossier.count('class="badge badge-new">nieuw<') == 2
    # Read for the whole team: the colleague and the reopened dossier show nothing new any more.
    assert 'class="badge badge-new">nieuw<' not in coordinator.get(f"/aanmeldingen/{referral_id}").text
    colleague_browser = browser(make_client, cast.settings, colleague)
    assert "berichten van verwijzers" not in colleague_browser.get("/").text
    assert "nieuw bericht" not in colleague_browser.get("/aanmeldingen?status=alle").text
    # The coordinator's own answer is never "new" for them.
    send_message(coordinator, referral_id, "Dank u, genoteerd.")
    assert "berichten van verwijzers" not in coordinator.get("/").text


def test_coordinators_who_asked_hear_of_a_new_referral_and_a_message_without_child_data(cast, make_client):
    wanted = set_mail(cast.settings, cast.coordinator_a, True)
    set_mail(cast.settings, cast.coordinator_b, True)  # another location: hears nothing
    make_user(cast.settings, "coordinator", location_ids=(cast.location_a,))  # did not ask: hears nothing
    referrer = browser(make_client, cast.settings, cast.referrer_a)
    referral_id = submit_form(referrer, [cast.location_a])
    [first] = outbox(cast.settings)
    assert (first.to_address, first.subject) == (wanted, "Nieuwe aanmelding")
    assert f"/aanmeldingen/{referral_id}" in first.body

    send_message(referrer, referral_id, "Noor Bakker is ziek geweest.")
    mails = outbox(cast.settings)
    assert len(mails) == 2
    assert (mails[1].to_address, mails[1].subject) == (wanted, "Nieuw bericht bij een aanmelding")
    assert f"/aanmeldingen/{referral_id}#berichten" in mails[1].body
    for mail in mails:
        assert "Noor" not in mail.body + mail.subject and "Bakker" not in mail.body + mail.subject

    # The coordinator's own message goes to the referrer only (who did not ask for mail here).
    coordinator = browser(make_client, cast.settings, cast.coordinator_a)
    send_message(coordinator, referral_id, "Beterschap!")
    assert len(outbox(cast.settings)) == 2


def test_each_role_reads_its_own_wording_on_the_account_page(cast, make_client):
    coordinator = html.unescape(browser(make_client, cast.settings, cast.coordinator_a).get("/account").text)
    assert "een bericht van een verwijzer of een dringend signaal" in coordinator
    assert "bericht van de coördinator" not in coordinator
    referrer = html.unescape(browser(make_client, cast.settings, cast.referrer_a).get("/account").text)
    assert "bericht van de coördinator" in referrer and "bericht van een verwijzer" not in referrer
