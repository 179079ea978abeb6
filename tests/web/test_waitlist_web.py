"""The coordinator's pages of a location: the ranked waitlist and "waarom hier?", capacity per day, proposals
with offering and placing, the family's answer, ending a placement; who may see them; no query per child."""

from __future__ import annotations

import re
from datetime import date, timedelta
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from huiskamer.placements.models import Offer, Placement, SeatClaim
from huiskamer.referrals.models import Referral
from huiskamer.site.templating import today
from tests.factories import in_session, login_as, post_form
from tests.web.waitlist_helpers import (
    QueryCounter,
    as_coordinator_a,
    cell,
    make_cast,
    next_weekday,
    referral_in_review,
    status_of,
    text_of,
    waiting_child,
)


def ranked_names(html: str) -> list[str]:
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return re.findall(r'<td class="child" data-label="Kind"><a href="[^"]+">([^<]+)</a>', body)


def offer(client, cast, rid, weekdays, start, respond_by=None, page=None):
    data = {
        "referral_id": rid,
        "weekdays": weekdays,
        "start_date": start.isoformat(),
        "respond_by": (respond_by or today() + timedelta(days=7)).isoformat(),
        "voorstel_start": start.isoformat(),
    }
    form_page = page or f"/locaties/{cast.a}/voorstellen"
    return post_form(client, f"/locaties/{cast.a}/aanbiedingen", data, form_page=form_page)


def place(client, cast, rid, weekdays, start):
    data = {"referral_id": rid, "weekdays": weekdays, "start_date": start.isoformat()}
    return post_form(client, f"/locaties/{cast.a}/plaatsingen", data, form_page=f"/locaties/{cast.a}/voorstellen")


def open_offer_id(settings, rid: str) -> str:
    async def work(session):
        return str(await session.scalar(select(Offer.id).where(Offer.referral_id == UUID(rid), Offer.status == "open")))

    return in_session(settings, work)


def placement_id(settings, rid: str) -> str:
    async def work(session):
        return str(await session.scalar(select(Placement.id).where(Placement.referral_id == UUID(rid))))

    return in_session(settings, work)


# --- the waitlist and "waarom hier?" -------------------------------------------------------------


def test_the_waitlist_ranks_children_by_the_policy_with_one_sentence_each(test_settings, client):
    cast = make_cast(test_settings)
    waiting_child(client, cast, "Noor", days_ago=40)
    waiting_child(client, cast, "Sem", days_ago=5, urgency="high", urgency_reason="Thuis erg onrustig.")
    waiting_child(client, cast, "Lotte", days_ago=20, requested_weekdays=["wed"], family="de Vries")
    as_coordinator_a(client, cast)
    page = client.get(f"/locaties/{cast.a}/wachtlijst")
    assert page.status_code == 200
    assert ranked_names(page.text) == ["Sem Bakker", "Noor Bakker", "Lotte de Vries"]
    text = text_of(page.text)
    assert "Wacht 5 dagen · urgentie hoog telt als 90 dagen · woont in de wijk: 14 dagen" in text
    assert "Wacht 40 dagen · woont in de wijk: 14 dagen" in text
    assert "(40 dagen)" in text and "8 jaar" in text
    assert 'title="maandag">ma</abbr>, <abbr title="dinsdag">di</abbr>, <abbr title="donderdag">do</abbr>' in page.text
    # On a later date, everybody has waited longer.
    later = client.get(f"/locaties/{cast.a}/wachtlijst?datum={(today() + timedelta(days=10)).isoformat()}")
    assert "Wacht 50 dagen" in later.text


