"""The day list pages: the youth worker's start page, one tap per child as a plain form (POST-redirect-GET that
really stores) and as an htmx swap of that child's row only, the times and who collected the child, an
observation for the coordinator, other dates and the paper list; what a youth worker's HTML never holds; who
may open which list; a constant number of queries whatever the number of children."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from huiskamer.attendance.models import Attendance, Concern
from huiskamer.audit.models import AuditEvent
from huiskamer.site.templating import today
from huiskamer.validation import WEEKDAYS
from tests.attendance_helpers import (
    SECRET_GUARDIAN_PHONE,
    SECRET_REASON,
    SECRET_URGENCY,
    Cast,
    attendance_rows,
    count_of,
    days_back,
    make_cast,
    rows_of,
    signed_in,
)
from tests.factories import csrf_token
from tests.web.waitlist_helpers import QueryCounter

HTMX = {"HX-Request": "true"}


@pytest.fixture
def cast(test_settings) -> Cast:
    return make_cast(test_settings, with_tokens=False)


def day_path(cast: Cast, on: Any = None, location: Any = None) -> str:
    return f"/locaties/{location or cast.a}/daglijst/{on or today()}"


def post(client: Any, path: str, data: dict[str, Any], *, htmx: bool = False, form_page: str = "/daglijst") -> Any:
    token = csrf_token(client, form_page)
    headers = {**HTMX, "x-csrftoken": token} if htmx else {}
    return client.post(path, data={"_csrf_token": token, **data}, headers=headers, follow_redirects=False)


def row_html(html: str, placement_id: Any) -> str:
    start = html.index(f'<li id="kind-{placement_id}"')
    return html[start : html.index("</li>", html.index('class="action concern-form"', start)) + 5]


# --- the youth worker's start page -----------------------------------------------------------------


def test_the_youth_workers_start_page_is_todays_day_list_of_their_location(client, cast):
    noor = cast.place(given_name="Noor")
    cast.place(given_name="Elders", location="b")
    signed_in(cast.settings, client, cast.youth_worker_a)
    for path in ("/", "/daglijst", f"/locaties/{cast.a}/daglijst", day_path(cast)):
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        assert "Daglijst Huiskamer Anemoon" in response.text
        assert f'href="/kinderen/{noor.referral_id}"' in response.text
        assert "Elders" not in response.text
    assert "U bent kinderwerker bij Huiskamer Anemoon" in client.get("/").text
    views = rows_of(cast.settings, AuditEvent, action="view", table_name="locations")
    assert len(views) == 5 and views[0].record_id == str(cast.a) and views[0].actor_id == cast.youth_worker_a
    assert views[0].changes == {"bekeken": f"daglijst {today()}"}
    assert '<a href="/daglijst" aria-current="page">Daglijst</a>' in client.get(day_path(cast)).text


def test_a_youth_worker_of_two_locations_chooses(client, cast, test_settings):
    from tests.factories import make_user

    both = make_user(test_settings, "youth_worker", location_ids=(cast.a, cast.b), password=None)
    cast.place(given_name="Noor")
    signed_in(cast.settings, client, both)
    for path in ("/", "/daglijst"):
        text = client.get(path).text
        assert f'href="/locaties/{cast.a}/daglijst"' in text and f'href="/locaties/{cast.b}/daglijst"' in text
        assert "1</strong> verwacht" in text


def test_the_day_list_shows_the_practical_part_and_never_the_coordinator_only_facts(client, cast):
    child = cast.place(given_name="Noor")
    signed_in(cast.settings, client, cast.youth_worker_a)
    pages = [client.get("/").text, client.get(day_path(cast) + "/afdrukken").text]
    pages.append(post(client, f"{day_path(cast)}/{child.placement_id}", {"mark": "present"}, htmx=True).text)
    for html in pages:
        for secret in (SECRET_REASON, SECRET_URGENCY, SECRET_GUARDIAN_PHONE, "06 87654321", "Politie", "politie"):
            assert secret not in html, secret
        assert "Noten" in html
    assert "Mag niet met de buurman mee." in pages[0] and "opa Bakker" in pages[0]
    assert "Minder snel boos worden" in pages[0]


# --- a tap -----------------------------------------------------------------------------------------


def test_a_tap_without_javascript_stores_and_comes_back_to_the_list(client, cast):
    child = cast.place(given_name="Noor")
    signed_in(cast.settings, client, cast.youth_worker_a)
    response = post(client, f"{day_path(cast)}/{child.placement_id}", {"mark": "ill"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/locaties/{cast.a}/daglijst#kind-{child.placement_id}"
    [row] = attendance_rows(cast.settings, child.placement_id)
    assert (row.status, row.absence_reason) == ("absent_excused", "ill")
    page = client.get(response.headers["location"].split("#")[0]).text
    assert "Noor: afwezig met bericht (ziek)." in page
    assert 'aria-pressed="true"' in row_html(page, child.placement_id)


def test_an_htmx_tap_answers_with_that_childs_row_and_the_counts_only(client, cast):
    noor = cast.place(given_name="Noor")
    cast.place(given_name="Sem")
    signed_in(cast.settings, client, cast.youth_worker_a)
    for _ in range(2):  # the same tap twice: one record
        response = post(client, f"{day_path(cast)}/{noor.placement_id}", {"mark": "present"}, htmx=True)
        assert response.status_code == 200, response.text
        assert response.headers["x-daglijst-rij"] == "1"
    html = response.text
    assert html.count("data-child-row") == 1
    assert f'id="kind-{noor.placement_id}"' in html and "Sem" not in html
    assert '<span id="telling-aanwezig" hx-swap-oob="true">1</span>' in html
    assert "<html" not in html and "site-header" not in html
    assert re.search(r'id="kind-[^"]+-present"[^>]*aria-pressed="true"', html)
    assert "Aangekomen om" in html
    assert len(attendance_rows(cast.settings, noor.placement_id)) == 1


def test_every_button_of_a_row_posts_its_own_form_to_the_childs_address(client, cast):
    child = cast.place(given_name="Noor")
    signed_in(cast.settings, client, cast.youth_worker_a)
    row = row_html(client.get("/daglijst").text, child.placement_id)
    action = f"{day_path(cast)}/{child.placement_id}"
    assert f'<form method="post" action="{action}" class="mark-form">' in row
    for code in ("present", "unexcused", "ill", "family", "other"):
        assert re.search(rf'name="mark" value="{code}"[^>]*hx-post="{re.escape(action)}"', row, re.S), code
    assert 'hx-target="#kind-' in row and 'hx-swap="outerHTML"' in row


def test_a_refused_tap_shows_on_the_row_and_stores_nothing(client, cast):
    child = cast.place(given_name="Noor")
    signed_in(cast.settings, client, cast.youth_worker_a)
    tomorrow = today() + timedelta(days=1)
    response = post(client, f"{day_path(cast, tomorrow)}/{child.placement_id}", {"mark": "present"}, htmx=True)
    assert response.status_code == 409
    assert response.headers["x-daglijst-rij"] == "1"
    assert "kan pas op de dag zelf" in response.text and "data-child-row" in response.text
    nonsense = post(client, f"{day_path(cast)}/{child.placement_id}", {"mark": "weg"}, htmx=True)
    assert nonsense.status_code == 422 and "Niet opgeslagen" in nonsense.text
    plain = post(client, f"{day_path(cast, tomorrow)}/{child.placement_id}", {"mark": "unexcused"})
    assert plain.status_code == 409 and "kan pas op de dag zelf" in plain.text and "<html" in plain.text
    assert count_of(cast.settings, Attendance) == 0


def test_a_child_not_expected_that_day_gets_409_with_the_message(client, cast):
    other_day = [day for day in WEEKDAYS if day != WEEKDAYS[today().weekday()]]
    child = cast.place(given_name="Noor", weekdays=other_day)
    signed_in(cast.settings, client, cast.youth_worker_a)
    for htmx in (True, False):
        response = post(client, f"{day_path(cast)}/{child.placement_id}", {"mark": "present"}, htmx=htmx)
        assert response.status_code == 409
        assert "niet op deze locatie verwacht" in response.text
    assert count_of(cast.settings, Attendance) == 0


# --- times, collection and an observation ---------------------------------------------------------


def test_one_tap_on_a_collection_person_records_the_leaving_time_and_who(client, cast):
    child = cast.place(given_name="Noor")
    signed_in(cast.settings, client, cast.youth_worker_a)
    path = f"{day_path(cast)}/{child.placement_id}"
    html = post(client, path, {"mark": "present"}, htmx=True).text
    assert 'value="opa Bakker"' in html and "Nu opgehaald door" in html
    response = post(client, f"{path}/tijden", {"left_at": "nu", "collected_by": "opa Bakker"}, htmx=True)
    assert response.status_code == 200, response.text
    assert "opgehaald door opa Bakker" in response.text
    [row] = attendance_rows(cast.settings, child.placement_id)
    assert row.collected_by == "opa Bakker" and row.left_at is not None and row.arrived_at <= row.left_at


def test_the_times_form_keeps_what_was_typed_next_to_its_message(client, cast):
    child = cast.place(given_name="Noor", start=days_back(20))
    signed_in(cast.settings, client, cast.youth_worker_a)
    on = days_back(3)
    path = f"{day_path(cast, on)}/{child.placement_id}"
    post(client, path, {"mark": "present"})
    data = {"arrived_at": "16:30", "left_at": "15:00", "collected_by": "__anders__", "collected_by_other": "Tante Ria"}
    response = post(client, f"{path}/tijden", data, htmx=True)
    assert response.status_code == 422
    assert "Het vertrek kan niet voor de aankomst liggen." in response.text
    assert 'value="16:30"' in response.text and 'value="Tante Ria"' in response.text
    assert '<details class="action" open>' in response.text
    ok = post(client, f"{path}/tijden", {**data, "left_at": "17:45"})
    assert ok.status_code == 303
    [row] = attendance_rows(cast.settings, child.placement_id)
    assert row.collected_by == "Tante Ria"
    missing = post(client, f"{path}/tijden", {"collected_by": "__anders__", "collected_by_other": ""}, htmx=True)
    assert missing.status_code == 422 and "Vul in wie het kind ophaalde." in missing.text


def test_a_youth_worker_passes_on_an_observation_from_the_row(client, cast):
    child = cast.place(given_name="Noor")
    signed_in(cast.settings, client, cast.youth_worker_a)
    path = f"{day_path(cast)}/{child.placement_id}/signaal"
    empty = post(client, path, {"text": "   "}, htmx=True)
    assert empty.status_code == 422 and "Vul uw observatie in." in empty.text
    response = post(client, path, {"text": "Noor huilde bij het brengen en wilde niet praten."}, htmx=True)
    assert response.status_code == 200
    assert "Uw signaal over Noor is doorgegeven aan de coördinator." in response.text
    [concern] = rows_of(cast.settings, Concern)
    assert (concern.kind, concern.location_id, concern.referral_id) == ("observation", cast.a, child.referral_id)


# --- other dates and the paper list ---------------------------------------------------------------


def test_other_dates_open_and_a_wrong_date_gets_a_message(client, cast):
    child = cast.place(given_name="Noor", start=days_back(10))
    signed_in(cast.settings, client, cast.youth_worker_a)
    yesterday = client.get(day_path(cast, days_back(1)))
    assert yesterday.status_code == 200 and "Noor" in yesterday.text and "Vandaag" in yesterday.text
    chosen = client.get(f"/locaties/{cast.a}/daglijst?datum={days_back(2)}", follow_redirects=False)
    assert chosen.status_code == 303 and chosen.headers["location"] == day_path(cast, days_back(2))
    wrong = client.get(f"/locaties/{cast.a}/daglijst?datum=30-02-2026")
    assert wrong.status_code == 422 and "Geef een datum als JJJJ-MM-DD" in wrong.text
    assert 'value="30-02-2026"' in wrong.text
    assert client.get(f"/locaties/{cast.a}/daglijst/gisteren").status_code == 404
    assert client.get(f"/locaties/{cast.a}/daglijst/1999-01-01").status_code == 404
    assert child.given_name == "Noor"


def test_the_paper_list_names_children_by_first_name_and_initial_without_buttons(client, cast):
    cast.place(given_name="Noor", family_name="de Vries")
    signed_in(cast.settings, client, cast.youth_worker_a)
    html = client.get(f"{day_path(cast)}/afdrukken").text
    assert "Noor V." in html and "de Vries" not in html
    assert 'name="mark"' not in html and "data-print" in html


def test_a_closure_day_says_so(client, test_settings):
    cast = make_cast(test_settings, with_tokens=False, closure_days=(today(),))
    cast.place(given_name="Noor")
    signed_in(cast.settings, client, cast.youth_worker_a)
    html = client.get("/daglijst").text
    assert "is gesloten" in html and "Noor" not in html


# --- who may see what ---------------------------------------------------------------------------


def test_a_youth_worker_of_a_gets_404_on_everything_of_b(client, cast):
    child_b = cast.place("b", given_name="Elders")
    signed_in(cast.settings, client, cast.youth_worker_a)
    assert client.get(f"/locaties/{cast.b}/daglijst").status_code == 404
    assert client.get(day_path(cast, location=cast.b)).status_code == 404
    assert client.get(day_path(cast, location=cast.b) + "/afdrukken").status_code == 404
    for tail in ("", "/tijden", "/signaal"):
        path = f"{day_path(cast, location=cast.b)}/{child_b.placement_id}{tail}"
        assert post(client, path, {"mark": "present", "text": "x"}).status_code == 404
    assert count_of(cast.settings, Attendance) == 0 and count_of(cast.settings, Concern) == 0


@pytest.mark.parametrize("who", ["referrer", "admin"])
def test_referrers_and_beheerders_have_no_day_list(client, cast, who):
    child = cast.place()
    signed_in(cast.settings, client, getattr(cast, who))
    assert client.get("/daglijst").status_code == 403
    assert client.get(f"/locaties/{cast.a}/daglijst").status_code == 403
    response = post(client, f"{day_path(cast)}/{child.placement_id}", {"mark": "present"}, form_page="/account")
    assert response.status_code == 403
    assert count_of(cast.settings, Attendance) == 0


def test_the_day_list_reads_the_same_few_queries_for_3_or_30_children(client, cast):
    signed_in(cast.settings, client, cast.youth_worker_a)
    counts = []
    for children in (3, 27):
        for _ in range(children):
            cast.place()
        client.get("/daglijst")
        with QueryCounter() as counter:
            assert client.get("/daglijst").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_the_youth_workers_start_page_reads_todays_list_once(client, cast):
    """With one location, the start page is that day list: no more queries than the list's own page."""
    signed_in(cast.settings, client, cast.youth_worker_a)
    for _ in range(3):
        cast.place()
    client.get("/daglijst")
    counts = {}
    for url in ("/", "/daglijst"):
        with QueryCounter() as counter:
            assert client.get(url).status_code == 200
        counts[url] = counter.count
    assert counts["/"] == counts["/daglijst"], counts
