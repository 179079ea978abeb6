"""Helpers for the goal progress tests: children already placed (with their intake, goals and placement written
directly, as history), and a cast around two locations with log-ins and API tokens."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.config import Settings
from huiskamer.intake.models import Goal, Intake
from huiskamer.placements.models import Placement, SeatClaim
from huiskamer.progress.models import Evaluation, GoalEvaluation, ProgressNote
from huiskamer.referrals.models import Child, Referral, ReferralLocation
from huiskamer.referrals.service import match_key
from huiskamer.site.templating import today
from tests.factories import in_session, make_location, make_token, make_user

# What only a coordinator may read: a kinderwerker's page or JSON never holds these.
REASON = "Wijkagent meldt onrust thuis en vechtpartijen op het schoolplein."
URGENCY_REASON = "Thuissituatie zeer onrustig sinds de zomer."
SECRET_WORDS = ("Wijkagent meldt", "onrust thuis", "Thuissituatie zeer onrustig", "urgent", "Urgentie", "police")


@dataclass(frozen=True)
class PlacedChild:
    referral_id: UUID
    placement_id: UUID
    goal_ids: tuple[UUID, ...]


def make_placed_child(
    settings: Settings,
    location_id: UUID,
    placed_by: UUID,
    *,
    given: str = "Noor",
    family: str = "Bakker",
    age: int = 8,
    start: date | None = None,
    end: date | None = None,
    weekdays: Sequence[str] = ("mon", "tue", "thu"),
    goals: Sequence[str] = ("Minder snel boos worden als ik verlies", "Een vriendje maken in de groep"),
    collection_persons: Sequence[str] = ("M. Bakker (moeder)", "opa Bakker"),
    allergies: str | None = "Pinda's en noten",
    safety_notes: str | None = "Mag niet alleen naar huis.",
    also_referred_to: Sequence[UUID] = (),
) -> PlacedChild:
    """A child referred by the police with high urgency, placed at ``location_id`` from ``start`` (default: four
    months ago), with an intake a month before that and its goals."""
    start = start or today() - timedelta(days=120)
    now = datetime.now(UTC)

    async def work(session: AsyncSession) -> PlacedChild:
        born = date(today().year - age, 3, 14)
        child = Child(
            given_name=given,
            family_name=family,
            date_of_birth=born,
            postcode="1325 AB",
            neighbourhood="Stedenwijk",
            school="De Regenboog",
            match_key=match_key(given, family),
        )
        session.add(child)
        await session.flush()
        referral = Referral(
            child_id=child.id,
            submitted_by_id=placed_by,
            source="police",
            reason=REASON,
            guardian_informed=True,
            guardian_name="M. Bakker",
            guardian_phone="+31612345678",
            requested_weekdays=list(weekdays),
            status="closed" if end and end < today() else "placed",
            submitted_at=now - timedelta(days=200),
            status_changed_at=now,
            waiting_since=start - timedelta(days=30),
            referrer_visible_change_at=now,
        )
        session.add(referral)
        await session.flush()
        for rank, referred_to in enumerate((location_id, *also_referred_to), start=1):
            session.add(ReferralLocation(referral_id=referral.id, location_id=referred_to, rank=rank))
        intake = Intake(
            referral_id=referral.id,
            held_on=start - timedelta(days=30),
            held_by_id=placed_by,
            urgency="high",
            urgency_reason=URGENCY_REASON,
            requested_weekdays=list(weekdays),
            minimum_days=len(weekdays),
            consent_data_processing=True,
            collection_persons=list(collection_persons),
            allergies=allergies,
            safety_notes=safety_notes,
        )
        session.add(intake)
        await session.flush()
        goal_rows = [
            Goal(
                intake_id=intake.id,
                referral_id=referral.id,
                description=text,
                set_on=start - timedelta(days=30),
                position=index,
            )
            for index, text in enumerate(goals)
        ]
        session.add_all(goal_rows)
        placement = Placement(
            referral_id=referral.id,
            location_id=location_id,
            weekdays=list(weekdays),
            start_date=start,
            end_date=end,
            placed_by_id=placed_by,
        )
        session.add(placement)
        await session.flush()
        session.add_all(
            SeatClaim(location_id=location_id, weekday=day, start_date=start, end_date=end, placement_id=placement.id)
            for day in weekdays
        )
        await session.flush()
        return PlacedChild(referral.id, placement.id, tuple(goal.id for goal in goal_rows))

    return in_session(settings, work)


def add_evaluation_row(
    settings: Settings, referral_id: UUID, held_by: UUID, held_on: date, next_on: date | None
) -> UUID:
    """An evaluation in the history (without outcomes), for the due list."""

    async def work(session: AsyncSession) -> UUID:
        evaluation = Evaluation(
            referral_id=referral_id, held_on=held_on, held_by_id=held_by, next_evaluation_on=next_on
        )
        session.add(evaluation)
        await session.flush()
        return evaluation.id

    return in_session(settings, work)


def goals_of(settings: Settings, referral_id: UUID) -> list[Goal]:
    async def work(session: AsyncSession) -> list[Goal]:
        return list((await session.scalars(select(Goal).where(Goal.referral_id == referral_id))).all())

    return sorted(in_session(settings, work), key=lambda goal: goal.position)


def notes_of(settings: Settings, goal_id: UUID) -> list[ProgressNote]:
    async def work(session: AsyncSession) -> list[ProgressNote]:
        query = select(ProgressNote).where(ProgressNote.goal_id == goal_id).order_by(ProgressNote.created_at)
        return list((await session.scalars(query)).all())

    return in_session(settings, work)


def goal_evaluations_of(settings: Settings, referral_id: UUID) -> list[tuple[Evaluation, list[GoalEvaluation]]]:
    async def work(session: AsyncSession) -> list[tuple[Evaluation, list[GoalEvaluation]]]:
        evaluations = (await session.scalars(select(Evaluation).where(Evaluation.referral_id == referral_id))).all()
        result = []
        for evaluation in evaluations:
            rows = (
                await session.scalars(select(GoalEvaluation).where(GoalEvaluation.evaluation_id == evaluation.id))
            ).all()
            result.append((evaluation, list(rows)))
        return result

    return in_session(settings, work)


@dataclass
class People:
    """Location A and B; a coordinator and a youth worker of each, a referrer and a beheerder: user ids for the
    web, API tokens for the API."""

    settings: Settings
    a: UUID
    b: UUID
    ids: dict[str, UUID]
    tokens: dict[str, str]


def make_people(settings: Settings) -> People:
    a = make_location(settings, "Huiskamer Anemoon", neighbourhoods=("Stedenwijk",))
    b = make_location(settings, "Huiskamer Berk", neighbourhoods=("Kruidenwijk",))
    ids = {
        "coordinator_a": make_user(settings, "coordinator", location_ids=(a,), name="Fatima Coördinator"),
        "coordinator_b": make_user(settings, "coordinator", location_ids=(b,)),
        "youth_worker_a": make_user(settings, "youth_worker", location_ids=(a,), name="Shailesh Kinderwerker"),
        "youth_worker_b": make_user(settings, "youth_worker", location_ids=(b,)),
        "referrer": make_user(settings, "referrer"),
        "admin": make_user(settings, "admin"),
    }
    tokens = {role: make_token(settings, user_id) for role, user_id in ids.items()}
    return People(settings, a, b, ids, tokens)


def errors_of(response: Any) -> dict[str, str]:
    return {error["field"]: error["message"] for error in response.json().get("errors", [])}


def add_progress_rows(
    settings: Settings, goal_id: UUID, referral_id: UUID, recorded_by: UUID, rows: Sequence[tuple[int, int, str]]
) -> None:
    """Observations in the history: (days ago, rating, note)."""

    async def work(session: AsyncSession) -> None:
        session.add_all(
            ProgressNote(
                goal_id=goal_id,
                referral_id=referral_id,
                rating=rating,
                note=note,
                observed_on=today() - timedelta(days=days_ago),
                recorded_by_id=recorded_by,
            )
            for days_ago, rating, note in rows
        )

    in_session(settings, work)