def test_the_waitlist_filters_by_weekday_and_urgency_and_keeps_the_rank(test_settings, client):
    cast = make_cast(test_settings)
    waiting_child(client, cast, "Noor", days_ago=40)
    waiting_child(client, cast, "Sem", days_ago=5, urgency="high", urgency_reason="Thuis erg onrustig.")
    waiting_child(client, cast, "Lotte", days_ago=20, requested_weekdays=["wed"], family="de Vries")
    as_coordinator_a(client, cast)
    wednesday = client.get(f"/locaties/{cast.a}/wachtlijst?dag=wed")
    assert ranked_names(wednesday.text) == ["Lotte de Vries"]
    assert '<td class="num rank" data-label="Nr.">3</td>' in wednesday.text
    assert ranked_names(client.get(f"/locaties/{cast.a}/wachtlijst?urgentie=high").text) == ["Sem Bakker"]
    wrong = client.get(f"/locaties/{cast.a}/wachtlijst?datum=31-31-2026&dag=feestdag")
    assert wrong.status_code == 422
    assert "Vul een datum in" in wrong.text and "Kies een dag uit de lijst." in wrong.text
    assert len(ranked_names(wrong.text)) == 3


def test_why_here_shows_parts_that_add_up_to_the_score_and_the_child_above(test_settings, client):
    cast = make_cast(test_settings)
    waiting_child(client, cast, "Sem", days_ago=5, urgency="high", urgency_reason="Thuis erg onrustig.")
    noor = waiting_child(client, cast, "Noor", days_ago=40, urgency="elevated", urgency_reason="Weinig ruimte thuis.")
    as_coordinator_a(client, cast)
    page = client.get(f"/locaties/{cast.a}/wachtlijst/{noor}")
    assert page.status_code == 200
    table = page.text[page.text.index('<table class="score-table">') : page.text.index("</table>")]
    parts = [int(n) for n in re.findall(r'<td class="num">(\d+)</td></tr>', table[: table.index("<tfoot>")])]
    total = int(re.search(r'<tfoot>.*?<td class="num">(\d+)</td>', table, re.S).group(1))
    assert parts == [40, 30, 14]
    assert sum(parts) == total == 84
    text = text_of(page.text)
    assert "nummer 2 van 2" in text
    assert "Nummer 1: Sem Bakker , score 109" in text
    assert "Dat is 25 dagen meer." in text
    assert "Urgentie hoog zou +60 dagen tellen" in text  # what would move Noor up


def test_why_here_is_404_for_a_child_not_waiting_here(test_settings, client):
    cast = make_cast(test_settings)
    at_b = waiting_child(client, cast, "Tim", preferred_location_ids=[str(cast.a), str(cast.b)])
    in_review = referral_in_review(client, cast, "Noor")
    as_coordinator_a(client, cast)
    assert client.get(f"/locaties/{cast.a}/wachtlijst/{at_b}").status_code == 200
    assert client.get(f"/locaties/{cast.a}/wachtlijst/{in_review}").status_code == 404
    assert client.get(f"/locaties/{cast.a}/wachtlijst/{UUID(int=5)}").status_code == 404


# --- capacity at a glance ------------------------------------------------------------------------


