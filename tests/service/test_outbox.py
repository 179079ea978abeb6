"""E-mail notifications through the transactional outbox, against a real SMTP server on loopback (aiosmtpd).

The referrer who asked for e-mail hears of a status change and of a coordinator's message, with no child data in
the mail; the change commits whether or not the mail server is up; a failed delivery is retried with back-off and
goes out when the server is back; two workers never send one mail twice; without SMTP settings nothing is sent
and nothing is lost."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from huiskamer.auth.models import User
from huiskamer.config import Settings, SmtpSettings
from huiskamer.db import install_sqlite_pragmas
from huiskamer.mail import service as mail_service
from huiskamer.mail.models import OutboxEmail
from huiskamer.mail.service import backoff, deliver_due, enqueue
from huiskamer.worker import run_once
from tests.factories import api, email_of, in_session, make_location, make_token, make_user
from tests.mail_helpers import Inbox, body_of, deliver, free_port, outbox, sessions_for, smtp_server, smtp_settings
from tests.web.referral_helpers import referral_body, status_in_db, submit

NOTICE = "Er is een wijziging in een aanmelding. Log in om die te bekijken."


def make_due_now(settings: Settings) -> None:
    async def work(session: AsyncSession) -> None:
        await session.execute(update(OutboxEmail).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))

    in_session(settings, work)


def wants_email(settings: Settings, user_id: UUID, wanted: bool) -> None:
    async def work(session: AsyncSession) -> None:
        await session.execute(update(User).where(User.id == user_id).values(email_notifications=wanted))

    in_session(settings, work)


@pytest.fixture
def cast(test_settings, client) -> dict[str, Any]:
    location = make_location(test_settings, "Huiskamer De Vaart")
    coordinator = make_user(test_settings, "coordinator", location_ids=(location,), password=None)
    referrer = make_user(
        test_settings,
        "referrer",
        email="m.smit@regenboog.example",
        password=None,
        organisation=("Basisschool De Regenboog", "school"),
    )
    wants_email(test_settings, referrer, True)
    return {
        "location": location,
        "referrer_id": referrer,
        "coordinator": make_token(test_settings, coordinator),
        "referrer": make_token(test_settings, referrer),
    }


def move(client, cast, referral: str, **body: Any):
    return client.post(f"/api/v1/referrals/{referral}/transitions", json=body, headers=api(client, cast["coordinator"]))


CHILD_DATA = [
    *referral_body()["child"].values(),
    *referral_body()["guardian"].values(),
    referral_body()["reason"],
    "+31612345678",
    "06 12345678",
    "Noor",
    "Bakker",
    "schoolplein",
]


def assert_no_child_data(raw: bytes, message: EmailMessage) -> None:
    text = raw.decode("utf-8", "replace") + message.get_content()
    born = referral_body()["child"]["date_of_birth"]
    for value in [*CHILD_DATA, born, datetime.fromisoformat(born).strftime("%d-%m-%Y")]:
        assert str(value) not in text, value


# --- what goes out -------------------------------------------------------------------------------


def test_a_status_change_reaches_the_referrer_by_email_without_child_data(test_settings, client, cast):
    referral = submit(client, cast["referrer"], [cast["location"]])
    assert move(client, cast, referral, to="in_review").status_code == 200
    port = free_port()
    with smtp_server(port, Inbox()) as inbox:
        assert deliver(test_settings, smtp_settings(port)) == 1
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail["To"] == "m.smit@regenboog.example"
    assert mail["Subject"] == "Wijziging in een aanmelding"
    assert body_of(mail) == f"{NOTICE}\n\nhttp://testserver.local/aanmeldingen/{referral}\n"
    assert_no_child_data(inbox.raw[0], mail)
    (row,) = outbox(test_settings)
    assert row.sent_at is not None and row.attempts == 1 and row.last_error is None


def test_a_coordinators_message_reaches_the_referrer_by_email_without_its_text(test_settings, client, cast):
    referral = submit(client, cast["referrer"], [cast["location"]])
    text = "Noor is welkom op het intakegesprek; neem het groeiboekje mee."
    response = client.post(
        f"/api/v1/referrals/{referral}/messages", json={"text": text}, headers=api(client, cast["coordinator"])
    )
    assert response.status_code == 201
    port = free_port()
    with smtp_server(port, Inbox()) as inbox:
        assert deliver(test_settings, smtp_settings(port)) == 1
    (mail,) = inbox.messages
    assert body_of(mail) == f"{NOTICE}\n\nhttp://testserver.local/aanmeldingen/{referral}\n"
    assert "groeiboekje" not in inbox.raw[0].decode()
    assert_no_child_data(inbox.raw[0], mail)


def test_the_referrers_own_message_and_submission_send_no_email(test_settings, client, cast):
    referral = submit(client, cast["referrer"], [cast["location"]])
    client.post(f"/api/v1/referrals/{referral}/messages", json={"text": "Vraag"}, headers=api(client, cast["referrer"]))
    assert outbox(test_settings) == []


def test_a_referrer_who_did_not_ask_for_email_gets_none(test_settings, client, cast):
    wants_email(test_settings, cast["referrer_id"], False)
    referral = submit(client, cast["referrer"], [cast["location"]])
    assert move(client, cast, referral, to="in_review").status_code == 200
    client.post(
        f"/api/v1/referrals/{referral}/messages", json={"text": "Hallo"}, headers=api(client, cast["coordinator"])
    )
    assert outbox(test_settings) == []
    port = free_port()
    with smtp_server(port, Inbox()) as inbox:
        assert deliver(test_settings, smtp_settings(port)) == 0
    assert inbox.messages == []
    # The portal still shows the change: the referral is unread for the referrer.
    items = client.get("/api/v1/referrals", headers=api(client, cast["referrer"])).json()["items"]
    assert items[0]["unread"] is True


def test_every_mail_in_the_outbox_carries_only_the_notice_and_a_link(test_settings, client, cast):
    referral = submit(client, cast["referrer"], [cast["location"]])
    move(client, cast, referral, to="in_review")
    move(client, cast, referral, to="intake_planned", planned_at="2030-09-01T15:30:00+02:00")
    client.post(
        f"/api/v1/referrals/{referral}/messages", json={"text": "Tot dan!"}, headers=api(client, cast["coordinator"])
    )
    move(client, cast, referral, to="rejected", reason_code="other", reason="Noor gaat naar de bso van Bakker.")
    rows = outbox(test_settings)
    assert len(rows) == 4
    for row in rows:
        assert row.to_address == email_of(test_settings, cast["referrer_id"])
        assert row.body == f"{NOTICE}\n\nhttp://testserver.local/aanmeldingen/{referral}\n"
        assert row.subject == "Wijziging in een aanmelding"


# --- when the mail server is down ----------------------------------------------------------------


def test_with_the_smtp_server_down_the_change_commits_and_the_mail_goes_out_when_it_is_back(
    test_settings, client, cast
):
    port = free_port()  # nothing listens here
    referral = submit(client, cast["referrer"], [cast["location"]])
    response = move(client, cast, referral, to="in_review")
    assert response.status_code == 200
    assert status_in_db(test_settings, referral) == "in_review"

    before = datetime.now(UTC)
    assert deliver(test_settings, smtp_settings(port)) == 0
    (row,) = outbox(test_settings)
    assert row.sent_at is None
    assert row.attempts == 1
    assert row.next_attempt_at > before + timedelta(seconds=20)  # back-off, not a busy loop
    assert row.last_error
    assert row.locked_until is None
    # Not due yet: a second run does not try again.
    assert deliver(test_settings, smtp_settings(port)) == 0
    assert outbox(test_settings)[0].attempts == 1

    with smtp_server(port, Inbox()) as inbox:
        make_due_now(test_settings)
        assert deliver(test_settings, smtp_settings(port)) == 1
    assert len(inbox.messages) == 1
    (row,) = outbox(test_settings)
    assert row.sent_at is not None
    assert row.attempts == 2
    assert status_in_db(test_settings, referral) == "in_review"


def test_each_failure_waits_longer_up_to_an_hour():
    waits = [backoff(n) for n in range(1, 15)]
    assert waits[0] == timedelta(seconds=30)
    assert all(a <= b for a, b in itertools.pairwise(waits))
    assert waits[-1] == timedelta(hours=1)


def test_a_mail_that_keeps_failing_is_given_up_after_the_last_attempt(test_settings, client, cast):
    port = free_port()
    referral = submit(client, cast["referrer"], [cast["location"]])
    move(client, cast, referral, to="in_review")
    for _ in range(mail_service.MAX_ATTEMPTS + 2):
        make_due_now(test_settings)
        deliver(test_settings, smtp_settings(port))
    (row,) = outbox(test_settings)
    assert row.attempts == mail_service.MAX_ATTEMPTS
    assert row.sent_at is None and row.last_error


# --- several workers -------------------------------------------------------------------------------


def fill_outbox(settings: Settings, count: int) -> None:
    async def work(session: AsyncSession) -> None:
        for n in range(count):
            enqueue(session, f"verwijzer{n}@school.example", "Wijziging in een aanmelding", f"{NOTICE}\n\nlink {n}\n")

    in_session(settings, work)


def test_two_workers_at_the_same_time_never_send_a_mail_twice(test_settings):
    fill_outbox(test_settings, 12)
    port = free_port()

    async def both() -> list[int]:
        async with sessions_for(test_settings) as first, sessions_for(test_settings) as second:
            return list(
                await asyncio.gather(deliver_due(first, smtp_settings(port)), deliver_due(second, smtp_settings(port)))
            )

    with smtp_server(port, Inbox(delay=0.02)) as inbox:
        sent = asyncio.run(both())
        while sum(sent) < 12:  # a batch is limited; what is left goes out in the next round
            sent.append(deliver(test_settings, smtp_settings(port)))
    ids = [mail["Message-ID"] for mail in inbox.messages]
    assert len(ids) == 12
    assert len(set(ids)) == 12
    assert sum(sent) == 12
    assert all(row.sent_at is not None and row.attempts == 1 for row in outbox(test_settings))


def test_a_slow_mail_server_does_not_make_a_second_worker_send_the_same_mail(test_settings, monkeypatch):
    """A worker's claim must not run out while it is still sending earlier mails of its batch."""
    monkeypatch.setattr(mail_service, "CLAIM_SECONDS", 3)
    fill_outbox(test_settings, 10)
    port = free_port()

    async def staggered() -> list[int]:
        async with sessions_for(test_settings) as first, sessions_for(test_settings) as second:

            async def later() -> int:
                await asyncio.sleep(3.3)  # a claim on the whole batch (10 x 0.5 s) would have run out by now
                return await deliver_due(second, smtp_settings(port))

            return list(await asyncio.gather(deliver_due(first, smtp_settings(port)), later()))

    with smtp_server(port, Inbox(delay=0.5)) as inbox:
        started = time.monotonic()
        sent = asyncio.run(staggered())
        assert time.monotonic() - started > 3.3
    ids = [mail["Message-ID"] for mail in inbox.messages]
    assert sorted(ids) == sorted(set(ids)), "a mail went out twice"
    assert len(ids) == 10 == sum(sent)


