"""Search by a child's name on the coordinator's waitlist and placements and on the referrer's own list, as in the
inbox: a child is found exactly when its name holds every typed word (accents, case and tussenvoegsels such as "van
der" ignored or as words of their own), a typed date finds the date of birth, and the scope stays what it was (a
coordinator's own locations, a referrer's own referrals). The plain GET form and the htmx fragment answer alike.
The waitlist still ranks every child: a search only hides rows, the number shown is the rank on the whole list."""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from huiskamer.audit.models import AccessLogEntry
from huiskamer.referrals.models import Referral
from huiskamer.site.templating import today
from huiskamer.validation import WEEKDAYS
from tests.factories import api, in_session, login_as, make_token, make_user, post_form
from tests.web.waitlist_helpers import born, make_cast, referral_in_review, text_of, waiting_child

HTMX = {"HX-Request": "true"}
WAITING = [("Elif", "Öztürk"), ("Lotte", "van der Berg"), ("Sem", "van den Bergh"), ("Chloë", "de Vries")]
YOUNGER = ("Noor", "Bakker")  # six years old: her date of birth is nobody else's
PLACED = [("Mees", "Öztürk"), ("Anouk", "van der Meer"), ("Jesse", "ter Horst"), ("Zoë", "de Bruijn")]
QUERIES = [
    "ozt",
    "ÖZT elif",
    "van der",
    "VAN BERG",
    "berg",
    "Van Den Bergh",
    "chloe",
    "zoë",
    "de",
    "e",
    "noor bakker",
    "vries lotte",
    "ter",
    "xyz",
]
NONSENSE = ["%", "_", "\\", "'; drop table children; --", "\x00", "😀", "31-02-2017", "14-13-2017", "x" * 200, " "]


def plain(text: str) -> str:
    """The rule's own words: every combining accent dropped, case folded."""
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn").casefold()


def expected(names: list[str], query: str) -> set[str]:
    words = plain(query).split()
    return {name for name in names if all(word in plain(name) for word in words)}


def full_names(children: list[tuple[str, str]]) -> list[str]:
    return [f"{given} {family}" for given, family in children]


@pytest.fixture
def world(test_settings, client) -> dict[str, Any]:
    """At location A: children waiting (and one placed later for each of ``PLACED``), all referred by one referrer;
    a child waiting at B; another referrer's child at A."""
    every_day = {day: 10 for day in WEEKDAYS}
    cast = make_cast(test_settings, seats=every_day)
    ids: dict[str, str] = {}
    for given, family in WAITING:
        ids[f"{given} {family}"] = waiting_child(client, cast, given, family=family)
    ids["Noor Bakker"] = waiting_child(client, cast, "Noor", family="Bakker", age=6)
    at_b = referral_in_review(client, cast, "Eline", "Özdemir", location=cast.b)
    intake_at_b = {
        "held_on": today().isoformat(),
        "goals": [{"code": "friends"}],
        "urgency": "normal",
        "requested_weekdays": ["mon"],
        "preferred_location_ids": [str(cast.b)],
        "collection_persons": ["M. Özdemir (moeder)"],
        "consent_data_processing": True,
    }
    token_b = make_token(test_settings, cast.coordinator_b)
    answer = client.post(f"/api/v1/referrals/{at_b}/intake", json=intake_at_b, headers=api(client, token_b))
    assert answer.status_code in (200, 201), answer.text
    login_as(test_settings, client, cast.coordinator_a)
    weekday = WEEKDAYS[today().weekday()]
    for given, family in PLACED:
        rid = waiting_child(client, cast, given, family=family)
        data = {"referral_id": rid, "weekdays": [weekday], "start_date": today().isoformat()}
        placed = post_form(client, f"/locaties/{cast.a}/plaatsingen", data, form_page=f"/locaties/{cast.a}/voorstellen")
        assert placed.status_code == 303, placed.text
        ids[f"{given} {family}"] = rid
    other_referrer = make_user(test_settings, "referrer")
    theirs = client.post(
        "/api/v1/referrals",
        json={
            "child": {
                "given_name": "Elif",
                "family_name": "Özkan",
                "date_of_birth": born(8),
                "postcode": "1325 AB",
                "neighbourhood": "Stedenwijk",
            },
            "guardian": {"name": "M. Özkan", "phone": "06-12345678"},
            "source": "school",
            "reason": "Wordt snel boos op het schoolplein.",
            "guardian_informed": True,
            "preferred_location_ids": [str(cast.a)],
            "requested_weekdays": ["mon"],
        },
        headers=api(client, make_token(test_settings, other_referrer)),
    )
    assert theirs.status_code == 201, theirs.text
    return {"cast": cast, "ids": ids, "at_b": at_b, "theirs": theirs.json()["id"], "other_referrer": other_referrer}


# --- the waitlist ---------------------------------------------------------------------------------------------