def test_capacity_counts_placements_and_offers_per_day_and_marks_closure_days(test_settings, client):
    monday = next_weekday(0, today() + timedelta(days=7))
    tuesday = monday + timedelta(days=1)
    cast = make_cast(test_settings, closure_days=(tuesday + timedelta(days=7),))
    placed = waiting_child(client, cast, "Noor")
    offered = waiting_child(client, cast, "Sem")
    as_coordinator_a(client, cast)
    assert place(client, cast, placed, ["mon", "thu"], monday).status_code == 303
    assert offer(client, cast, offered, ["mon", "tue"], tuesday).status_code == 303
    page = client.get(f"/locaties/{cast.a}/capaciteit")
    assert page.status_code == 200
    html = page.text
    assert cell(html, monday - timedelta(days=7)).endswith("2 vrij 0 geplaatst · 2 plaatsen")
    assert cell(html, monday).endswith("1 vrij 1 geplaatst · 2 plaatsen")
    assert cell(html, tuesday).endswith("1 vrij 0 geplaatst · 1 aangeboden · 2 plaatsen")
    assert cell(html, monday + timedelta(days=7)).endswith("0 vrij vol 1 geplaatst · 1 aangeboden · 2 plaatsen")
    assert cell(html, tuesday + timedelta(days=7)).endswith("gesloten: Gesloten")
    assert cell(html, monday + timedelta(days=3)).endswith("1 vrij 1 geplaatst · 2 plaatsen")
    assert "zaterdag" not in html  # no seats at the weekend: no column
    # Ending the placement frees Noor's seats from the day after.
    end = post_form(
        client,
        f"/locaties/{cast.a}/plaatsingen/{placement_id(test_settings, placed)}/beeindigen",
        {"end_date": (monday + timedelta(days=7)).isoformat(), "reason_code": "moved_house"},
        form_page=f"/locaties/{cast.a}/plaatsingen",
    )
    assert end.status_code == 303, end.text
    html = client.get(f"/locaties/{cast.a}/capaciteit").text
    assert cell(html, monday + timedelta(days=7)).endswith("0 vrij vol 1 geplaatst · 1 aangeboden · 2 plaatsen")
    assert cell(html, monday + timedelta(days=14)).endswith("1 vrij 0 geplaatst · 1 aangeboden · 2 plaatsen")


def test_capacity_shows_the_chosen_weeks_and_the_description_of_a_closure_day(test_settings, client):
    christmas = date(today().year, 12, 25)
    cast = make_cast(test_settings)

    async def close(session):
        from huiskamer.locations.models import ClosureDay

        session.add(ClosureDay(location_id=cast.a, day=christmas, description="Eerste kerstdag"))

    in_session(test_settings, close)
    as_coordinator_a(client, cast)
    page = client.get(f"/locaties/{cast.a}/capaciteit?vanaf={christmas.isoformat()}")
    if christmas.weekday() < 5:
        assert cell(page.text, christmas).endswith("gesloten: Eerste kerstdag")
    assert f"Week {christmas.isocalendar().week}" in page.text
    assert client.get(f"/locaties/{cast.a}/capaciteit?vanaf=gisteren").status_code == 422


# --- proposals, offers and placements ------------------------------------------------------------


def test_offering_through_the_web_holds_the_seat(test_settings, client):
    cast = make_cast(test_settings, seats={"mon": 1, "tue": 1, "thu": 1})
    noor = waiting_child(client, cast, "Noor", days_ago=30)
    sem = waiting_child(client, cast, "Sem", days_ago=3)
    as_coordinator_a(client, cast)
    start = next_weekday(0)
    proposals = client.get(f"/locaties/{cast.a}/voorstellen?start={start.isoformat()}")
    assert proposals.status_code == 200
    assert "Noor Bakker" in proposals.text and "Sem Bakker" not in proposals.text
    assert re.search(rf'id="voorstel-{noor}-weekdays-mon" name="weekdays" value="mon" checked', proposals.text)
    response = offer(client, cast, noor, ["mon", "thu"], start)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/locaties/{cast.a}/aanbiedingen"
    offers = client.get(response.headers["location"])
    assert "Plaats aangeboden aan Noor Bakker: maandag en donderdag" in offers.text
    assert status_of(client, cast, noor) == "offered"
    assert "aangeboden" in cell(client.get(f"/locaties/{cast.a}/capaciteit?vanaf={start}").text, start)
    # The held seat is not proposed again, and cannot be taken by Sem.
    again = client.get(f"/locaties/{cast.a}/voorstellen?start={start.isoformat()}").text
    assert "Noor Bakker" not in again and "Sem Bakker" not in again  # Sem needs all three days; only Tuesday is free
    refused = place(client, cast, sem, ["mon"], start)
    assert refused.status_code == 409
    assert "Geen plaats meer op maandag bij Huiskamer Anemoon vanaf die datum: vol op maandag" in refused.text
    assert status_of(client, cast, sem) == "waitlisted"