# --- without SMTP settings ----------------------------------------------------------------------


def test_without_smtp_settings_nothing_is_sent_and_nothing_is_lost(test_settings, client, cast):
    referral = submit(client, cast["referrer"], [cast["location"]])
    assert move(client, cast, referral, to="in_review").status_code == 200
    assert test_settings.smtp is None

    async def worker_round() -> None:
        engine = create_async_engine(test_settings.database_url, poolclass=NullPool)
        try:
            await run_once(engine, test_settings)
        finally:
            await engine.dispose()

    asyncio.run(worker_round())
    assert deliver(test_settings, None) == 0
    (row,) = outbox(test_settings)
    assert (row.sent_at, row.attempts, row.last_error) == (None, 0, None)

    port = free_port()
    with smtp_server(port, Inbox()) as inbox:
        asyncio.run(_run_once_with(test_settings, smtp_settings(port)))
    assert len(inbox.messages) == 1
    assert outbox(test_settings)[0].sent_at is not None


async def _run_once_with(settings: Settings, smtp: SmtpSettings) -> None:
    """The worker as `huiskamer worker --once` runs it, once SMTP settings are configured."""
    engine = create_async_engine(settings.database_url, poolclass=NullPool)
    install_sqlite_pragmas(engine.sync_engine)
    try:
        await run_once(engine, dataclasses.replace(settings, smtp=smtp))
    finally:
        await engine.dispose()
