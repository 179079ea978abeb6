"""The beheerder's audit trail page: search by person, by record and by period; nobody else may see it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.audit.models import AuditEvent
from huiskamer.audit.service import search_audit
from huiskamer.auth.actor import Actor
from huiskamer.auth.models import Role, SecurityEvent, User
from huiskamer.errors import Forbidden
from tests.factories import PASSWORD, in_session, login_as, make_location, make_user, post_form

ANNA_ID = uuid4()
ANNA = "Anna de Vries <anna@deschoor.example>"
BRAM_ID = uuid4()
BRAM = "Bram Jansen <bram@deschoor.example>"


def add_event(
    settings,
    *,
    at: datetime,
    actor_id: UUID | None = ANNA_ID,
    label: str = ANNA,
    action: str = "update",
    table: str = "locations",
    record_id: str | None = None,
    changes: dict | None = None,
) -> str:
    """Writes one audit event as the hook would, with a chosen moment (to test the period filter)."""
    record_id = record_id or str(uuid4())

    async def work(session: AsyncSession) -> None:
        session.add(
            AuditEvent(
                at=at,
                actor_id=actor_id,
                actor_label=label,
                action=action,
                table_name=table,
                record_id=record_id,
                changes=changes if changes is not None else {"name": ["Oud", "Nieuw"]},
            )
        )

    in_session(settings, work)
    return record_id


def admin_client(settings, client):
    admin = make_user(settings, "admin", email="beheer@test.example", name="Els Beheer")
    login_as(settings, client, admin)
    return admin


def rows(html: str) -> int:
    return html.count('data-label="Wanneer"')


def field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="error-message" id="veld-{field}-fout">(.*?)</p>', html, re.S)
    assert match, f"geen foutmelding bij {field}"
    return re.sub(r"<[^>]+>", "", match.group(1)).replace("Fout: ", "").strip()


# --- who may see it -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "youth_worker", "referrer"])
def test_only_the_beheerder_may_open_the_audit_trail(test_settings, client, role):
    location = make_location(test_settings)
    user = make_user(test_settings, role, location_ids=(location,) if role in {"coordinator", "youth_worker"} else ())
    login_as(test_settings, client, user)
    response = client.get("/beheer/audit")
    assert response.status_code == 403
    assert "Geen toegang" in response.text


def test_without_a_session_the_audit_trail_redirects_to_the_login_page(client):
    response = client.get("/beheer/audit?persoon=anna", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/inloggen?volgende=")


def test_search_audit_refuses_a_coordinator(test_settings):
    coordinator = Actor(id=uuid4(), email="c@test.example", name="C", role=Role.COORDINATOR)

    async def work(session: AsyncSession) -> None:
        await search_audit(session, coordinator)

    with pytest.raises(Forbidden):
        in_session(test_settings, work)


# --- what it shows ------------------------------------------------------------------------------


def test_change_through_the_web_records_the_logged_in_admin(test_settings, client):
    admin = admin_client(test_settings, client)
    response = post_form(
        client,
        "/account/wachtwoord",
        {
            "current_password": PASSWORD,
            "new_password": "een-nieuw-wachtwoord",
            "repeat_password": "een-nieuw-wachtwoord",
        },
    )
    assert response.status_code == 303

    async def work(session: AsyncSession) -> tuple[list[AuditEvent], str]:
        events = (
            await session.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.table_name == "users", AuditEvent.record_id == str(admin), AuditEvent.action == "update"
                )
                .order_by(AuditEvent.seq)
            )
        ).all()
        user = await session.get(User, admin)
        assert user is not None and user.password_hash
        return list(events), user.password_hash

    events, password_hash = in_session(test_settings, work)
    # The last one: setting the first password (a bulk update) is in the trail too.
    change = [event for event in events if "password_hash" in event.changes][-1]
    assert change.actor_id == admin
    assert change.actor_label == "Els Beheer <beheer@test.example>"
    assert change.changes["password_hash"] == ["•••", "•••"]

    page = client.get(f"/beheer/audit?tabel=users&record={admin}")
    assert page.status_code == 200
    assert "Els Beheer &lt;beheer@test.example&gt;" in page.text
    assert "wachtwoord:</span>" in page.text
    assert '••• <span aria-hidden="true">→</span>' in page.text
    assert password_hash not in page.text
    assert "$argon2" not in page.text


def test_a_row_shows_when_who_what_which_and_the_changed_fields_in_dutch(test_settings, client):
    admin_client(test_settings, client)
    record = add_event(
        test_settings,
        at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        table="location_capacities",
        changes={"seats": [20, 24], "weekday": ["mon", "mon"]},
    )
    add_event(
        test_settings,
        at=datetime(2026, 3, 2, 9, 31, tzinfo=UTC),
        action="insert",
        table="users",
        changes={"name": [None, "Kees Visser"], "role": [None, "coordinator"], "password_hash": [None, "•••"]},
    )
    html = client.get("/beheer/audit").text
    assert "2 mrt 2026, 10:30:00" in html  # 09:30 UTC is 10:30 in Amsterdam (winter time)
    assert "Anna de Vries" in html
    assert "gewijzigd" in html and "aangemaakt" in html
    assert "capaciteit" in html and "gebruikers" in html
    assert re.search(
        r"plaatsen:</span>\s*20 <span aria-hidden=\"true\">→</span><span class=\"visually-hidden\">wordt</span> 24",
        html,
    )
    assert re.search(r"weekdag:</span>\s*maandag <span aria-hidden=\"true\">→", html)
    assert "coördinator" in html
    assert "wachtwoord:</span>" in html and "•••" in html
    # The record id links to everything about that record.
    assert f'href="/beheer/audit?tabel=location_capacities&amp;record={record}"' in html


def test_newest_first_and_fifty_per_page_with_next_and_previous(test_settings, client):
    admin_client(test_settings, client)
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    for minute in range(51):
        add_event(test_settings, at=start + timedelta(minutes=minute), changes={"seats": [minute, minute + 1]})
    first = client.get("/beheer/audit?tabel=locations").text
    assert rows(first) == 50
    assert first.index("09:50:00") < first.index("09:49:00")  # 08:50 UTC is the newest
    assert "09:00:00" not in first
    assert 'href="/beheer/audit?tabel=locations&amp;pagina=2"' in first
    assert "Vorige 50" not in first
    second = client.get("/beheer/audit?tabel=locations&pagina=2").text
    assert rows(second) == 1
    assert "09:00:00" in second
    assert 'href="/beheer/audit?tabel=locations"' in second and "Vorige 50" in second
    assert "Volgende 50" not in second


# --- the filters --------------------------------------------------------------------------------


def test_search_by_person_matches_part_of_the_name_or_email_in_any_case_or_the_id(test_settings, client):
    admin_client(test_settings, client)
    at = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    anna_record = add_event(test_settings, at=at)
    bram_record = add_event(test_settings, at=at, actor_id=BRAM_ID, label=BRAM)
    for query in ("anna", "DE VRIES", "anna@deschoor", str(ANNA_ID)):
        html = client.get("/beheer/audit", params={"persoon": query}).text
        assert anna_record in html, query
        assert bram_record not in html, query
    assert rows(client.get("/beheer/audit", params={"persoon": "deschoor.example"}).text) == 2
    nobody = client.get("/beheer/audit", params={"persoon": "%"}).text
    assert rows(nobody) == 0
    assert "Er zijn geen gebeurtenissen gevonden met deze zoekopdracht" in nobody


def test_search_by_record_shows_only_that_record(test_settings, client):
    admin_client(test_settings, client)
    at = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    wanted = add_event(test_settings, at=at, table="locations")
    add_event(test_settings, at=at + timedelta(minutes=1), table="locations", record_id=wanted)
    other = add_event(test_settings, at=at, table="locations")
    same_id_other_table = add_event(test_settings, at=at, table="closure_days", record_id=wanted)
    html = client.get("/beheer/audit", params={"tabel": "locations", "record": wanted}).text
    assert rows(html) == 2
    assert other not in html
    by_table = client.get("/beheer/audit", params={"tabel": "closure_days"}).text
    assert rows(by_table) == 1 and same_id_other_table in by_table


def test_search_by_period_uses_whole_days_in_amsterdam(test_settings, client):
    admin_client(test_settings, client)
    # 2 March 2026 in Amsterdam runs from 1 March 23:00 UTC to 2 March 23:00 UTC.
    just_in_at_start = add_event(test_settings, at=datetime(2026, 3, 1, 23, 0, tzinfo=UTC))
    just_in_at_end = add_event(test_settings, at=datetime(2026, 3, 2, 22, 59, 59, tzinfo=UTC))
    day_before = add_event(test_settings, at=datetime(2026, 3, 1, 22, 59, 59, tzinfo=UTC))
    day_after = add_event(test_settings, at=datetime(2026, 3, 2, 23, 0, tzinfo=UTC))
    html = client.get("/beheer/audit", params={"van": "2026-03-02", "tot": "2026-03-02"}).text
    assert just_in_at_start in html and just_in_at_end in html
    assert day_before not in html and day_after not in html
    # Dates as Dutch people type them work too; an open end means "from" or "until". (Only the locations
    # table: making and logging in the admin just now is in the trail too.)
    from_only = client.get("/beheer/audit", params={"van": "3-3-2026", "tabel": "locations"}).text
    assert rows(from_only) == 1 and day_after in from_only
    until_only = client.get("/beheer/audit", params={"tot": "01-03-2026", "tabel": "locations"}).text
    assert rows(until_only) == 1 and day_before in until_only


def test_a_summer_day_ends_at_2200_utc(test_settings, client):
    admin_client(test_settings, client)
    inside = add_event(test_settings, at=datetime(2026, 7, 1, 21, 59, tzinfo=UTC))
    outside = add_event(test_settings, at=datetime(2026, 7, 1, 22, 0, tzinfo=UTC))
    html = client.get("/beheer/audit", params={"van": date(2026, 7, 1).isoformat(), "tot": "2026-07-01"}).text
    assert inside in html and outside not in html


def test_filters_combine(test_settings, client):
    admin_client(test_settings, client)
    at = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    hit = add_event(test_settings, at=at, table="users")
    add_event(test_settings, at=at, table="locations")
    add_event(test_settings, at=at, table="users", actor_id=BRAM_ID, label=BRAM)
    add_event(test_settings, at=at - timedelta(days=3), table="users")
    html = client.get(
        "/beheer/audit", params={"persoon": "anna", "tabel": "users", "van": "2026-03-01", "tot": "2026-03-31"}
    ).text
    assert rows(html) == 1 and hit in html
    assert "Gezocht op: persoon “anna”, gebruikers, vanaf 1 maart 2026, tot en met 31 maart 2026." in html


def test_a_bad_date_gives_a_message_next_to_the_field_and_keeps_the_other_filters(test_settings, client):
    admin_client(test_settings, client)
    response = client.get("/beheer/audit", params={"persoon": "anna", "van": "31-02-2026", "tot": "gisteren"})
    assert response.status_code == 422
    assert field_error(response.text, "van") == "De begindatum is geen geldige datum. Gebruik bijvoorbeeld 2026-09-01."
    assert field_error(response.text, "tot") == "De einddatum is geen geldige datum. Gebruik bijvoorbeeld 2026-09-01."
    assert 'value="anna"' in response.text
    assert 'value="gisteren"' in response.text
    assert rows(response.text) == 0


def test_an_end_before_the_start_gives_a_message(test_settings, client):
    admin_client(test_settings, client)
    response = client.get("/beheer/audit", params={"van": "2026-03-10", "tot": "2026-03-01"})
    assert response.status_code == 422
    assert field_error(response.text, "tot") == "De einddatum ligt voor de begindatum."


def test_an_unknown_table_gives_a_message(test_settings, client):
    admin_client(test_settings, client)
    response = client.get("/beheer/audit", params={"tabel": "user_sessions"})
    assert response.status_code == 422
    assert field_error(response.text, "tabel") == "Kies een soort gegeven uit de lijst."


def test_the_table_choice_lists_the_audited_tables_in_dutch(test_settings, client):
    admin_client(test_settings, client)
    html = client.get("/beheer/audit").text
    for value, label in [
        ("users", "gebruikers"),
        ("locations", "locaties"),
        ("location_capacities", "capaciteit"),
        ("closure_days", "sluitingsdagen"),
        ("user_locations", "gebruiker-locatie"),
        ("organisations", "organisaties"),
        ("api_tokens", "API-tokens"),
        ("invitations", "uitnodigingen"),
    ]:
        assert f'<option value="{value}">{label}</option>' in html
    assert 'value="user_sessions"' not in html


_query_text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet="0123456789-/.", max_size=12),
    st.sampled_from(["9999-12-31", "0001-01-01", "2026-02-30", "-1", "1e9", "locations", "%_\\"]),
)


@given(
    persoon=_query_text,
    tabel=_query_text,
    record=_query_text,
    van=_query_text,
    tot=_query_text,
    pagina=_query_text,
)
def test_no_input_gives_a_server_error(test_settings, client, persoon, tabel, record, van, tot, pagina):
    if not client.cookies.get("hk_session"):
        admin_client(test_settings, client)
    params = {"persoon": persoon, "tabel": tabel, "record": record, "van": van, "tot": tot, "pagina": pagina}
    response = client.get("/beheer/audit", params=params)
    assert response.status_code in (200, 422), response.text[:500]
    if response.status_code == 422:
        assert 'class="error-message"' in response.text


def test_the_page_is_printable(test_settings, client):
    admin_client(test_settings, client)
    html = client.get("/beheer/audit").text
    assert 'href="/static/css/print.css" media="print"' in html
    css = client.get("/static/css/print.css").text
    assert ".filters" in css and ".pagination" in css


def test_logging_in_is_in_the_security_log_not_among_the_changes(test_settings, client):
    location_id = make_location(test_settings)
    user_id = make_user(
        test_settings, "coordinator", email="cora@deschoor.example", name="Cora Koster", location_ids=(location_id,)
    )
    login_as(test_settings, client, user_id)

    async def what_was_recorded(session: AsyncSession) -> tuple[list[AuditEvent], list[SecurityEvent]]:
        changes = await session.scalars(
            select(AuditEvent).where(AuditEvent.table_name == "users", AuditEvent.record_id == str(user_id))
        )
        logins = await session.scalars(select(SecurityEvent).where(SecurityEvent.user_id == user_id))
        return [event for event in changes if "last_login_at" in event.changes], list(logins)

    changes, security = in_session(test_settings, what_was_recorded)
    assert changes == []
    assert [event.kind for event in security] == ["login"]
    assert security[0].email == "cora@deschoor.example"