def test_bad_input_on_an_offer_comes_back_in_that_childs_form(test_settings, client):
    cast = make_cast(test_settings)
    noor = waiting_child(client, cast, "Noor")
    as_coordinator_a(client, cast)
    start = next_weekday(0)
    response = offer(client, cast, noor, [], start, respond_by=today() - timedelta(days=1))
    assert response.status_code == 422
    form = response.text[response.text.index(f'id="voorstel-{noor}"') :]
    form = form[: form.index("</form>")]
    assert "Kies minstens één dag." in form
    assert f'value="{start.isoformat()}"' in form
    assert status_of(client, cast, noor) == "waitlisted"


def test_accepting_an_offer_places_the_child(test_settings, client):
    cast = make_cast(test_settings)
    noor = waiting_child(client, cast, "Noor")
    as_coordinator_a(client, cast)
    start = next_weekday(1)
    assert offer(client, cast, noor, ["tue", "thu"], start).status_code == 303
    offers = client.get(f"/locaties/{cast.a}/aanbiedingen").text
    assert "Noor Bakker" in offers and "Geaccepteerd" in offers
    accept = post_form(
        client,
        f"/locaties/{cast.a}/aanbiedingen/{open_offer_id(test_settings, noor)}/geaccepteerd",
        {},
        form_page=f"/locaties/{cast.a}/aanbiedingen",
    )
    assert accept.status_code == 303, accept.text
    placements = client.get(accept.headers["location"])
    assert "Noor Bakker is geplaatst: dinsdag en donderdag" in placements.text
    assert status_of(client, cast, noor) == "placed"
    assert "Noor Bakker" not in client.get(f"/locaties/{cast.a}/wachtlijst").text.split("<tbody>")[-1]
    day = cell(client.get(f"/locaties/{cast.a}/capaciteit?vanaf={start}").text, start)
    assert "1 geplaatst" in day and "aangeboden" not in day


def test_declining_an_offer_frees_the_seat_and_keeps_the_waiting_time(test_settings, client):
    cast = make_cast(test_settings)
    noor = waiting_child(client, cast, "Noor", days_ago=33)
    as_coordinator_a(client, cast)
    start = next_weekday(0)
    assert offer(client, cast, noor, ["mon"], start).status_code == 303
    offer_id = open_offer_id(test_settings, noor)
    decline = post_form(
        client,
        f"/locaties/{cast.a}/aanbiedingen/{offer_id}/afgeslagen",
        {"reason": "De maandag past toch niet."},
        form_page=f"/locaties/{cast.a}/aanbiedingen",
    )
    assert decline.status_code == 303, decline.text
    offers = client.get(decline.headers["location"]).text
    assert "Noor Bakker staat weer op de wachtlijst" in offers
    assert "afgeslagen" in offers and "De maandag past toch niet." in offers
    assert status_of(client, cast, noor) == "waitlisted"
    assert "Wacht 33 dagen" in client.get(f"/locaties/{cast.a}/wachtlijst").text
    assert "aangeboden" not in cell(client.get(f"/locaties/{cast.a}/capaciteit?vanaf={start}").text, start)


def test_an_expired_offer_is_marked_and_its_answer_is_refused_with_a_notice(test_settings, client):
    cast = make_cast(test_settings)
    noor = waiting_child(client, cast, "Noor")
    as_coordinator_a(client, cast)
    start = next_weekday(0)
    assert offer(client, cast, noor, ["mon"], start, respond_by=today()).status_code == 303
    offer_id = open_offer_id(test_settings, noor)

    async def let_it_lapse(session):
        yesterday = today() - timedelta(days=1)
        await session.execute(update(Offer).where(Offer.id == UUID(offer_id)).values(respond_by=yesterday))
        claims = update(SeatClaim).where(SeatClaim.offer_id == UUID(offer_id))
        await session.execute(claims.values(expires_on=yesterday))

    in_session(test_settings, let_it_lapse)
    offers = client.get(f"/locaties/{cast.a}/aanbiedingen").text
    expired = offers[offers.index('id="kop-verlopen"') :]
    assert "Noor Bakker" in expired and "verlopen" in expired
    accept = post_form(
        client,
        f"/locaties/{cast.a}/aanbiedingen/{offer_id}/geaccepteerd",
        {},
        form_page=f"/locaties/{cast.a}/aanbiedingen",
    )
    assert accept.status_code == 409
    assert "Dit aanbod is verlopen" in accept.text
    assert "aangeboden" not in cell(client.get(f"/locaties/{cast.a}/capaciteit?vanaf={start}").text, start)


