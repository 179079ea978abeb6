"""The dashboard /rapportage: period and location, the tables and charts, small numbers hidden unless asked
for, scope and roles, the story of a period (stored for real, refused with a child's name or birthday), and
nonsense on every form and parameter (never a 500)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import pytest
from sqlalchemy import select

from huiskamer.audit.models import AuditEvent
from huiskamer.reports.models import ReportStory
from tests.factories import csrf_token, in_session, login_as, make_location, make_user
from tests.service.reports_helpers import ReportWorld, add_crowd, build_world
from tests.web.reports_web_helpers import page_tables

YEAR = "van=2024-01-01&tot=2024-12-31"
ROUTES = (
    "/rapportage",
    "/rapportage/uitleg",
    f"/rapportage/afdrukken?{YEAR}",
    f"/rapportage/export.csv?{YEAR}",
    f"/rapportage/export.xlsx?{YEAR}",
    f"/rapportage/export.pdf?{YEAR}",
)


@pytest.fixture
def world(test_settings) -> ReportWorld:
    found = build_world(test_settings, passwords=True)
    add_crowd(test_settings, found)
    return found


def as_user(settings, client, user_id):
    return login_as(settings, client, user_id)


def stories(settings) -> list[ReportStory]:
    async def work(session):
        return list((await session.scalars(select(ReportStory))).all())

    return in_session(settings, work)


def test_the_dashboard_shows_the_year_with_charts_and_tables(client, test_settings, world):
    as_user(test_settings, client, world.admin)
    response = client.get(f"/rapportage?{YEAR}")
    assert response.status_code == 200
    assert '<img src="data:image/svg+xml;base64,' in response.text
    tables = page_tables(response.text)
    figures = {row[0]: row[1:] for row in tables["kerncijfers"]}
    # 60 crowd children and 4 of the hand-made set referred in 2024; in 2023 20 crowd children, Noor and Sara.
    assert figures["Aanmeldingen ontvangen"] == ["64", "22"]
    assert figures["Wachtlijst vandaag"][1] == "–"
    months = tables["aanmeldingen-per-maand"]
    assert [row[0] for row in months][:2] == ["jan 2024 (jan 2023)", "feb 2024 (feb 2023)"]
    assert "Het verhaal bij de cijfers" in response.text


def test_small_numbers_show_as_less_than_5_unless_the_coordinator_asks_for_them(client, test_settings, world):
    as_user(test_settings, client, world.admin)
    shared = page_tables(client.get(f"/rapportage?{YEAR}").text)
    exact = page_tables(client.get(f"/rapportage?{YEAR}&exact=1").text)
    police_shared = next(row for row in shared["aanmeldingen-per-bron"] if row[0].startswith("Politie"))
    police_exact = next(row for row in exact["aanmeldingen-per-bron"] if row[0].startswith("Politie"))
    assert police_shared[1] == "<5" and police_exact[1] == "1"
    # Nothing below 5 is shown as a number in the shared view.
    for rows in shared.values():
        for row in rows:
            for value in row[1:]:
                assert not (value.isdigit() and int(value) < 5), (row, value)


def test_the_default_period_is_this_year(client, test_settings, world):
    from huiskamer.site.templating import today

    as_user(test_settings, client, world.coordinator_a)
    response = client.get("/rapportage")
    assert response.status_code == 200
    assert f'value="{today().year}-01-01"' in response.text


def test_a_coordinator_sees_their_own_locations_only(client, test_settings, world):
    as_user(test_settings, client, world.coordinator_b)
    page = client.get(f"/rapportage?{YEAR}&exact=1")
    assert page.status_code == 200
    assert "Huiskamer Anemoon" not in page.text
    figures = {row[0]: row[1:] for row in page_tables(page.text)["kerncijfers"]}
    assert figures["Aanmeldingen ontvangen"][0] == "2"  # Daan and Fenna; none of A's crowd
    assert client.get(f"/rapportage?{YEAR}&locatie={world.a}").status_code == 404
    for route in ROUTES[2:]:
        assert client.get(f"{route}&locatie={world.a}").status_code == 404, route


@pytest.mark.parametrize("who", ["youth_worker_a", "referrer"])
def test_youth_workers_and_referrers_reach_no_report(client, test_settings, world, who):
    as_user(test_settings, client, getattr(world, who))
    for route in ROUTES:
        assert client.get(route).status_code == 403, route
    token = csrf_token(client, "/account")
    posted = client.post(
        "/rapportage/verhaal", data={"_csrf_token": token, "van": "2024-01-01", "tot": "2024-12-31", "text": "x"}
    )
    assert posted.status_code == 403
    assert stories(test_settings) == []


def test_without_logging_in_the_reports_ask_for_a_login(client, world):
    for route in ROUTES:
        response = client.get(route, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/inloggen"), route


def test_bad_dates_get_a_message_next_to_the_field_and_keep_what_was_typed(client, test_settings, world):
    as_user(test_settings, client, world.coordinator_a)
    response = client.get("/rapportage?van=31-02-2024&tot=2023-01-01")
    assert response.status_code == 422
    assert 'value="31-02-2024"' in response.text
    assert "geen geldige datum" in response.text
    backwards = client.get("/rapportage?van=2024-05-01&tot=2024-01-01")
    assert backwards.status_code == 422 and "De einddatum ligt voor de begindatum." in backwards.text
    assert client.get("/rapportage?van=2024-05-01").status_code == 422


def test_dates_typed_the_dutch_way_show_as_understood_in_the_date_fields(client, test_settings, world):
    as_user(test_settings, client, world.coordinator_a)
    response = client.get("/rapportage?van=1-3-2024&tot=31-3-2024")
    assert response.status_code == 200
    # A date field holds ISO dates only: "1-3-2024" in it would show empty, and "Tonen" would lose the period.
    assert 'value="2024-03-01"' in response.text and 'value="2024-03-31"' in response.text


def test_the_file_name_names_a_coordinators_locations_not_all_of_them(client, test_settings, world):
    as_user(test_settings, client, world.coordinator_ab)
    response = client.get(f"/rapportage/export.csv?{YEAR}")
    assert response.status_code == 200
    expected = "rapportage-2024-01-01-2024-12-31-huiskamer-anemoon-huiskamer-berk.csv"
    assert f'filename="{expected}"' in response.headers["content-disposition"]
    assert "Huiskamer Anemoon, Huiskamer Berk" in client.get(f"/rapportage?{YEAR}").text


def test_the_help_page_says_what_counts(client, test_settings, world):
    as_user(test_settings, client, world.coordinator_a)
    text = client.get("/rapportage/uitleg").text
    for words in ("Kinderen bereikt", "Wachttijd", "Opkomst", "Bezetting per weekdag", "Kleine aantallen", "&lt;5"):
        assert words in text, words


def post_story(client, headers=None, **fields):
    token = csrf_token(client, f"/rapportage?{YEAR}")
    data = {"_csrf_token": token, "van": "2024-01-01", "tot": "2024-12-31", **fields}
    return client.post("/rapportage/verhaal", data=data, headers=headers, follow_redirects=False)


def test_a_coordinator_writes_the_story_of_a_period_and_it_is_stored(client, test_settings, world):
    as_user(test_settings, client, world.coordinator_a)
    text = "Veel kinderen leerden dit jaar samen spelen.\nDe groep op maandag werd hechter."
    response = post_story(client, locatie=str(world.a), text=text)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/rapportage?")
    saved = stories(test_settings)
    assert [(s.location_id, s.text, s.period_start.isoformat(), s.period_end.isoformat()) for s in saved] == [
        (world.a, text, "2024-01-01", "2024-12-31")
    ]
    page = client.get(response.headers["location"])
    assert "Het verhaal bij deze periode is opgeslagen." in page.text
    assert "De groep op maandag werd hechter." in page.text
    # Written again: changed, not doubled; empty: gone.
    post_story(client, locatie=str(world.a), text="Korter verhaal.")
    assert [s.text for s in stories(test_settings)] == ["Korter verhaal."]
    post_story(client, locatie=str(world.a), text="")
    assert stories(test_settings) == []


def test_the_story_is_audited(client, test_settings, world):
    as_user(test_settings, client, world.coordinator_a)
    post_story(client, locatie=str(world.a), text="Een goed jaar.")

    async def work(session):
        return (await session.scalars(select(AuditEvent).where(AuditEvent.table_name == "report_stories"))).all()

    events = in_session(test_settings, work)
    assert len(events) == 1 and events[0].actor_id == world.coordinator_a


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Noor heeft geleerd minder snel boos te worden.", "Noor"),
        ("Het kind van de familie El Amrani doet goed mee.", "El Amrani"),
        ("Jarig op 14-03-2016, en trots.", "14-03-2016"),
        ("Een kind uit de familie el Amrani bakte taart.", "el Amrani"),
        ("Geboren 14 maart 2016.", "14-03-2016"),
    ],
)
def test_a_story_with_a_childs_name_or_birthday_is_refused(client, test_settings, world, text, found):
    as_user(test_settings, client, world.coordinator_a)
    response = post_story(client, locatie=str(world.a), text=text)
    assert response.status_code == 422
    assert found in response.text and "geen namen of geboortedata" in response.text
    assert text.split()[0] in response.text  # the text is kept in the form
    assert stories(test_settings) == []


def test_a_name_of_a_child_elsewhere_is_no_reason_to_refuse(client, test_settings, world):
    # Fenna was only referred to B: for a story about A her name says nothing about A's children.
    as_user(test_settings, client, world.coordinator_a)
    assert post_story(client, locatie=str(world.a), text="Fenna is een mooie naam.").status_code == 303


def test_a_refused_story_puts_the_dashboard_in_the_address_bar_not_the_post_address(client, test_settings, world):
    as_user(test_settings, client, world.coordinator_a)
    response = post_story(
        client, locatie=str(world.a), text="x" * 5000, headers={"HX-Request": "true", "HX-Boosted": "true"}
    )
    assert response.status_code == 422 and "x" * 5000 in response.text  # the text kept beside its message
    assert response.headers["hx-push-url"] == "false"  # the address bar keeps the dashboard the form was on
    assert stories(test_settings) == []


def test_a_coordinator_cannot_write_for_another_location(client, test_settings, world):
    as_user(test_settings, client, world.coordinator_b)
    assert post_story(client, locatie=str(world.a), text="Niet van mij.").status_code == 404
    assert stories(test_settings) == []


def test_a_coordinator_of_two_locations_chooses_one_first(client, test_settings, world):
    as_user(test_settings, client, world.coordinator_ab)
    page = client.get(f"/rapportage?{YEAR}")
    assert "Kies één locatie om het verhaal" in page.text
    response = post_story(client, text="Voor welke locatie?")
    assert response.status_code == 422 and "Kies eerst één locatie" in response.text
    assert stories(test_settings) == []


def test_the_beheerder_writes_for_the_whole_organisation(client, test_settings, world):
    as_user(test_settings, client, world.admin)
    assert post_story(client, text="Alle huiskamers samen.").status_code == 303
    [story] = stories(test_settings)
    assert story.location_id is None
    assert "Alle huiskamers samen." in client.get(f"/rapportage?{YEAR}").text
    # A coordinator's report does not show the organisation's story.
    client.cookies.clear()
    as_user(test_settings, client, world.coordinator_a)
    assert "Alle huiskamers samen." not in client.get(f"/rapportage?{YEAR}").text


def test_stories_of_months_show_in_the_report_of_their_year(client, test_settings, world):
    as_user(test_settings, client, world.coordinator_a)
    token = csrf_token(client, "/rapportage")
    client.post(
        "/rapportage/verhaal",
        data={
            "_csrf_token": token,
            "van": "2024-03-01",
            "tot": "2024-03-31",
            "locatie": str(world.a),
            "text": "In maart bakten we.",
        },
    )
    assert "In maart bakten we." in client.get(f"/rapportage?{YEAR}&locatie={world.a}").text
    assert "In maart bakten we." not in client.get(f"/rapportage?van=2024-04-01&tot=2024-12-31&locatie={world.a}").text


def test_nonsense_never_gives_a_500(client, test_settings, world):
    as_user(test_settings, client, world.coordinator_a)
    for query in (
        "van=%00&tot=%ff",
        "van=2024-01-01&tot=2024-12-31&locatie=%00",
        "van=2024-01-01&tot=2024-12-31&locatie=alle",
        "van=2024-01-01&tot=2024-12-31&locatie=1&locatie=2",
        "van=0001-01-01&tot=9999-12-31",
        "van=2024-01-01&tot=2024-12-31&exact=<script>",
        "van[]=1",
        "van=" + "9" * 5000,
    ):
        for route in ("/rapportage", "/rapportage/afdrukken", "/rapportage/export.csv", "/rapportage/export.xlsx"):
            response = client.get(f"{route}?{query}")
            assert response.status_code in (200, 400, 404, 422), (route, query, response.status_code)
    token = csrf_token(client, "/rapportage")
    for data in (
        {"van": "x", "tot": "y", "text": "z"},
        {"van": "2024-01-01", "tot": "2024-12-31", "locatie": str(world.a), "text": "a\x00b"},
        {"van": "2024-01-01", "tot": "2024-12-31", "locatie": str(world.a), "text": "x" * 5000},
        {"van": "2024-01-01", "tot": "2024-12-31", "locatie": "nee", "text": "ok"},
        {"van": ["2024-01-01", "2024-02-01"], "tot": "2024-12-31", "locatie": str(world.a), "text": ["a", "b"]},
        {},
    ):
        response = client.post("/rapportage/verhaal", data={"_csrf_token": token, **data}, follow_redirects=False)
        assert response.status_code in (303, 404, 422), (data, response.status_code)
    assert stories(test_settings) == []


# --- a story about Huiskamer De Vaart: its children's names and birthdays, however they are written ---------


@dataclass(frozen=True)
class DeVaart:
    location: UUID
    coordinator: UUID


def _child_at(session, location: UUID, referrer: UUID, given: str, family: str, born: date):
    from datetime import UTC, datetime

    from huiskamer.referrals.models import Child, Referral, ReferralLocation
    from huiskamer.referrals.service import match_key

    child = Child(
        given_name=given,
        family_name=family,
        date_of_birth=born,
        postcode="1325 AB",
        match_key=match_key(given, family),
    )
    session.add(child)
    when = datetime(2024, 3, 1, 10, tzinfo=UTC)
    referral = Referral(
        child=child,
        submitted_by_id=referrer,
        source="school",
        reason="Wil graag vriendjes maken.",
        guardian_informed=True,
        guardian_name="Ouder",
        guardian_phone="+31612345678",
        status="submitted",
        submitted_at=when,
        status_changed_at=when,
        referrer_visible_change_at=when,
    )
    referral.locations = [ReferralLocation(location_id=location, rank=1)]
    session.add(referral)


@pytest.fixture
def de_vaart(test_settings) -> DeVaart:
    """De Vaart with Jesse Mees (born 3 July 2021) and Ayla Öztürk; Noah Çelik is a child of another location."""
    vaart = make_location(test_settings, "Huiskamer De Vaart")
    elsewhere = make_location(test_settings, "Huiskamer Het Anker")
    referrer = make_user(test_settings, "referrer", password=None)

    async def fill(session):
        _child_at(session, vaart, referrer, "Jesse", "Mees", date(2021, 7, 3))
        _child_at(session, vaart, referrer, "Ayla", "Öztürk", date(2020, 2, 14))
        _child_at(session, elsewhere, referrer, "Noah", "Çelik", date(2019, 5, 6))

    in_session(test_settings, fill)
    return DeVaart(location=vaart, coordinator=make_user(test_settings, "coordinator", location_ids=(vaart,)))


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Jesse's moeder kwam elke week mee.", ["Jesse"]),
        ("Jesse’s moeder kwam elke week mee.", ["Jesse"]),
        ("Jesse-Mees speelde graag buiten.", ["Jesse", "Mees"]),
        ("De familie ÖZTÜRK was blij met de plek.", ["ÖZTÜRK"]),
        ("De familie Ozturk was blij met de plek.", ["Ozturk"]),
        ("Geboren op 3-7-21 en nu al zo groot.", ["03-07-2021"]),
        ("Jarig op 3 jul 2021, en trots.", ["03-07-2021"]),
        ("Jesse heeft leren delen.", ["Jesse"]),
        ("Mees Öztürk bakte een taart.", ["Mees", "Öztürk"]),
    ],
)
def test_a_story_naming_a_child_of_de_vaart_in_any_way_is_refused(client, test_settings, de_vaart, text, found):
    as_user(test_settings, client, de_vaart.coordinator)
    response = post_story(client, locatie=str(de_vaart.location), text=text)
    assert response.status_code == 422
    message = html.unescape(response.text)
    assert "Haal dit uit de tekst: " + ", ".join(found) + "." in message
    assert "geen namen of geboortedata" in message
    assert text in message  # the text is kept in the form
    assert stories(test_settings) == []


@pytest.mark.parametrize(
    "text",
    [
        "Een jongen van 8 leerde in maart zijn boosheid te benoemen.",
        "De meeste kinderen kwamen vaker.",
        "Meestal speelden de kinderen buiten; op 3 juli was er een feest.",
        "Noah Çelik is een kind van een andere huiskamer.",  # not a child of De Vaart
    ],
)
def test_an_anonymous_story_of_de_vaart_is_stored(client, test_settings, de_vaart, text):
    as_user(test_settings, client, de_vaart.coordinator)
    assert post_story(client, locatie=str(de_vaart.location), text=text).status_code == 303
    assert [story.text for story in stories(test_settings)] == [text]
