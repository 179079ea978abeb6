"""The day list pages: the youth worker's start page; one line per child in one form for the whole list, which
works without JavaScript (POST-redirect-GET that really stores) and which the page's script sends row by row
(answered with that child's line only); the times and who collected the child; search and filters without
JavaScript; a concern about a child; other dates and the paper list; what a youth worker's HTML never holds; who
may open which list; how heavy the page is and how many queries it costs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from huiskamer.attendance.models import Attendance, AttendanceTap, Concern
from huiskamer.attendance.schemas import ROW_FIELDS
from huiskamer.audit.models import AccessLogEntry
from huiskamer.referrals.models import Referral
from huiskamer.site.templating import short_id, today
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


def tap(client: Any, cast: Cast, child: Any, code: str, *, on: Any = None, htmx: bool = False, **extra: Any) -> Any:
    """A button of the list's form: ``mark`` "<key>:<code>" (the key: the placement id in short)."""
    return post(client, day_path(cast, on), {"mark": f"{short_id(child.placement_id)}:{code}", **extra}, htmx=htmx)


def times(client: Any, cast: Cast, child: Any, *, on: Any = None, htmx: bool = False, **fields: Any) -> Any:
    """The row's times and collector, saved with its "Opslaan" button (or "confirm" after a warning)."""
    button = "confirm" if fields.pop("confirm", False) else "times"
    key = short_id(child.placement_id)
    data = {button: key}
    letters = {field: letter for letter, field in ROW_FIELDS.items()}
    data.update({f"{letters[name]}-{key}": value for name, value in fields.items()})
    return post(client, day_path(cast, on), data, htmx=htmx)


def row_html(html: str, placement_id: Any) -> str:
    start = html.index(f'<li id="k-{short_id(placement_id)}"')
    return html[start : html.index("</li>", start) + 5]


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
    # Each opening of the list is in the access log, for the child it showed.
    views = rows_of(cast.settings, AccessLogEntry, user_id=cast.youth_worker_a)
    assert len(views) == 5 and {view.action for view in views} == {"read"}
    assert views[0].what == f"daglijst Huiskamer Anemoon {today():%d-%m-%Y}" and views[0].role == "youth_worker"
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
    pages.append(tap(client, cast, child, "unexcused", on=today() + timedelta(days=1), htmx=True).text)  # refused
    for html in pages:
        for secret in (SECRET_REASON, SECRET_URGENCY, SECRET_GUARDIAN_PHONE, "06 87654321", "Politie", "politie"):
            assert secret not in html, secret
        assert "Noten" in html
    assert "Mag niet met de buurman mee." in pages[0] and "opa Bakker" in pages[0]
    assert "Minder snel boos worden" in pages[0]


def test_each_child_is_one_line_with_its_markers_and_one_aanwezig_button(client, cast):
    child = cast.place(given_name="Noor", family_name="de Vries")
    signed_in(cast.settings, client, cast.youth_worker_a)
    row = row_html(client.get("/daglijst").text, child.placement_id)
    summary = row[row.index("<summary>") : row.index("</summary>")]
    # On the line itself: first name and initial, age, status, and markers for the allergy and the safety note.
    assert "Noor V." in summary and "8 jr" in summary and "nog niet ingevuld" in summary
    assert 'class="fa">allergie<' in summary and 'class="fs">let op<' in summary
    key = short_id(child.placement_id)
    assert f'<button name="mark" value="{key}:present" class="kp" aria-pressed="false">' in row
    # Behind the name: the other statuses, the facts, the goals, the concern page and the child's page.
    for code in ("unexcused", "ill", "family", "other"):
        assert f'value="{key}:{code}"' in row
    assert "Noor de Vries" in row and "Mag niet met de buurman mee." in row and "Een vriendje maken" in row
    assert f'href="/daglijst/{child.placement_id}/signaal"' in row


# --- how heavy the page is ------------------------------------------------------------------------


