"""The demo's referrals look like the real thing and obey the rules: every status, histories that follow the
status machine from the submission, believable ages, Almere postcodes, messages both ways, possible duplicates;
and the generator is deterministic."""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.demo import load_demo
from huiskamer.demo.referrals import FakeLocation, FakePerson, fake_referrals
from huiskamer.referrals.models import Child, Referral, ReferralEvent, ReferralLocation, ReferralMessage
from huiskamer.referrals.rules import MOVES, WITHDRAWABLE, Status
from huiskamer.waitlist import age_on
from tests.factories import in_session

DIAGNOSES = re.compile(
    r"\b(adhd|add|autis\w*|ass|pdd|odd|depress\w*|angststoornis|hechtingsstoornis|dyslex\w*)\b", re.I
)


def load(settings) -> dict:
    async def work(session: AsyncSession) -> dict:
        assert await load_demo(session) is not None
        await session.flush()
        return {
            "referrals": (await session.scalars(select(Referral))).all(),
            "children": {c.id: c for c in (await session.scalars(select(Child))).all()},
            "events": (await session.scalars(select(ReferralEvent).order_by(ReferralEvent.at))).all(),
            "messages": (await session.scalars(select(ReferralMessage))).all(),
            "links": (await session.scalars(select(ReferralLocation))).all(),
        }

    return in_session(settings, work)


def test_the_demo_has_referrals_in_every_status_with_valid_histories(test_settings):
    demo = load(test_settings)
    referrals = demo["referrals"]
    assert Counter(r.status for r in referrals).keys() == {s.value for s in Status}
    events = defaultdict(list)
    for event in demo["events"]:
        events[event.referral_id].append(event)
    now = datetime.now(UTC)
    for referral in referrals:
        history = events[referral.id]
        assert (history[0].from_status, history[0].to_status) == (None, "submitted")
        assert history[0].at == referral.submitted_at
        for before, after in itertools.pairwise(history):
            assert after.from_status == before.to_status
            assert after.at > before.at
            step = Status(after.to_status)
            assert step in MOVES[Status(before.to_status)] or (
                step is Status.WITHDRAWN and Status(before.to_status) in WITHDRAWABLE
            ), (before.to_status, after.to_status)
            if step in (Status.REJECTED, Status.CLOSED):
                assert after.reason_code and after.reason
            if step is Status.INTAKE_PLANNED:
                assert after.planned_at is not None
        assert history[-1].to_status == referral.status
        assert history[-1].at <= now
        assert referral.status_changed_at == history[-1].at


def test_demo_children_are_4_to_12_in_almere_with_reasons_in_a_referrers_words(test_settings):
    demo = load(test_settings)
    for referral in demo["referrals"]:
        child = demo["children"][referral.child_id]
        assert 4 <= age_on(child.date_of_birth, referral.submitted_at.date()) <= 12
        assert re.fullmatch(r"13\d\d [A-Z]{2}", child.postcode)
        assert not DIAGNOSES.search(referral.reason), referral.reason
        assert referral.guardian_informed
        assert referral.guardian_phone.startswith("+316")
    assert {r.source for r in demo["referrals"]} >= {"school", "ggd", "police", "guardian"}
    assert all(link.location_id for link in demo["links"])


def test_demo_has_messages_both_ways_and_possible_duplicates_by_different_referrers(test_settings):
    demo = load(test_settings)
    assert {m.from_referrer for m in demo["messages"]} == {True, False}
    by_key = defaultdict(list)
    for referral in demo["referrals"]:
        child = demo["children"][referral.child_id]
        by_key[(child.match_key, child.date_of_birth)].append(referral)
    twice = [group for group in by_key.values() if len(group) > 1]
    assert len(twice) >= 3
    assert all(len({r.submitted_by_id for r in group}) == len(group) for group in twice)


def test_the_generator_is_deterministic_with_a_seed():
    location = FakeLocation(UUID(int=1), ("Stedenwijk",))
    coordinator = FakePerson(UUID(int=2), "Fatima el Amrani", "coordinator", location_ids=(location.id,))
    referrer = FakePerson(UUID(int=3), "Marieke Smit", "referrer", source="school")
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)

    def make(seed: int):
        return fake_referrals(
            30,
            locations=[location],
            referrers=[referrer, coordinator],
            coordinators=[coordinator],
            now=now,
            seed=seed,
            every_status=True,
            duplicates=2,
        )

    assert make(7) == make(7)
    assert make(7).referrals != make(8).referrals
    assert len(make(7).referrals) == 32