def waitlist_rows(page: str) -> list[tuple[str, str, str, str]]:
    """(rank, name, score, explanation) per row of the ranked table."""
    if "<tbody>" not in page:
        return []
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    return [
        (rank, name, score, text_of(sentence))
        for rank, name, score, sentence in re.findall(
            r'data-label="Nr.">(\d+)</td>\s*<td class="child" data-label="Kind"><a href="[^"]+">([^<]+)</a>.*?'
            r'data-label="Score">(\d+)</td>\s*<td class="explanation" data-label="Uitleg">(.*?)<a class="why-link',
            body,
            re.S,
        )
    ]


def test_the_waitlist_finds_exactly_the_children_with_every_word_and_keeps_rank_and_explanation(client, world):
    url = f"/locaties/{world['cast'].a}/wachtlijst"
    whole = waitlist_rows(client.get(url).text)
    names = full_names([*WAITING, YOUNGER])
    assert sorted(name for _, name, _, _ in whole) == sorted(names)
    for query in QUERIES:
        page = client.get(url, params={"zoek": query})
        fragment = client.get(url, params={"zoek": query}, headers=HTMX)
        assert (page.status_code, fragment.status_code) == (200, 200), query
        assert "<html" in page.text and "<html" not in fragment.text
        assert f'value="{html.escape(query)}"' in page.text  # what was typed stays in the field
        for answer in (page.text, fragment.text):
            found = waitlist_rows(answer)
            assert {name for _, name, _, _ in found} == expected(names, query), query
            # Only hidden rows: each found child keeps its rank, score and explanation on the whole list.
            assert set(found) <= set(whole), query
            if not found:
                assert f"Geen kind op de wachtlijst gevonden bij ‘{html.escape(query)}’" in answer
            elif len(found) < len(whole):
                assert "het nummer is hun plaats op de hele wachtlijst" in answer
    # With another filter, the search narrows what that filter leaves.
    urgent = client.get(url, params={"zoek": "ozt", "urgentie": "high"})
    assert waitlist_rows(urgent.text) == [] and "met dit filter" in urgent.text


def test_the_waitlist_finds_a_date_of_birth_typed_either_way(client, world):
    url = f"/locaties/{world['cast'].a}/wachtlijst"
    year, month, day = born(6).split("-")
    for typed in (born(6), f"{day}-{month}-{year}", f"bakker {int(day)}/{int(month)}/{year}"):
        assert [name for _, name, _, _ in waitlist_rows(client.get(url, params={"zoek": typed}).text)] == [
            "Noor Bakker"
        ], typed


def test_the_search_also_narrows_the_children_not_eligible_on_that_day(client, world):
    url = f"/locaties/{world['cast'].a}/wachtlijst"
    later = (today() + timedelta(days=365 * 12)).isoformat()  # everyone has turned 13 by then
    page = client.get(url, params={"datum": later, "zoek": "ozt"}).text
    listed = re.findall(r'<li><a href="/aanmeldingen/[^"]+">([^<]+)</a>', page[page.index('id="kop-niet"') :])
    assert listed == ["Elif Öztürk"]
    assert "Geen kind op de wachtlijst gevonden" not in page


def test_a_waitlist_search_logs_only_the_children_it_shows(client, test_settings, world):
    cast = world["cast"]
    colleague = make_user(test_settings, "coordinator", location_ids=(cast.a,))
    login_as(test_settings, client, colleague)
    assert client.get(f"/locaties/{cast.a}/wachtlijst", params={"zoek": "ozt"}, headers=HTMX).status_code == 200

    async def seen(session) -> set[str]:
        rows = await session.execute(
            select(Referral.id)
            .join(AccessLogEntry, AccessLogEntry.child_id == Referral.child_id)
            .where(AccessLogEntry.user_id == colleague, AccessLogEntry.action == "read")
        )
        return {str(rid) for rid in rows.scalars()}

    assert in_session(test_settings, seen) == {world["ids"]["Elif Öztürk"]}


# --- the placements -------------------------------------------------------------------------------------------


def placement_names(page: str) -> list[str]:
    start = page.index('id="kop-lopend"')
    return re.findall(r'<td data-label="Kind"><a href="/aanmeldingen/[^"]+">([^<]+)</a>', page[start:])


def seats_line(page: str) -> str:
    return text_of(page[page.index('<p class="lead">') : page.index("</p>", page.index('<p class="lead">'))])