def test_the_list_is_one_form_with_one_token_and_at_most_2_kb_a_child(client, cast):
    children = [cast.place(given_name=f"Kind{n}", family_name="Öztürk-van den Berg") for n in range(40)]
    signed_in(cast.settings, client, cast.youth_worker_a)
    for child in children[:20]:  # present children carry their times and who collects them
        tap(client, cast, child, "present")
    html = client.get("/daglijst").text
    sheet = html[
        html.index('<form method="post" action="/locaties/') : html.index("</form>", html.index("data-day-sheet"))
    ]
    assert sheet.count("<form") == 1 and sheet.count('name="_csrf_token"') == 1
    assert "hx-post" not in sheet and "hx-target" not in sheet
    rows = [row_html(html, child.placement_id) for child in children]
    sizes = [len(row.encode()) for row in rows]
    assert sum(sizes) / len(sizes) <= 2048, f"{sum(sizes) / len(sizes):.0f} bytes per child"
    assert max(sizes) <= 2300, max(sizes)


def test_the_page_costs_the_same_few_queries_for_3_or_30_children(client, cast):
    signed_in(cast.settings, client, cast.youth_worker_a)
    counts = []
    for children in (3, 27):
        for _ in range(children):
            cast.place()
        client.get("/daglijst")
        with QueryCounter() as counter:
            assert client.get("/daglijst").status_code == 200
        counts.append(counter.count)
    # Session with the location ids (1), the location with its seats (1), the children (1), their goals (1), and
    # who saw them written at the end in the access log: the children of the placements looked up, the chain's head
    # locked and moved on, the entries (4; on SQLite, BEGIN and COMMIT are not statements).
    assert counts[0] == counts[1] <= 8, counts


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


