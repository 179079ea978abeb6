"""The intake's brothers and sisters: a search instead of one long drop-down. Before anything is typed the likely
children are suggested (the same family name and address first); typing searches the coordinator's children as the
inbox does (htmx, and without JavaScript the form's own "Zoeken"); a chosen child stays chosen through a new search
and a form that comes back with errors; the form still posts ``sibling_1`` and ``sibling_2``."""

from __future__ import annotations

import re
from uuid import UUID

import pytest
from sqlalchemy import func, select, update

from huiskamer.audit.models import AccessLogEntry
from huiskamer.intake.models import SiblingLink
from huiskamer.referrals.models import Referral
from tests.factories import in_session, login_as, post_form
from tests.web.test_intake_web import intake_form, intakes
from tests.web.waitlist_helpers import as_coordinator_a, born, make_cast, referral_in_review, text_of

HTMX = {"HX-Request": "true"}


def choices(html: str, field: str = "veld-sibling_1") -> list[str]:
    """The children one choice offers, in order (without "Geen")."""
    start = html.index(f'id="{field}"')
    select_html = html[start : html.index("</select>", start)]
    return [name for name in re.findall(r'<option value="[0-9a-f-]{36}"[^>]*>([^,<]+),', select_html)]


def chosen(html: str, field: str) -> str | None:
    start = html.index(f'id="{field}"')
    found = re.search(r'<option value="([0-9a-f-]{36})" selected>', html[start : html.index("</select>", start)])
    return found.group(1) if found else None


@pytest.fixture
def family(test_settings, client):
    """Noor Bakker's intake at A, and around her: children who share her family name, her address (postcode, the
    parent's phone or e-mail), both or neither; one at location B and one withdrawn."""
    cast = make_cast(test_settings)
    home = {"postcode": "1325 AB", "phone": "06-12345678"}
    elsewhere = {"postcode": "1012 AB", "phone": "06-22222222"}
    kids = {
        "noor": referral_in_review(client, cast, "Noor", "Bakker", email="ouder@example.nl", **home),
        "sara": referral_in_review(client, cast, "Sara", "Bakker", **home),
        "ayaan": referral_in_review(client, cast, "Ayaan", "Yilmaz", postcode="1325 AB", phone="06-44444444"),
        "mila": referral_in_review(client, cast, "Mila", "Jansen", email="OUDER@example.nl", **elsewhere),
        "daan": referral_in_review(client, cast, "Daan", "Bakker", postcode="1012 AB", phone="06-55555555"),
        "lotte": referral_in_review(client, cast, "Lotte", "van der Vries", postcode="1012 AB", phone="06-33333333"),
        "chloe": referral_in_review(client, cast, "Chloë", "de Vries", postcode="1012 AB", phone="06-66666666"),
        "tim": referral_in_review(client, cast, "Tim", "Bakker", location=cast.b, **home),
        "sem": referral_in_review(client, cast, "Sem", "Bakker", **home),
    }

    async def withdraw(session) -> None:
        await session.execute(update(Referral).where(Referral.id == UUID(kids["sem"])).values(status="withdrawn"))

    in_session(test_settings, withdraw)
    as_coordinator_a(client, cast)
    return cast, kids


