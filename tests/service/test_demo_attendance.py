"""The demo's year in the huiskamers obeys the rules of issue 7: attendance only on the days a child is expected
(its weekdays, within its placement, not on a closure day, never today or later), absence rates like the real
thing (about 8% ill, 3% unexcused, more illness in winter), times and who collected the child; concerns raised as
the service raises them, some still open; progress ratings that climb, evaluations every three months that
close goals as the rules say."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.attendance import rules as attendance_rules
from huiskamer.attendance.models import Attendance, Concern
from huiskamer.auth.models import User
from huiskamer.config import Settings
from huiskamer.demo import load_demo
from huiskamer.intake.models import Goal, Intake
from huiskamer.locations.models import ClosureDay
from huiskamer.placements.models import Placement
from huiskamer.progress import rules as progress_rules
from huiskamer.progress.models import Evaluation, GoalEvaluation, ProgressNote
from huiskamer.referrals.models import Child, Referral
from huiskamer.site.templating import AMSTERDAM
from huiskamer.site.templating import today as amsterdam_today
from tests.conftest import empty_database
from tests.factories import in_session


@dataclass
class Year:
    today: date
    placements: dict[UUID, Placement]
    closures: dict[UUID, set[date]]
    attendance: list[Any]
    concerns: list[Concern]
    notes: list[ProgressNote]
    evaluations: list[Evaluation]
    outcomes: list[GoalEvaluation]
    goals: dict[UUID, Goal]
    intakes: dict[UUID, Intake]
    names: dict[UUID, str]
    staff: dict[UUID, set[UUID]]  # user id -> location ids, for coordinators and youth workers
    roles: dict[UUID, str]


@pytest.fixture(scope="module")
def year(database_url: str, sync_engine) -> Year:
    empty_database(sync_engine)
    settings = Settings(database_url=database_url, dev_mode=True, run_worker=False)

    async def work(session: AsyncSession) -> Year:
        assert await load_demo(session) is not None
        await session.flush()

        async def all_of(model: Any) -> list[Any]:
            return list((await session.scalars(select(model))).all())

        closures: dict[UUID, set[date]] = defaultdict(set)
        for closure in await all_of(ClosureDay):
            closures[closure.location_id].add(closure.day)
        attendance = (
            await session.execute(
                select(
                    Attendance.placement_id,
                    Attendance.referral_id,
                    Attendance.location_id,
                    Attendance.day,
                    Attendance.status,
                    Attendance.absence_reason,
                    Attendance.arrived_at,
                    Attendance.left_at,
                    Attendance.collected_by,
                    Attendance.recorded_by_id,
                    Attendance.created_at,
                )
            )
        ).all()
        names = dict(
            (
                await session.execute(select(Referral.id, Child.given_name).join(Child, Child.id == Referral.child_id))
            ).all()
        )
        users = await all_of(User)
        return Year(
            today=amsterdam_today(),
            placements={p.id: p for p in await all_of(Placement)},
            closures=closures,
            attendance=list(attendance),
            concerns=await all_of(Concern),
            notes=await all_of(ProgressNote),
            evaluations=await all_of(Evaluation),
            outcomes=await all_of(GoalEvaluation),
            goals={g.id: g for g in await all_of(Goal)},
            intakes={i.referral_id: i for i in await all_of(Intake)},
            names=names,
            staff={u.id: set(u.location_ids) for u in users},
            roles={u.id: u.role for u in users},
        )

    return in_session(settings, work)


def local(moment) -> date:
    return moment.astimezone(AMSTERDAM).date()


def test_attendance_is_recorded_only_on_expected_days_and_never_today_or_later(year):
    seen = set()
    for row in year.attendance:
        placement = year.placements[row.placement_id]
        assert (row.referral_id, row.location_id) == (placement.referral_id, placement.location_id)
        assert attendance_rules.is_expected_on(placement, row.day, year.closures[placement.location_id]), row
        assert row.day < year.today
        assert (row.placement_id, row.day) not in seen
        seen.add((row.placement_id, row.day))
        assert year.roles[row.recorded_by_id] == "youth_worker"
        assert row.location_id in year.staff[row.recorded_by_id]
    assert not any(row.day in year.closures[row.location_id] for row in year.attendance)


def test_every_expected_day_of_the_past_year_is_filled_in(year):
    """A year back from yesterday, each placement has a record for every day its child was expected."""
    first = year.today - timedelta(days=365)
    by_placement = defaultdict(set)
    for row in year.attendance:
        by_placement[row.placement_id].add(row.day)
    for placement in year.placements.values():
        days = set()
        day = max(placement.start_date, first)
        last = min(placement.end_date or year.today, year.today - timedelta(days=1))
        while day <= last:
            if attendance_rules.is_expected_on(placement, day, year.closures[placement.location_id]):
                days.add(day)
            day += timedelta(days=1)
        assert by_placement[placement.id] == days, placement.id
    assert min(row.day for row in year.attendance) >= first
    assert len({(row.day.year, row.day.month) for row in year.attendance}) >= 12
    assert len(year.attendance) > 10_000


def test_absence_rates_are_realistic_and_higher_in_winter(year):
    count = Counter((row.status, row.absence_reason) for row in year.attendance)
    total = len(year.attendance)
    ill = count[("absent_excused", "ill")] / total
    unexcused = count[("absent_unexcused", None)] / total
    present = count[("present", None)] / total
    assert 0.065 <= ill <= 0.095, ill
    assert 0.02 <= unexcused <= 0.04, unexcused
    assert count[("absent_excused", "family")] and count[("absent_excused", "other")]
    assert 0.82 <= present <= 0.9, present

    def ill_rate(months: set[int]) -> float:
        rows = [row for row in year.attendance if row.day.month in months]
        return sum(row.absence_reason == "ill" for row in rows) / len(rows)

    # The model makes a winter day about twice as likely to be ill as a summer day; one demo year is a sample of some
    # 160 children whose own proneness to illness varies, and which year it is depends on the day it is loaded
    # (loaded on 2026-12-05 the ratio came out at 1.35): clearly more, not exactly twice.
    assert ill_rate({12, 1, 2}) > 1.25 * ill_rate({6, 7, 8})


def test_present_children_have_times_and_who_collected_them(year):
    present = [row for row in year.attendance if row.status == "present"]
    with_leaving = 0
    for row in present:
        assert local(row.arrived_at) == row.day
        assert 12 <= row.arrived_at.astimezone(AMSTERDAM).hour <= 15
        if row.left_at is not None:
            with_leaving += 1
            assert local(row.left_at) == row.day and row.left_at > row.arrived_at
            assert row.collected_by in year.intakes[row.referral_id].collection_persons
    assert with_leaving / len(present) > 0.9
    for row in year.attendance:
        if row.status != "present":
            assert row.arrived_at is None and row.left_at is None and row.collected_by is None


def test_unexcused_absence_raises_concerns_as_the_service_does_some_still_open(year):
    threshold, window = 3, 30
    unexcused = defaultdict(list)
    for row in sorted(year.attendance, key=lambda row: row.created_at):  # in the order they were tapped
        if row.status == "absent_unexcused":
            unexcused[row.placement_id].append(row)
    raised = [c for c in year.concerns if c.kind == "unexcused_absence"]
    assert len(raised) >= 10
    by_placement = defaultdict(list)
    for concern in sorted(raised, key=lambda c: c.raised_at):
        by_placement[concern.placement_id].append(concern)
    for placement_id, concerns in by_placement.items():
        for before, after in itertools.pairwise(concerns):
            assert before.resolved_at is not None and before.resolved_at < after.raised_at  # never two open at once
        for n, concern in enumerate(concerns):
            handled = concerns[n - 1].created_at if n else None
            taps = [
                row
                for row in unexcused[placement_id]
                if row.created_at < concern.raised_at and (handled is None or row.created_at > handled)
            ]
            counted = [row.day for row in taps]
            assert attendance_rules.reaches_threshold(counted, threshold, window)
            # Raised at the first tap that could: the one before did not reach it within the window around its
            # day (all the service looks at after a tap), or came while one was open.
            low, high = attendance_rules.concern_window(taps[-2].day, window)
            around = [day for day in counted[:-1] if low <= day <= high]
            assert not attendance_rules.reaches_threshold(around, threshold, window) or (
                n and concerns[n - 1].resolved_at > taps[-2].created_at
            )
            assert concern.text.startswith(year.names[concern.referral_id])
            assert concern.raised_by_id is None
    for concern in year.concerns:
        if concern.status == "resolved":
            assert concern.resolved_at > concern.raised_at and concern.resolution_note
            assert year.roles[concern.resolved_by_id] == "coordinator"
            assert concern.location_id in year.staff[concern.resolved_by_id]
        else:
            assert concern.status == "open" and concern.resolved_at is None
    statuses = Counter((c.kind, c.status) for c in year.concerns)
    assert statuses[("unexcused_absence", "open")] >= 1 and statuses[("unexcused_absence", "resolved")] >= 5
    assert statuses[("observation", "open")] >= 1 and statuses[("observation", "resolved")] >= 1
    for concern in year.concerns:
        if concern.kind == "observation":
            assert year.roles[concern.raised_by_id] == "youth_worker"


def test_progress_ratings_climb_over_the_months_on_days_the_child_was_there(year):
    present = {(row.referral_id, row.day) for row in year.attendance if row.status == "present"}
    by_goal = defaultdict(list)
    for note in year.notes:
        goal = year.goals[note.goal_id]
        assert note.referral_id == goal.referral_id and 1 <= note.rating <= 4 and note.note
        assert (note.referral_id, note.observed_on) in present
        assert goal.closed_on is None or note.observed_on <= goal.closed_on
        by_goal[note.goal_id].append(note)
    assert len(by_goal) > 150
    rising = flat_or_down = 0
    for notes in by_goal.values():
        if len(notes) < 6:
            continue
        notes.sort(key=lambda n: n.observed_on)
        third = len(notes) // 3
        early = sum(n.rating for n in notes[:third]) / third
        late = sum(n.rating for n in notes[-third:]) / third
        if late > early:
            rising += 1
        else:
            flat_or_down += 1
    assert rising > 3 * flat_or_down


def test_evaluations_every_three_months_close_goals_as_the_rules_say(year):
    by_referral = defaultdict(list)
    for evaluation in year.evaluations:
        by_referral[evaluation.referral_id].append(evaluation)
    outcomes = defaultdict(list)
    for outcome in year.outcomes:
        outcomes[outcome.evaluation_id].append(outcome)
    for evaluations in by_referral.values():
        evaluations.sort(key=lambda e: e.held_on)
        for before, after in itertools.pairwise(evaluations):
            assert before.next_evaluation_on is not None
            # Every three months; the last conversation, when a placement ends, may come sooner.
            assert (after.held_on - before.held_on).days >= 85 or after.next_evaluation_on is None
        for evaluation in evaluations:
            assert evaluation.held_on <= year.today and evaluation.created_at <= datetime.now(UTC)
            decided = outcomes[evaluation.id]
            assert decided
            still_open = progress_rules.is_open_after({str(o.goal_id): o.outcome for o in decided})
            if still_open:
                assert evaluation.next_evaluation_on == progress_rules.next_evaluation_on(evaluation.held_on, 3)
            else:
                assert evaluation.next_evaluation_on is None
            for outcome in decided:
                goal = year.goals[outcome.goal_id]
                if outcome.outcome in ("reached", "stopped"):
                    assert (goal.status, goal.closed_on) == (outcome.outcome, evaluation.held_on)
                if outcome.outcome == "adjusted":
                    assert outcome.note and outcome.note.startswith("Eerder: ")
                    assert goal.status == "active" or goal.closed_on > evaluation.held_on  # later reached or stopped
    count = Counter(o.outcome for o in year.outcomes)
    assert count["reached"] >= 50 and count["adjusted"] >= 5 and count["stopped"] >= 1 and count["continued"]
    for goal in year.goals.values():
        assert (goal.closed_on is None) == (goal.status == "active")
        if goal.closed_on is not None:
            assert goal.closed_on <= year.today
    # An evaluation with the parents about every three months: a placement running for a year has three or more.
    long_running = [
        p for p in year.placements.values() if p.end_date is None and p.start_date < year.today - timedelta(days=400)
    ]
    assert long_running
    assert sum(len(by_referral[p.referral_id]) >= 3 for p in long_running) > 0.6 * len(long_running)