def test_the_view_is_written_after_the_page_is_rendered_not_during_it(client, cast, monkeypatch):
    """On SQLite the first write takes the database's write lock until the commit: the view of the list is written
    at the end, so that no tap of another phone waits for this page to render."""
    import jinja2

    for _ in range(3):
        cast.place()
    signed_in(cast.settings, client, cast.youth_worker_a)
    client.get("/daglijst")
    happened: list[str] = []
    render = jinja2.Template.render

    def rendering(self: Any, *args: Any, **kwargs: Any) -> str:
        happened.append("render")
        return render(self, *args, **kwargs)

    def statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        happened.append(sql.split()[0].upper() + (" access" if "access_log" in sql else ""))

    monkeypatch.setattr(jinja2.Template, "render", rendering)
    event.listen(Engine, "before_cursor_execute", statement)
    try:
        assert client.get("/daglijst").status_code == 200
    finally:
        event.remove(Engine, "before_cursor_execute", statement)
    writes = [n for n, step in enumerate(happened) if step.split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert "INSERT access" in happened, happened
    assert writes[0] > happened.index("render"), happened


def test_todays_list_may_be_kept_for_offline_use_and_nothing_else(client, cast):
    cast.place(start=days_back(10))
    signed_in(cast.settings, client, cast.youth_worker_a)
    for path in ("/", "/daglijst", day_path(cast)):
        assert client.get(path).headers["x-huiskamer-offline"] == f"{cast.youth_worker_a} {today()}"
    for path in (day_path(cast, days_back(1)), day_path(cast) + "/afdrukken", "/account", "/kinderen/x"):
        assert "x-huiskamer-offline" not in client.get(path).headers, path
    assert client.get("/sw.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/manifest.webmanifest").json()["start_url"] == "/"
    offline = client.get("/offline").text
    assert "Geen verbinding" in offline and "Kim" not in offline and "data-user" not in offline


def test_log_out_wipes_what_the_browser_kept(client, cast):
    signed_in(cast.settings, client, cast.youth_worker_a)
    response = post(client, "/uitloggen", {})
    assert response.status_code == 303
    assert response.headers["clear-site-data"] == '"cache", "storage"'


# --- a tap -----------------------------------------------------------------------------------------


def test_a_tap_without_javascript_stores_and_comes_back_to_the_list(client, cast):
    child = cast.place(given_name="Noor")
    signed_in(cast.settings, client, cast.youth_worker_a)
    response = tap(client, cast, child, "ill")
    assert response.status_code == 303
    assert response.headers["location"] == f"/locaties/{cast.a}/daglijst#k-{short_id(child.placement_id)}"
    [row] = attendance_rows(cast.settings, child.placement_id)
    assert (row.status, row.absence_reason) == ("absent_excused", "ill")
    page = client.get(response.headers["location"].split("#")[0]).text
    assert "Noor: afwezig met bericht (ziek)." in page
    assert f'value="{short_id(child.placement_id)}:ill" aria-pressed="true"' in row_html(page, child.placement_id)
    assert "afwezig: ziek" in row_html(page, child.placement_id)


def test_a_tap_from_the_script_that_stands_as_shown_is_answered_without_a_row(client, cast):
    noor = cast.place(given_name="Noor", start=days_back(10))
    cast.place(given_name="Sem")
    signed_in(cast.settings, client, cast.youth_worker_a)
    tap_id = str(uuid.uuid4())
    for _ in range(2):  # the same tap twice: one record, one tap in the history
        response = tap(client, cast, noor, "present", htmx=True, tap_id=tap_id)
        assert response.status_code == 204, response.text
        assert response.headers["x-daglijst-rij"] == "1" and response.content == b""
    assert len(attendance_rows(cast.settings, noor.placement_id)) == 1
    assert count_of(cast.settings, AttendanceTap, placement_id=noor.placement_id) == 1
    # An older tap that arrives later changes nothing: the phone gets the line as it stands, and only that line.
    older = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    response = tap(client, cast, noor, "ill", htmx=True, tap_id=str(uuid.uuid4()), tapped_at=older)
    assert response.status_code == 200 and response.headers["x-daglijst-rij"] == "1"
    html = response.text
    assert html.count('class="kid') == 1 and f'id="k-{short_id(noor.placement_id)}"' in html and "Sem" not in html
    assert "<html" not in html and "site-header" not in html
    assert 'class="kp" aria-pressed="true"' in html and "aanwezig sinds" in html
    assert response.headers["x-daglijst-melding"] == quote(
        "Noor: er was al een latere tik vastgelegd; die blijft staan."
    )
    assert attendance_rows(cast.settings, noor.placement_id)[0].status == "present"
    # A tap that raises a concern comes back with its line and the words for the kinderwerker.
    answers = [tap(client, cast, noor, "unexcused", on=days_back(n), htmx=True) for n in (1, 2, 3)]
    assert [answer.status_code for answer in answers] == [204, 204, 200]
    assert "Er staat nu een signaal voor de coördinator" in unquote(answers[2].headers["x-daglijst-melding"])
    assert count_of(cast.settings, Concern) == 1


def test_a_tap_queued_on_the_phone_keeps_the_phones_moment(client, cast):
    child = cast.place(given_name="Noor")
    signed_in(cast.settings, client, cast.youth_worker_a)
    # Twenty minutes ago, or just after midnight when it is not yet twenty past: the tap is for today's list.
    midnight = datetime.combine(today(), datetime.min.time(), tzinfo=ZoneInfo("Europe/Amsterdam"))
    tapped = max(datetime.now(UTC) - timedelta(minutes=20), midnight + timedelta(seconds=1))
    response = tap(client, cast, child, "present", htmx=True, tap_id=str(uuid.uuid4()), tapped_at=tapped.isoformat())
    assert response.status_code == 204, response.text
    [row] = attendance_rows(cast.settings, child.placement_id)
    assert abs((row.arrived_at - tapped).total_seconds()) < 1, "arrived when tapped, not when sent"
    future = tap(client, cast, child, "ill", htmx=True, tap_id=str(uuid.uuid4()), tapped_at="2099-01-01T10:00:00+01:00")
    assert future.status_code == 422 and "Niet opgeslagen" in future.text
    nonsense = tap(client, cast, child, "ill", htmx=True, tap_id="geen-uuid", tapped_at="gisteren")
    assert nonsense.status_code == 422


def test_a_refused_tap_shows_on_the_line_and_stores_nothing(client, cast):
    child = cast.place(given_name="Noor")
    signed_in(cast.settings, client, cast.youth_worker_a)
    tomorrow = today() + timedelta(days=1)
    response = tap(client, cast, child, "present", on=tomorrow, htmx=True)
    assert response.status_code == 409
    assert response.headers["x-daglijst-rij"] == "1"
    assert "kan pas op de dag zelf" in response.text and 'class="kid' in response.text
    nonsense = tap(client, cast, child, "weg", htmx=True)
    assert nonsense.status_code == 422 and "Niet opgeslagen" in nonsense.text
    plain = tap(client, cast, child, "unexcused", on=tomorrow)
    assert plain.status_code == 409 and "kan pas op de dag zelf" in plain.text and "<html" in plain.text
    no_child = post(client, day_path(cast), {"mark": "present"})
    assert no_child.status_code == 422 and "er was geen kind gekozen" in no_child.text
    assert count_of(cast.settings, Attendance) == 0


def test_a_child_not_expected_that_day_gets_409_with_the_message(client, cast):
    other_day = [day for day in WEEKDAYS if day != WEEKDAYS[today().weekday()]]
    child = cast.place(given_name="Noor", weekdays=other_day)
    signed_in(cast.settings, client, cast.youth_worker_a)
    for htmx in (True, False):
        response = tap(client, cast, child, "present", htmx=htmx)
        assert response.status_code == 409
        assert "niet op deze locatie verwacht" in response.text
    assert count_of(cast.settings, Attendance) == 0


# --- times and who collects the child --------------------------------------------------------------


def test_one_tap_on_a_collection_person_records_the_leaving_time_and_who(client, cast):
    child = cast.place(given_name="Noor")
    signed_in(cast.settings, client, cast.youth_worker_a)
    assert tap(client, cast, child, "present", htmx=True).status_code == 204
    html = row_html(client.get("/daglijst").text, child.placement_id)
    key = short_id(child.placement_id)
    assert f'name="pickup" value="{key}:opa Bakker"' in html and "Nu opgehaald door" in html
    response = post(client, day_path(cast), {"pickup": f"{key}:opa Bakker"}, htmx=True)
    assert response.status_code == 204, response.text
    assert " met opa Bakker" in row_html(client.get("/daglijst").text, child.placement_id)
    [row] = attendance_rows(cast.settings, child.placement_id)
    assert row.collected_by == "opa Bakker" and row.left_at is not None and row.arrived_at <= row.left_at
    assert count_of(cast.settings, Concern) == 0


def test_the_times_keep_what_was_typed_next_to_their_message(client, cast):
    child = cast.place(given_name="Noor", start=days_back(20))
    signed_in(cast.settings, client, cast.youth_worker_a)
    on = days_back(3)
    tap(client, cast, child, "present", on=on)
    response = times(
        client, cast, child, on=on, htmx=True, arrived_at="16:30", left_at="15:00", collected_by="opa Bakker"
    )
    assert response.status_code == 422
    assert "Het vertrek kan niet voor de aankomst liggen." in response.text
    assert 'value="16:30"' in response.text and 'value="opa Bakker"' in response.text
    assert "<details open>" in response.text and 'aria-invalid="true"' in response.text
    plain = times(client, cast, child, on=on, arrived_at="16:30", left_at="15:00", collected_by="opa Bakker")
    assert plain.status_code == 422 and 'value="16:30"' in row_html(plain.text, child.placement_id)
    ok = times(client, cast, child, on=on, arrived_at="16:30", left_at="17:45", collected_by="opa Bakker")
    assert ok.status_code == 303
    [row] = attendance_rows(cast.settings, child.placement_id)
    assert row.collected_by == "opa Bakker" and row.left_at.hour in (16, 17)  # 17:45 in Amsterdam, in UTC


def test_someone_not_on_the_list_is_stored_only_after_a_warning_and_raises_a_pickup_concern(client, cast):
    child = cast.place(given_name="Noor", start=days_back(20))
    signed_in(cast.settings, client, cast.youth_worker_a)
    on = days_back(1)  # yesterday: any time of it lies in the past, whenever the test runs
    tap(client, cast, child, "present", on=on)
    typed = {"arrived_at": "15:00", "left_at": "17:00", "collected_by": "Tante Ria"}
    for htmx in (True, False):
        warned = times(client, cast, child, on=on, htmx=htmx, **typed)
        assert warned.status_code == 409, warned.text
        assert "Let op: Tante Ria staat niet op de lijst van wie Noor mag ophalen." in warned.text
        assert f'<button name="confirm" value="{short_id(child.placement_id)}"' in warned.text
        assert 'value="Tante Ria"' in warned.text and 'value="17:00"' in warned.text  # what was typed stays
    assert attendance_rows(cast.settings, child.placement_id)[0].collected_by is None
    assert count_of(cast.settings, Concern) == 0
    confirmed = times(client, cast, child, on=on, htmx=True, confirm=True, **typed)
    assert confirmed.status_code == 200, confirmed.text  # with its line: the warning is said again
    assert "met Tante Ria" in confirmed.text
    assert attendance_rows(cast.settings, child.placement_id)[0].collected_by == "Tante Ria"
    [concern] = rows_of(cast.settings, Concern)
    assert concern.kind == "pickup" and concern.status == "open" and concern.urgent
    assert "opgehaald door Tante Ria, die niet op de lijst staat van wie Noor mag ophalen" in concern.text
    # Saved again with the same person: no second concern.
    assert times(client, cast, child, on=on, htmx=True, confirm=True, **typed).status_code == 204
    assert count_of(cast.settings, Concern) == 1
    # The coordinator sees it on top of the start page.
    signed_in(cast.settings, client, cast.coordinator_a)
    home = client.get("/").text
    assert "Dringend: 1 signaal over de veiligheid van een kind" in home
    assert home.index("kop-dringend") < home.index("kop-aanmeldingen")


# --- search and filters without JavaScript ---------------------------------------------------------


def test_search_ignores_case_and_accents_and_filters_show_a_status(client, cast):
    oz = cast.place(given_name="Elif", family_name="Öztürk")
    noor = cast.place(given_name="Noor", family_name="Bakker")
    sem = cast.place(given_name="Sem", family_name="Jansen")
    signed_in(cast.settings, client, cast.youth_worker_a)
    tap(client, cast, noor, "present")
    tap(client, cast, sem, "ill")

    def shown(**query: str) -> set[str]:
        html = client.get("/daglijst", params=query).text
        return {child.given_name for child in (oz, noor, sem) if f'id="k-{short_id(child.placement_id)}"' in html}

    assert shown(zoek="ozt") == {"Elif"}
    assert shown(zoek="OZTURK elif") == {"Elif"}
    assert shown(zoek="bak") == {"Noor"}
    assert shown(toon="aanwezig") == {"Noor"}
    assert shown(toon="afwezig") == {"Sem"}
    assert shown(toon="open") == {"Elif"}
    assert shown(toon="onzin", zoek="") == {"Elif", "Noor", "Sem"}
    none = client.get("/daglijst", params={"zoek": "xyz"}).text
    assert "Geen kind gevonden." in none and "data-none hidden" not in none
    # The counts above the list stay those of the whole day.
    assert '<span data-count="present">1</span>' in client.get("/daglijst", params={"zoek": "ozt"}).text


# --- a concern about a child -----------------------------------------------------------------------


def test_a_youth_worker_passes_on_an_observation_or_a_worry_about_safety(client, cast):
    child = cast.place(given_name="Noor")
    signed_in(cast.settings, client, cast.youth_worker_a)
    path = f"/daglijst/{child.placement_id}/signaal"
    form = client.get(path)
    assert form.status_code == 200 and "Signaal over Noor B." in form.text
    assert "Ik maak me zorgen over de veiligheid van Noor" in form.text
    empty = post(client, path, {"kind": "observation", "text": "   "})
    assert empty.status_code == 422 and "Vul wat u zag of hoorde in." in empty.text
    wrong = post(client, path, {"kind": "iets", "text": "Noor huilde."})
    assert wrong.status_code == 422 and 'value="Noor huilde."' not in wrong.text and "Noor huilde." in wrong.text
    response = post(client, path, {"kind": "observation", "text": "Noor huilde bij het brengen."})
    assert response.status_code == 303 and response.headers["location"].endswith(f"#k-{short_id(child.placement_id)}")
    worry = post(client, path, {"kind": "safeguarding", "text": "Blauwe plekken op beide armen."})
    assert worry.status_code == 303
    kinds = sorted((c.kind, c.location_id, c.referral_id) for c in rows_of(cast.settings, Concern))
    assert kinds == [("observation", cast.a, child.referral_id), ("safeguarding", cast.a, child.referral_id)]
    page = client.get("/daglijst").text
    assert "Uw zorg om Noor is meteen aan de coördinator doorgegeven." in page


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
    assert client.get(f"/daglijst/{child_b.placement_id}/signaal").status_code == 404
    assert tap(client, cast, child_b, "present").status_code == 409  # not on A's list: as if unknown
    key = short_id(child_b.placement_id)
    assert post(client, day_path(cast, location=cast.b), {"mark": f"{key}:present"}).status_code == 404
    path = f"/daglijst/{child_b.placement_id}/signaal"
    assert post(client, path, {"kind": "observation", "text": "x"}).status_code == 404
    assert count_of(cast.settings, Attendance) == 0 and count_of(cast.settings, Concern) == 0


@pytest.mark.parametrize("who", ["referrer", "admin"])
def test_referrers_and_beheerders_have_no_day_list(client, cast, who):
    child = cast.place()
    signed_in(cast.settings, client, getattr(cast, who))
    assert client.get("/daglijst").status_code == 403
    assert client.get(f"/locaties/{cast.a}/daglijst").status_code == 403
    response = post(client, day_path(cast), {"mark": f"{short_id(child.placement_id)}:present"}, form_page="/account")
    assert response.status_code == 403
    assert count_of(cast.settings, Attendance) == 0


class Statements:
    """The SQL statements every engine in this process sends while the block runs, in order."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def _note(self, _conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        self.sent.append(" ".join(sql.split()))

    def __enter__(self) -> Statements:
        event.listen(Engine, "before_cursor_execute", self._note)
        return self

    def __exit__(self, *_: Any) -> None:
        event.remove(Engine, "before_cursor_execute", self._note)

    def touching(self, table: str) -> list[int]:
        return [n for n, sql in enumerate(self.sent) if f" {table} " in f" {sql} "]

    def starting(self, words: str) -> list[int]:
        return [n for n, sql in enumerate(self.sent) if sql.startswith(words)]


def test_a_tap_appends_to_both_chains_in_two_statements_and_looks_up_no_child(client, cast):
    """A tap holds SQLite's writers' turn, which every other tap waits for, from its first write to its commit. Its
    change goes into the audit trail and the access log, each a chain: both heads are taken in one statement and
    moved in one, and the child of the record comes with the placement's lock instead of a look-up at commit."""
    child = cast.place()
    signed_in(cast.settings, client, cast.youth_worker_a)
    client.get("/daglijst")
    token = csrf_token(client, "/daglijst")
    data = {"mark": f"{short_id(child.placement_id)}:present", "tap_id": str(uuid.uuid4())}
    with Statements() as statements:
        response = client.post(day_path(cast), data=data, headers={**HTMX, "x-csrftoken": token})
    assert response.status_code in (200, 204)
    heads = statements.touching("chain_heads")
    assert len(heads) == 2, statements.sent
    inserts = statements.touching("audit_events") + statements.touching("access_log")
    assert len(inserts) == 2 and heads[0] < min(inserts) and max(inserts) < heads[1], statements.sent
    assert not statements.starting("SELECT referrals.id, referrals.child_id"), statements.sent
    [referral] = rows_of(cast.settings, Referral, id=child.referral_id)
    [entry] = rows_of(cast.settings, AccessLogEntry, user_id=cast.youth_worker_a, action="change")
    assert entry.child_id == referral.child_id


def test_a_pages_readers_are_resolved_before_the_access_log_takes_its_chain(client, cast, monkeypatch):
    """The reads a page noted are made into access log rows before its commit takes SQLite's writers' turn (which
    every tap waits for) and the chain's head: the look-up of the children of the referrals it named comes first."""
    import contextlib

    from huiskamer import db

    child = cast.place()
    signed_in(cast.settings, client, cast.coordinator_a)
    client.get(f"/kinderen/{child.referral_id}")
    statements = Statements()
    taking_turns = db.one_writer_per_process

    @contextlib.asynccontextmanager
    async def noted_turn(session: Any) -> Any:
        async with taking_turns(session):
            statements.sent.append("(the writers' turn)")
            yield

    monkeypatch.setattr(db, "one_writer_per_process", noted_turn)
    with statements:
        assert client.get(f"/kinderen/{child.referral_id}").status_code == 200
    heads = statements.touching("chain_heads")
    looked_up = statements.starting("SELECT referrals.id, referrals.child_id")
    assert heads and looked_up and max(looked_up) < heads[0], statements.sent
    if cast.settings.database_url.startswith("sqlite"):  # PostgreSQL takes no turns
        assert max(looked_up) < statements.sent.index("(the writers' turn)") < heads[0], statements.sent