def test_before_typing_the_same_family_name_and_address_come_first(client, family):
    _cast, kids = family
    page = client.get(f"/aanmeldingen/{kids['noor']}/intake")
    assert page.status_code == 200
    # Both shared first; then the same address (postcode, or the parent's phone or e-mail); then the family name.
    assert choices(page.text) == ["Sara Bakker", "Mila Jansen", "Ayaan Yilmaz", "Daan Bakker"]
    assert choices(page.text, "veld-sibling_2") == choices(page.text)
    text = text_of(page.text)
    assert "Sara Bakker, geboren" in text and "· zelfde achternaam en adres" in text
    assert "· zelfde adres" in text and "· zelfde achternaam" in text
    assert "Voorgesteld: 4 kinderen met dezelfde achternaam of hetzelfde adres" in text
    # Not the child itself, nor a child of another location, nor a withdrawn referral; the others by searching.
    assert "Tim Bakker" not in page.text and "Sem Bakker" not in page.text and "Lotte" not in page.text
    assert 'name="zoek_broer_zus"' in page.text and 'hx-get="/aanmeldingen/' in page.text


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("vries", ["Chloë de Vries", "Lotte van der Vries"]),
        ("VAN DER", ["Lotte van der Vries"]),
        ("chloe", ["Chloë de Vries"]),
        ("bakker", ["Sara Bakker", "Daan Bakker"]),  # the closest first; not Tim (B), Sem (withdrawn), Noor herself
        ("ozt", []),
    ],
)
def test_typing_finds_exactly_the_children_whose_name_holds_every_word(client, family, typed, found):
    _cast, kids = family
    url = f"/aanmeldingen/{kids['noor']}/intake/broers-en-zussen"
    fragment = client.get(url, params={"zoek_broer_zus": typed}, headers=HTMX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and 'name="sibling_1"' in fragment.text
    assert choices(fragment.text) == found
    if found:
        assert f"gevonden bij ‘{typed}’" in fragment.text
    else:
        assert f"Geen kind gevonden bij ‘{typed}’" in fragment.text
    # The same address without htmx is the whole form, with the search as typed.
    whole = client.get(url, params={"zoek_broer_zus": typed})
    assert "<html" in whole.text and f'value="{typed}"' in whole.text
    assert choices(whole.text) == found


def test_a_date_of_birth_finds_that_birthday(client, family):
    cast, kids = family
    referral_in_review(client, cast, "Fenna", "Smit", age=5)
    iso = born(5)
    year, month, day = iso.split("-")
    for typed in (iso, f"{day}-{month}-{year}"):
        fragment = client.get(
            f"/aanmeldingen/{kids['noor']}/intake/broers-en-zussen", params={"zoek_broer_zus": typed}, headers=HTMX
        )
        assert choices(fragment.text) == ["Fenna Smit"], typed


def test_a_chosen_child_stays_chosen_through_a_new_search(client, family):
    _cast, kids = family
    fragment = client.get(
        f"/aanmeldingen/{kids['noor']}/intake/broers-en-zussen",
        params={"zoek_broer_zus": "yilmaz", "sibling_1": kids["lotte"], "sibling_2": ""},
        headers=HTMX,
    )
    assert chosen(fragment.text, "veld-sibling_1") == kids["lotte"]
    assert chosen(fragment.text, "veld-sibling_2") is None
    assert choices(fragment.text) == ["Lotte van der Vries", "Ayaan Yilmaz"]  # chosen, then found
    assert '<optgroup label="Gekozen">' in fragment.text


def test_the_form_comes_back_with_the_chosen_sibling_and_the_search_as_typed(client, test_settings, family):
    cast, kids = family
    url = f"/aanmeldingen/{kids['noor']}/intake"
    typed = intake_form(cast, sibling_1=kids["lotte"], zoek_broer_zus="vries", consent_data_processing=None)
    refused = post_form(client, url, typed)
    assert refused.status_code == 422
    assert chosen(refused.text, "veld-sibling_1") == kids["lotte"]
    assert 'value="vries"' in refused.text
    assert choices(refused.text) == ["Chloë de Vries", "Lotte van der Vries"]
    assert intakes(test_settings) == 0
    # Sent again with consent: the link is stored both ways, as the service has always done it.
    held = post_form(client, url, {**typed, "consent_data_processing": "on"})
    assert held.status_code == 303, held.text

    async def links(session):
        rows = await session.execute(select(SiblingLink.referral_id, SiblingLink.sibling_referral_id))
        return {(str(a), str(b)) for a, b in rows.all()}

    assert in_session(test_settings, links) == {(kids["noor"], kids["lotte"]), (kids["lotte"], kids["noor"])}


def test_without_javascript_zoeken_shows_the_form_again_as_typed_and_stores_nothing(client, test_settings, family):
    cast, kids = family
    typed = intake_form(cast, sibling_2=kids["sara"], zoek_broer_zus="chloe")
    page = post_form(client, f"/aanmeldingen/{kids['noor']}/intake/broers-en-zussen", typed)
    assert page.status_code == 200
    assert 'value="Niet meer zo boos worden als ik verlies"' in page.text
    assert "Vader mag het kind niet ophalen.</textarea>" in page.text
    assert choices(page.text) == ["Sara Bakker", "Chloë de Vries"]
    assert chosen(page.text, "veld-sibling_2") == kids["sara"]
    assert 'value="chloe"' in page.text and "autofocus" in page.text
    # The intake form still sends to the intake; its first button is this search's (Enter searches).
    assert f'<form method="post" action="/aanmeldingen/{kids["noor"]}/intake"' in page.text
    first_button = re.search(r"<button[^>]*>", page.text[page.text.index('class="intake-form"') :]).group(0)
    assert "formaction" in first_button
    assert intakes(test_settings) == 0


def test_the_children_listed_are_in_the_access_log(client, test_settings, family):
    cast, kids = family
    client.get(
        f"/aanmeldingen/{kids['noor']}/intake/broers-en-zussen", params={"zoek_broer_zus": "chloe"}, headers=HTMX
    )

    async def readers_of(session, referral_id: str) -> int:
        child = await session.scalar(select(Referral.child_id).where(Referral.id == UUID(referral_id)))
        return await session.scalar(
            select(func.count())
            .select_from(AccessLogEntry)
            .where(
                AccessLogEntry.child_id == child,
                AccessLogEntry.user_id == cast.coordinator_a,
                AccessLogEntry.action == "read",  # taking it into review was a change
            )
        )

    assert in_session(test_settings, lambda s: readers_of(s, kids["chloe"])) == 1
    assert in_session(test_settings, lambda s: readers_of(s, kids["daan"])) == 0  # not listed, not seen


def test_another_locations_coordinator_gets_404_and_other_roles_403(client, test_settings, family, make_client):
    cast, kids = family
    url = f"/aanmeldingen/{kids['noor']}/intake/broers-en-zussen"
    other = login_as(test_settings, make_client(), cast.coordinator_b)
    assert other.get(url, headers=HTMX).status_code == 404
    assert other.get(url).status_code == 404
    for person in (cast.youth_worker_a, cast.referrer):
        browser = login_as(test_settings, make_client(), person)
        assert browser.get(url, params={"zoek_broer_zus": "bakker"}, headers=HTMX).status_code == 403
        assert post_form(browser, url, {"zoek_broer_zus": "bakker"}, form_page="/").status_code == 403


@pytest.mark.parametrize(
    "typed",
    ["%", "_", "\\", "'; drop table children; --", "\x00", "😀", "31-02-2017", "x" * 200, " ", "van de de de de de de"],
)
def test_nonsense_in_the_search_is_never_a_500(client, family, typed):
    _cast, kids = family
    url = f"/aanmeldingen/{kids['noor']}/intake/broers-en-zussen"
    for chosen_id in ("", "onzin", str(UUID(int=7)), kids["tim"]):
        answer = client.get(url, params={"zoek_broer_zus": typed, "sibling_1": chosen_id}, headers=HTMX)
        assert answer.status_code == 200, (typed, chosen_id, answer.text[:300])
        assert "Tim Bakker" not in answer.text  # chosen or not, another location's child is never listed


def test_a_search_that_is_too_long_says_so(client, family):
    _cast, kids = family
    url = f"/aanmeldingen/{kids['noor']}/intake/broers-en-zussen"
    answer = client.get(url, params={"zoek_broer_zus": "x" * 201}, headers=HTMX)
    assert answer.status_code == 422
    assert "Zoek met hoogstens 200 tekens." in answer.text
    assert choices(answer.text) == ["Sara Bakker", "Mila Jansen", "Ayaan Yilmaz", "Daan Bakker"]