def test_ending_a_placement_closes_the_referral_and_bad_input_stays_in_its_form(test_settings, client):
    cast = make_cast(test_settings)
    noor = waiting_child(client, cast, "Noor")
    as_coordinator_a(client, cast)
    start = next_weekday(2)
    assert place(client, cast, noor, ["mon", "wed"], start).status_code == 303
    pid = placement_id(test_settings, noor)
    url = f"/locaties/{cast.a}/plaatsingen/{pid}/beeindigen"
    wrong = post_form(
        client,
        url,
        {"end_date": start.isoformat(), "reason_code": "other", "reason": ""},
        form_page=f"/locaties/{cast.a}/plaatsingen",
    )
    assert wrong.status_code == 422
    row = wrong.text[wrong.text.index(f'id="plaatsing-{pid}"') :]
    assert '<details class="action" open>' in row[: row.index("</tr>")]
    assert "Licht de reden &#39;anders&#39; toe." in row[: row.index("</tr>")]
    assert re.search(r'<option value="other" selected>', row)
    assert status_of(client, cast, noor) == "placed"
    ended = post_form(
        client,
        url,
        {"end_date": start.isoformat(), "reason_code": "goals_reached"},
        form_page=f"/locaties/{cast.a}/plaatsingen",
    )
    assert ended.status_code == 303
    page = client.get(ended.headers["location"]).text
    # An ending in the future: the child stays placed and in the list until then; the referral closes the day after.
    assert "De plaatsing van Noor Bakker eindigt op" in page
    assert "de aanmelding wordt de dag erna vanzelf afgesloten" in page
    row = text_of(page[page.index(f'id="plaatsing-{pid}"') :].split("</tr>")[0])
    assert "Eindigt op" in row and "doelen behaald" in row
    assert status_of(client, cast, noor) == "placed"