def test_the_placements_find_exactly_the_children_with_every_word(client, world):
    url = f"/locaties/{world['cast'].a}/plaatsingen"
    whole = client.get(url).text
    names = full_names(PLACED)
    assert sorted(placement_names(whole)) == sorted(names)
    for query in QUERIES:
        page = client.get(url, params={"zoek": query})
        fragment = client.get(url, params={"zoek": query}, headers=HTMX)
        assert (page.status_code, fragment.status_code) == (200, 200), query
        assert "<html" in page.text and "<html" not in fragment.text
        assert f'value="{html.escape(query)}"' in page.text
        # The seats taken today count every placement, found or not.
        assert seats_line(page.text) == seats_line(whole)
        for answer in (page.text, fragment.text):
            found = placement_names(answer)
            assert set(found) == expected(names, query), query
            assert f"Lopend ({len(found)} van 4)" in answer
            if not found:
                assert f"Geen lopende plaatsing gevonden bij ‘{html.escape(query)}’" in answer


# --- the referrer's own list ----------------------------------------------------------------------------------


def listed_ids(page: str) -> set[str]:
    return set(re.findall(r'class="row-link" href="/aanmeldingen/([0-9a-f-]{36})"', page))


def test_the_referrers_list_finds_exactly_their_own_children_with_every_word(client, test_settings, world):
    cast, ids = world["cast"], world["ids"]
    mine = {**ids, "Eline Özdemir": world["at_b"]}  # both locations: a referrer's list is not per location
    login_as(test_settings, client, cast.referrer)
    assert listed_ids(client.get("/").text) == set(mine.values())
    for query in [*QUERIES, "el", "öz"]:
        page = client.get("/", params={"zoek": query})
        fragment = client.get("/", params={"zoek": query}, headers=HTMX)
        assert (page.status_code, fragment.status_code) == (200, 200), query
        assert "<html" in page.text and "<html" not in fragment.text
        assert f'value="{html.escape(query)}"' in page.text
        wanted = {mine[name] for name in expected(list(mine), query)}
        for answer in (page.text, fragment.text):
            assert listed_ids(answer) == wanted, query
            assert world["theirs"] not in answer  # another referrer's Elif Özkan, never
            if not wanted:
                assert f"Geen aanmelding gevonden bij ‘{html.escape(query)}’" in answer
    # A date of birth; and the search kept in the links to a status and to the next page.
    year, month, day = born(6).split("-")
    assert listed_ids(client.get("/", params={"zoek": f"{day}-{month}-{year}"}).text) == {ids["Noor Bakker"]}
    placed = client.get("/", params={"zoek": "ozt", "status": "placed"}).text
    assert listed_ids(placed) == {ids["Mees Öztürk"]}
    assert 'href="/?status=waitlisted&amp;zoek=ozt"' in placed
    assert 'name="status" value="placed"' in placed


def test_the_referrers_search_never_reaches_another_referrers_children(client, test_settings, world):
    login_as(test_settings, client, world["other_referrer"])
    assert listed_ids(client.get("/", params={"zoek": "elif"}).text) == {world["theirs"]}
    assert listed_ids(client.get("/", params={"zoek": "ozt"}).text) == set()


# --- scope and nonsense ---------------------------------------------------------------------------------------


def test_another_locations_coordinator_finds_nothing_of_a(client, test_settings, world):
    cast = world["cast"]
    login_as(test_settings, client, cast.coordinator_b)
    for page in ("wachtlijst", "plaatsingen"):
        assert client.get(f"/locaties/{cast.a}/{page}", params={"zoek": "ozt"}, headers=HTMX).status_code == 404
    on_b = client.get(f"/locaties/{cast.b}/wachtlijst", params={"zoek": "öz"}).text
    assert [name for _, name, _, _ in waitlist_rows(on_b)] == ["Eline Özdemir"]


@pytest.mark.parametrize("typed", NONSENSE)
def test_nonsense_in_a_search_is_never_a_500(client, test_settings, world, typed):
    cast = world["cast"]
    urls = [f"/locaties/{cast.a}/wachtlijst", f"/locaties/{cast.a}/plaatsingen"]
    for url in urls:
        for headers in ({}, HTMX):
            answer = client.get(url, params={"zoek": typed}, headers=headers)
            assert answer.status_code == 200, (url, typed, answer.text[:300])
    login_as(test_settings, client, cast.referrer)
    for headers in ({}, HTMX):
        assert client.get("/", params={"zoek": typed}, headers=headers).status_code == 200, typed


def test_a_search_that_is_too_long_gets_a_message_and_the_whole_list(client, test_settings, world):
    cast = world["cast"]
    too_long = "x" * 201
    for url in (f"/locaties/{cast.a}/wachtlijst", f"/locaties/{cast.a}/plaatsingen"):
        answer = client.get(url, params={"zoek": too_long})
        assert answer.status_code == 422 and "Zoek met hoogstens 200 tekens." in answer.text
    assert len(waitlist_rows(client.get(f"/locaties/{cast.a}/wachtlijst", params={"zoek": too_long}).text)) == 5
    login_as(test_settings, client, cast.referrer)
    answer = client.get("/", params={"zoek": too_long})
    assert answer.status_code == 422 and "Zoek met hoogstens 200 tekens." in answer.text
    assert len(listed_ids(answer.text)) == len(world["ids"]) + 1
