"""Search by name in the API (``GET /api/v1/referrals?q=``) and in the coordinator's inbox (a plain form, and the
fragment htmx asks for while typing): accents and case ignored, scope kept, nonsense never a 500."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.factories import api, login_as, make_location, make_token, make_user
from tests.web.referral_helpers import submit


@pytest.fixture
def cast(test_settings) -> dict[str, Any]:
    vaart = make_location(test_settings, "Huiskamer De Vaart", neighbourhoods=("Stedenwijk",))
    kruidenhof = make_location(test_settings, "Huiskamer Kruidenhof", neighbourhoods=("Kruidenwijk",))
    coordinator = make_user(test_settings, "coordinator", location_ids=(vaart,))
    referrer = make_user(test_settings, "referrer", organisation=("De Regenboog", "school"), password=None)
    return {
        "settings": test_settings,
        "vaart": vaart,
        "kruidenhof": kruidenhof,
        "coordinator_id": coordinator,
        "coordinator": make_token(test_settings, coordinator),
        "referrer": make_token(test_settings, referrer),
    }


def _names(client: Any, token: str, q: str) -> list[str]:
    response = client.get(f"/api/v1/referrals?q={quote(q)}", headers=api(client, token))
    assert response.status_code == 200, response.text
    return sorted(item.get("child_name", item["id"]) for item in response.json()["items"])


def test_the_api_finds_children_by_any_part_of_their_name_ignoring_case_and_accents(client, cast):
    for given_name, family in (("Elif", "Öztürk"), ("Lotte", "van den Berg"), ("Noor", "Bakker")):
        submit(client, cast["referrer"], [cast["vaart"]], child__given_name=given_name, child__family_name=family)
    submit(client, cast["referrer"], [cast["kruidenhof"]], child__given_name="Eline", child__family_name="Özdemir")
    assert _names(client, cast["coordinator"], "ozt") == ["Elif Öztürk"]
    assert _names(client, cast["coordinator"], "BERG van") == ["Lotte van den Berg"]
    # Özdemir is for another location: out of this coordinator's scope, so not found.
    assert _names(client, cast["coordinator"], "öz") == ["Elif Öztürk"]
    assert _names(client, cast["coordinator"], "") == ["Elif Öztürk", "Lotte van den Berg", "Noor Bakker"]
    assert len(_names(client, cast["referrer"], "oz")) == 2  # the referrer's own, both locations


@pytest.mark.parametrize("q", ["%", "_", "\\", "'; drop table children; --", "x" * 200, "14-13-2017", "😀"])
def test_nonsense_in_the_search_finds_nothing_and_is_never_a_500(client, cast, q):
    submit(client, cast["referrer"], [cast["vaart"]])
    assert _names(client, cast["coordinator"], q) == []


def test_a_nul_byte_parts_words_instead_of_failing_on_postgresql(client, cast):
    submit(client, cast["referrer"], [cast["vaart"]], child__given_name="Elif", child__family_name="Öztürk")
    submit(client, cast["referrer"], [cast["vaart"]])
    assert _names(client, cast["coordinator"], "ozt\x00elif") == ["Elif Öztürk"]
    login_as(cast["settings"], client, cast["coordinator_id"])
    assert client.get("/aanmeldingen", params={"zoek": "\x00"}).status_code == 200


def test_a_search_that_is_too_long_gets_a_message(client, cast):
    response = client.get("/api/v1/referrals?q=" + "x" * 201, headers=api(client, cast["coordinator"]))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "q"


def test_the_inbox_searches_with_a_plain_form_and_answers_htmx_with_the_table_only(client, cast):
    submit(client, cast["referrer"], [cast["vaart"]], child__given_name="Elif", child__family_name="Öztürk")
    submit(client, cast["referrer"], [cast["vaart"]])
    login_as(cast["settings"], client, cast["coordinator_id"])
    page = client.get("/aanmeldingen?zoek=ozt")
    assert page.status_code == 200
    assert 'value="ozt"' in page.text and "Elif Öztürk" in page.text and "Noor Bakker" not in page.text
    assert 'hx-trigger="submit, change, input changed delay:300ms' in page.text
    fragment = client.get("/aanmeldingen?zoek=bakker", headers={"HX-Request": "true"})
    assert "Noor Bakker" in fragment.text and "Elif" not in fragment.text and "<html" not in fragment.text
    nothing = client.get("/aanmeldingen?zoek=xyz&status=alle", headers={"HX-Request": "true"})
    assert "Geen aanmelding gevonden bij ‘xyz’." in nothing.text