def test_the_chooser_lists_the_coordinators_locations_or_goes_straight_to_the_only_one(test_settings, client):
    cast = make_cast(test_settings)
    as_coordinator_a(client, cast)
    response = client.get("/wachtlijst", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/locaties/{cast.a}/wachtlijst"
    assert client.get("/capaciteit", follow_redirects=False).headers["location"] == f"/locaties/{cast.a}/capaciteit"


def test_the_main_menu_marks_wachtlijst_or_capaciteit_on_a_locations_pages(test_settings, client):
    """The pages live under /locaties/…, but the coordinator reaches them through Wachtlijst or Capaciteit."""
    cast = make_cast(test_settings)
    noor = waiting_child(client, cast, "Noor")
    as_coordinator_a(client, cast)
    tabs = ("wachtlijst", f"wachtlijst/{noor}", "voorstellen", "aanbiedingen", "plaatsingen", "capaciteit")
    for tail in tabs:
        html = client.get(f"/locaties/{cast.a}/{tail}").text
        menu = html[html.index('aria-label="Hoofdmenu"') : html.index("</nav>")]
        marked = re.findall(r'<a href="([^"]+)" aria-current="page">', menu)
        assert marked == (["/capaciteit"] if tail == "capaciteit" else ["/wachtlijst"]), tail


# --- who may see what ----------------------------------------------------------------------------

PAGES = ("wachtlijst", "capaciteit", "voorstellen", "aanbiedingen", "plaatsingen")


@pytest.fixture
def busy_a(test_settings, client):
    """Location A with a waiting child, an open offer and a placement."""
    cast = make_cast(test_settings)
    waiting = waiting_child(client, cast, "Noor")
    offered = waiting_child(client, cast, "Sem")
    placed = waiting_child(client, cast, "Lotte")
    as_coordinator_a(client, cast)
    assert offer(client, cast, offered, ["mon"], next_weekday(0)).status_code == 303
    assert place(client, cast, placed, ["tue"], next_weekday(1)).status_code == 303
    return cast, waiting, open_offer_id(test_settings, offered), placement_id(test_settings, placed)


def test_a_coordinator_of_b_gets_404_on_every_page_and_action_of_a(test_settings, busy_a, make_client):
    cast, waiting, offer_id, pid = busy_a
    browser = login_as(test_settings, make_client(), cast.coordinator_b)
    for name in PAGES:
        assert browser.get(f"/locaties/{cast.a}/{name}").status_code == 404, name
        assert browser.get(f"/locaties/{cast.b}/{name}").status_code == 200, name
    assert browser.get(f"/locaties/{cast.a}/wachtlijst/{waiting}").status_code == 404
    start = next_weekday(3).isoformat()
    seat = {"referral_id": waiting, "weekdays": ["thu"], "start_date": start, "respond_by": start}
    for target in (cast.a, cast.b):  # through A's page, or by naming A's child on B's page
        assert post_form(browser, f"/locaties/{target}/aanbiedingen", seat, form_page="/").status_code == 404
        assert post_form(browser, f"/locaties/{target}/plaatsingen", seat, form_page="/").status_code == 404
    for target in (cast.a, cast.b):
        base = f"/locaties/{target}"
        assert post_form(browser, f"{base}/aanbiedingen/{offer_id}/geaccepteerd", {}, form_page="/").status_code == 404
        assert post_form(browser, f"{base}/aanbiedingen/{offer_id}/afgeslagen", {}, form_page="/").status_code == 404
        ending = {"end_date": start, "reason_code": "moved_house"}
        assert post_form(browser, f"{base}/plaatsingen/{pid}/beeindigen", ending, form_page="/").status_code == 404
    assert status_of(browser, cast, waiting) == "waitlisted"

    async def statuses(session):
        return sorted((await session.scalars(select(Referral.status))).all())

    assert in_session(test_settings, statuses) == ["offered", "placed", "waitlisted"]


def test_youth_workers_and_referrers_get_403_on_these_pages(test_settings, busy_a, make_client):
    cast, waiting, offer_id, pid = busy_a
    ending = {"end_date": next_weekday(3).isoformat(), "reason_code": "moved_house"}
    for person in (cast.youth_worker_a, cast.referrer):
        browser = login_as(test_settings, make_client(), person)
        for name in PAGES:
            assert browser.get(f"/locaties/{cast.a}/{name}").status_code == 403, name
        assert browser.get(f"/locaties/{cast.a}/wachtlijst/{waiting}").status_code == 403
        assert browser.get("/wachtlijst").status_code == 403
        assert browser.get("/capaciteit").status_code == 403
        seat = {"referral_id": waiting, "weekdays": ["thu"], "start_date": next_weekday(3).isoformat()}
        assert post_form(browser, f"/locaties/{cast.a}/plaatsingen", seat, form_page="/").status_code == 403
        assert (
            post_form(
                browser, f"/locaties/{cast.a}/aanbiedingen/{offer_id}/geaccepteerd", {}, form_page="/"
            ).status_code
            == 403
        )
        assert (
            post_form(browser, f"/locaties/{cast.a}/plaatsingen/{pid}/beeindigen", ending, form_page="/").status_code
            == 403
        )
    assert status_of(browser, cast, waiting) == "waitlisted"


# --- no query per child --------------------------------------------------------------------------


def test_the_pages_do_not_query_per_child(test_settings, client):
    """The same number of queries for 3 children as for 12 (with an offer and a placement more)."""
    cast = make_cast(test_settings, seats={"mon": 20, "tue": 20, "thu": 20})
    as_coordinator_a(client, cast)
    start = next_weekday(0)
    urls = [f"/locaties/{cast.a}/{name}" for name in PAGES] + [f"/locaties/{cast.a}/voorstellen?start={start}"]

    def add_children(first: int, last: int) -> None:
        children = [waiting_child(client, cast, f"Kind{n}", days_ago=n) for n in range(first, last)]
        assert place(client, cast, children[0], ["mon"], start).status_code == 303
        assert offer(client, cast, children[1], ["tue"], start).status_code == 303
        client.get("/")  # shows (and so clears) the flash messages of those two

    def queries() -> list[int]:
        counts = []
        for url in urls:
            with QueryCounter() as counter:
                assert client.get(url).status_code == 200
            counts.append(counter.count)
        return counts

    add_children(0, 3)
    few = queries()
    add_children(3, 12)
    assert queries() == few


# --- nonsense --------------------------------------------------------------------------------------

SEAT_FIELDS = [
    "referral_id",
    "weekdays",
    "start_date",
    "respond_by",
    "voorstel_start",
    "end_date",
    "reason_code",
    "reason",
    "location_id",
]
hostile = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "mon",
            "zondag",
            "2026-02-30",
            "31-12-2099",
            "1900-01-01",
            "<script>alert(1)</script>",
            "x" * 5000,
            "\x00",
            "other",
            "moved_house",
            str(UUID(int=7)),
            "-1",
        ]
    ),
)


def test_nonsense_on_every_form_gives_a_page_never_a_500_and_nothing_half_done(test_settings, client, busy_a):
    cast, waiting, offer_id, pid = busy_a
    token = re.search(r'name="_csrf_token" value="([^"]+)"', client.get(f"/locaties/{cast.a}/plaatsingen").text)
    base = f"/locaties/{cast.a}"
    posts = [
        f"{base}/aanbiedingen",
        f"{base}/plaatsingen",
        f"{base}/aanbiedingen/{offer_id}/afgeslagen",
        f"{base}/plaatsingen/{pid}/beeindigen",
        f"/locaties/{UUID(int=3)}/aanbiedingen",
        "/locaties/kapot/plaatsingen",
    ]
    gets = [f"{base}/wachtlijst", f"{base}/wachtlijst/{waiting}", f"{base}/capaciteit", f"{base}/voorstellen"]
    query_names = ["datum", "dag", "urgentie", "vanaf", "start"]

    @settings(max_examples=15, deadline=None)
    @given(
        form=st.dictionaries(st.sampled_from(SEAT_FIELDS), st.one_of(hostile, st.lists(hostile, max_size=3))),
        query=st.dictionaries(st.sampled_from(query_names), hostile),
    )
    def check(form, query) -> None:
        for url in posts:
            response = client.post(url, data={**form, "_csrf_token": token.group(1)}, follow_redirects=False)
            assert response.status_code < 500, (url, response.status_code, response.text[:300])
            if response.status_code == 422:
                assert "error-message" in response.text or "error-summary" in response.text, url
            assert "<script>alert(1)</script>" not in response.text
        for url in gets:
            response = client.get(url, params=query)
            assert response.status_code in (200, 422), (url, query, response.status_code)

    check()

    async def state(session):
        found = []
        for referral in (await session.scalars(select(Referral))).all():
            offers = (await session.scalars(select(Offer.status).where(Offer.referral_id == referral.id))).all()
            ends = select(Placement.end_date).where(Placement.referral_id == referral.id)
            running = (await session.scalars(ends)).all()
            found.append((referral.status, offers.count("open"), [end is None for end in running]))
        return found

    # Whatever got through was a whole, valid step: each status matches the offers and placements behind it.
    for status, open_offers, running in in_session(test_settings, state):
        assert open_offers == (1 if status == "offered" else 0), (status, open_offers)
        assert running.count(True) == (1 if status == "placed" else 0), (status, running)
        assert status != "closed" or running == [False], (status, running)
