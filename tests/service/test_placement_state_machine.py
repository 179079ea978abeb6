"""Offers and placements as a hypothesis state machine, on a real database through the services.

A few locations with one to three seats per weekday, a handful of children put on the waitlist through the
intake service, and random steps: offer a seat, accept, decline, let time pass (so that offers lapse by
date before the worker has run), run the worker's expiry, place directly, end a placement. A small model in
the test predicts each answer (done, 409 or 422) by counting seats per concrete date; after every step the
invariants compare the database with the model:

- on no location, weekday and date within the next eight weeks are more seats taken (placements and open
  offers whose respond-by date has not passed) than the capacity, counted straight from the placement and
  offer rows; and the seat claims that the capacity check reads agree with that count on every such date;
- every referral has the status the model expects;
- every waiting child is on exactly the waitlists of its acceptable locations, with its original
  waiting_since; an offered, placed or closed child is on none.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar
from uuid import UUID

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth.actor import Actor
from huiskamer.config import Settings
from huiskamer.errors import Conflict, DomainError, InvalidInput
from huiskamer.placements import ranking
from huiskamer.placements import service as placements
from huiskamer.placements.models import Offer, Placement, SeatClaim
from huiskamer.placements.rules import weekday_of
from huiskamer.referrals.models import Referral
from huiskamer.referrals.rules import CLOSE_REASONS
from huiskamer.site.templating import today as real_today
from tests.service.seat_helpers import Sessions, empty, new_actor, new_location, waitlisted_referral

T = TypeVar("T")
DAYS = ("mon", "tue", "wed", "thu")  # few weekdays, few seats: the steps compete for them
CHECK_WEEKS = 8
EXAMPLES = {"dev": 25, "ci": 60}
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")

capacities = st.fixed_dictionaries({day: st.sampled_from((0, 1, 1, 2, 2, 3)) for day in DAYS})
weekday_sets = st.sets(st.sampled_from(DAYS), min_size=1, max_size=len(DAYS)).map(
    lambda days: tuple(day for day in DAYS if day in days)
)
picks = st.integers(0, 10_000)


@dataclass
class ChildModel:
    id: UUID
    acceptable: tuple[int, ...]  # indexes of the locations, most preferred first
    waiting_since: date
    status: str = "waitlisted"


@dataclass
class OfferModel:
    id: UUID
    child: int
    location: int
    weekdays: tuple[str, ...]
    start: date
    respond_by: date
    status: str = "open"


@dataclass
class PlacementModel:
    id: UUID
    child: int
    location: int
    weekdays: tuple[str, ...]
    start: date
    end: date | None = None


@dataclass
class World:
    locations: list[UUID] = field(default_factory=list)
    capacity: list[dict[str, int]] = field(default_factory=list)
    children: list[ChildModel] = field(default_factory=list)
    offers: list[OfferModel] = field(default_factory=list)
    placements: list[PlacementModel] = field(default_factory=list)


def _machine(test_settings: Settings, sessions: Sessions) -> type[RuleBasedStateMachine]:
    class PlacementMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.today = real_today()
            self.world = World()
            self.actor: Actor | None = None

        # --- plumbing ----------------------------------------------------------------------------

        def run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
            return sessions.run(work)

        def attempt(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T | DomainError:
            """The service's answer, or the domain error it refused with (its transaction rolled back)."""
            try:
                return self.run(work)
            except DomainError as error:
                return error

        def expect(self, outcome: object, expected: type[DomainError] | None, what: str) -> None:
            if expected is None:
                assert not isinstance(outcome, DomainError), f"{what}: onverwacht geweigerd: {outcome!r}"
            else:
                assert isinstance(outcome, expected), f"{what}: verwacht {expected.__name__}, kreeg {outcome!r}"
                assert outcome.message, f"{what}: een weigering zonder uitleg"

        # --- the model's count -------------------------------------------------------------------

        def _held_on(self, location: int, day: date, *, leave_out: UUID | None = None) -> int:
            """Seats taken on one concrete date: placements covering it and open offers not past respond_by."""
            weekday = weekday_of(day)
            taken = sum(
                1
                for p in self.world.placements
                if p.location == location
                and weekday in p.weekdays
                and p.start <= day
                and (p.end is None or day <= p.end)
            )
            taken += sum(
                1
                for o in self.world.offers
                if o.id != leave_out
                and o.location == location
                and o.status == "open"
                and o.respond_by >= self.today
                and weekday in o.weekdays
                and o.start <= day
            )
            return taken

        def _fits(
            self, location: int, weekdays: tuple[str, ...], start: date, *, leave_out: UUID | None = None
        ) -> bool:
            """Is there a free seat on each of these weekdays on every date from ``start`` on?"""
            boundaries = [start] + [p.start for p in self.world.placements] + [o.start for o in self.world.offers]
            boundaries += [p.end for p in self.world.placements if p.end is not None]
            last = max(boundaries) + timedelta(days=7)
            day = start
            while day <= last:
                weekday = weekday_of(day)
                seats = self.world.capacity[location].get(weekday, 0)
                if weekday in weekdays and self._held_on(location, day, leave_out=leave_out) + 1 > seats:
                    return False
                day += timedelta(days=1)
            return True

        def _seat_refusal(self, child: ChildModel, location: int, weekdays: tuple[str, ...], start: date):
            if location not in child.acceptable:
                return InvalidInput
            if child.status != "waitlisted":
                return Conflict
            if not self._fits(location, weekdays, start):
                return Conflict
            return None

        # --- the world ----------------------------------------------------------------------------

        @initialize(
            seats=st.lists(capacities, min_size=2, max_size=3),
            children=st.lists(
                st.tuples(
                    st.lists(st.integers(0, 2), min_size=1, max_size=3, unique=True),
                    weekday_sets,
                    st.integers(0, 90),
                ),
                min_size=3,
                max_size=6,
            ),
        )
        def build(self, seats: list[dict[str, int]], children: list[tuple[list[int], tuple[str, ...], int]]) -> None:
            self.world.capacity = seats
            wanted = [
                (tuple(i for i in acceptable if i < len(seats)) or (0,), weekdays, days_ago)
                for acceptable, weekdays, days_ago in children
            ]

            async def work(db: AsyncSession) -> list[UUID]:
                await empty(db)
                self.world.locations = [
                    await new_location(db, f"Huiskamer {n}", capacity) for n, capacity in enumerate(seats)
                ]
                coordinator = self.actor = await new_actor(
                    db, "coordinator", "coordinator@test.example", self.world.locations
                )
                referrer = await new_actor(db, "referrer", "verwijzer@test.example")
                ids = []
                for number, (acceptable, weekdays, days_ago) in enumerate(wanted):
                    ids.append(
                        await waitlisted_referral(
                            db,
                            test_settings,
                            referrer=referrer,
                            coordinator=coordinator,
                            number=number,
                            location_ids=[self.world.locations[i] for i in acceptable],
                            weekdays=weekdays,
                            held_on=self.today - timedelta(days=days_ago),
                            today=self.today,
                        )
                    )
                return ids

            for referral_id, (acceptable, _weekdays, days_ago) in zip(self.run(work), wanted, strict=True):
                self.world.children.append(
                    ChildModel(referral_id, acceptable, waiting_since=self.today - timedelta(days=days_ago))
                )

        async def coordinator(self, _db: AsyncSession) -> Actor:
            assert self.actor is not None
            return self.actor

        # --- the steps ----------------------------------------------------------------------------

        @rule(
            pick=picks,
            location_pick=picks,
            weekdays=weekday_sets,
            start_in=st.integers(0, 42),
            respond_in=st.integers(0, 14),
            acceptable_only=st.booleans(),
        )
        def offer(
            self,
            pick: int,
            location_pick: int,
            weekdays: tuple[str, ...],
            start_in: int,
            respond_in: int,
            acceptable_only: bool,
        ) -> None:
            n = pick % len(self.world.children)
            child = self.world.children[n]
            pool = child.acceptable if acceptable_only else range(len(self.world.locations))
            location = list(pool)[location_pick % len(pool)]
            start, respond_by = self.today + timedelta(days=start_in), self.today + timedelta(days=respond_in)
            expected = self._seat_refusal(child, location, weekdays, start)
            request = placements.OfferRequest(child.id, self.world.locations[location], weekdays, start, respond_by)

            async def work(db: AsyncSession) -> UUID:
                offer = await placements.offer_seat(db, await self.coordinator(db), test_settings, request, self.today)
                return offer.id

            outcome = self.attempt(work)
            self.expect(outcome, expected, "aanbod")
            if expected is None:
                assert isinstance(outcome, UUID)
                self.world.offers.append(OfferModel(outcome, n, location, weekdays, start, respond_by))
                child.status = "offered"

        @rule(
            pick=picks,
            location_pick=picks,
            weekdays=weekday_sets,
            start_in=st.integers(0, 42),
            acceptable_only=st.booleans(),
        )
        def place(
            self, pick: int, location_pick: int, weekdays: tuple[str, ...], start_in: int, acceptable_only: bool
        ) -> None:
            n = pick % len(self.world.children)
            child = self.world.children[n]
            pool = child.acceptable if acceptable_only else range(len(self.world.locations))
            location = list(pool)[location_pick % len(pool)]
            start = self.today + timedelta(days=start_in)
            expected = self._seat_refusal(child, location, weekdays, start)
            request = placements.SeatRequest(child.id, self.world.locations[location], weekdays, start)

            async def work(db: AsyncSession) -> UUID:
                placement = await placements.place(db, await self.coordinator(db), test_settings, request, self.today)
                return placement.id

            outcome = self.attempt(work)
            self.expect(outcome, expected, "plaatsing")
            if expected is None:
                assert isinstance(outcome, UUID)
                self.world.placements.append(PlacementModel(outcome, n, location, weekdays, start))
                child.status = "placed"

        def _answerable(self, offer: OfferModel) -> bool:
            return offer.status == "open" and offer.respond_by >= self.today

        @precondition(lambda self: self.world.offers)
        @rule(pick=picks)
        def accept(self, pick: int) -> None:
            offer = self.world.offers[pick % len(self.world.offers)]
            start = max(offer.start, self.today)
            fits = self._fits(offer.location, offer.weekdays, start, leave_out=offer.id)
            expected = None if self._answerable(offer) and fits else Conflict
            # The seats were held by the offer itself, so an answerable offer always fits.
            assert fits or not self._answerable(offer)

            async def work(db: AsyncSession) -> UUID:
                placement = await placements.accept_offer(
                    db, await self.coordinator(db), test_settings, offer.id, self.today
                )
                assert placement.start_date == start and placement.weekdays == list(offer.weekdays)
                return placement.id

            outcome = self.attempt(work)
            self.expect(outcome, expected, "aanbod accepteren")
            if expected is None:
                assert isinstance(outcome, UUID)
                offer.status = "accepted"
                self.world.placements.append(
                    PlacementModel(outcome, offer.child, offer.location, offer.weekdays, start)
                )
                self.world.children[offer.child].status = "placed"

        @precondition(lambda self: self.world.offers)
        @rule(pick=picks, reason=st.sampled_from((None, "Het gezin kiest toch voor de bso.")))
        def decline(self, pick: int, reason: str | None) -> None:
            offer = self.world.offers[pick % len(self.world.offers)]
            expected = None if self._answerable(offer) else Conflict

            async def work(db: AsyncSession) -> None:
                await placements.decline_offer(
                    db, await self.coordinator(db), test_settings, offer.id, reason, self.today
                )

            outcome = self.attempt(work)
            self.expect(outcome, expected, "aanbod afslaan")
            if expected is None:
                offer.status = "declined"
                self.world.children[offer.child].status = "waitlisted"

        @rule(days=st.integers(1, 10))
        def time_passes(self, days: int) -> None:
            """Days go by without the worker: offers past respond_by must free their seats by themselves."""
            self.today += timedelta(days=days)

        @rule()
        def expire(self) -> None:
            overdue = [o for o in self.world.offers if o.status == "open" and o.respond_by < self.today]

            async def work(db: AsyncSession) -> int:
                return await placements.expire_offers(db, test_settings, self.today)

            assert self.run(work) == len(overdue)
            for offer in overdue:
                offer.status = "expired"
                if self.world.children[offer.child].status == "offered":
                    self.world.children[offer.child].status = "waitlisted"

        @precondition(lambda self: self.world.placements)
        @rule(
            pick=picks, length=st.integers(-3, 40), reason_code=st.sampled_from(sorted(set(CLOSE_REASONS) - {"other"}))
        )
        def end(self, pick: int, length: int, reason_code: str) -> None:
            placement = self.world.placements[pick % len(self.world.placements)]
            end_date = placement.start + timedelta(days=length)
            expected = Conflict if placement.end is not None else (InvalidInput if length < 0 else None)

            async def work(db: AsyncSession) -> None:
                await placements.end_placement(
                    db, await self.coordinator(db), test_settings, placement.id, end_date, reason_code
                )

            outcome = self.attempt(work)
            self.expect(outcome, expected, "plaatsing beëindigen")
            if expected is None:
                placement.end = end_date
                # A future ending keeps the child placed until the end date has passed.
                if end_date < self.today:
                    self.world.children[placement.child].status = "closed"

        # --- the invariants -----------------------------------------------------------------------

        @invariant()
        def capacity_is_never_exceeded_on_any_date(self) -> None:
            if not self.world.locations:
                return
            today = self.today

            async def work(db: AsyncSession) -> tuple[list[Placement], list[Offer], list[SeatClaim]]:
                return (
                    list((await db.scalars(select(Placement))).all()),
                    list((await db.scalars(select(Offer))).all()),
                    list((await db.scalars(select(SeatClaim))).all()),
                )

            placement_rows, offer_rows, claims = self.run(work)
            for n, location_id in enumerate(self.world.locations):
                for offset in range(CHECK_WEEKS * 7):
                    day = today + timedelta(days=offset)
                    weekday = weekday_of(day)
                    placed = sum(
                        1
                        for p in placement_rows
                        if p.location_id == location_id
                        and weekday in p.weekdays
                        and p.start_date <= day
                        and (p.end_date is None or day <= p.end_date)
                    )
                    offered = sum(
                        1
                        for o in offer_rows
                        if o.location_id == location_id
                        and o.status == "open"
                        and o.respond_by >= today
                        and weekday in o.weekdays
                        and o.start_date <= day
                    )
                    claimed = sum(
                        1
                        for c in claims
                        if c.location_id == location_id
                        and c.weekday == weekday
                        and c.released_at is None
                        and (c.expires_on is None or c.expires_on >= today)
                        and c.start_date <= day
                        and (c.end_date is None or day <= c.end_date)
                    )
                    capacity = self.world.capacity[n][weekday] if weekday in DAYS else 0
                    assert placed + offered <= capacity, (
                        f"locatie {n} op {day} ({weekday}): {placed} geplaatst + {offered} aangeboden > {capacity}"
                    )
                    assert claimed == placed + offered, (
                        f"locatie {n} op {day}: {claimed} claims, {placed + offered} bezet"
                    )
                    assert placed + offered == self._held_on(n, day), f"locatie {n} op {day}: model wijkt af"

        @invariant()
        def every_child_is_where_the_model_says(self) -> None:
            if not self.world.children:
                return
            today = self.today

            async def work(db: AsyncSession) -> tuple[dict[UUID, str], list[dict[UUID, date]]]:
                statuses = {
                    rid: status for rid, status in (await db.execute(select(Referral.id, Referral.status))).all()
                }
                actor = await self.coordinator(db)
                lists = []
                for location_id in self.world.locations:
                    waitlist = await ranking.load_waitlist(db, actor, location_id, today, today)
                    lists.append({UUID(e.candidate_id): e.waiting_since for e in waitlist.entries})
                return statuses, lists

            statuses, waitlists = self.run(work)
            for child in self.world.children:
                assert statuses[child.id] == child.status
            for n, entries in enumerate(waitlists):
                expected = {
                    c.id: c.waiting_since for c in self.world.children if c.status == "waitlisted" and n in c.acceptable
                }
                assert entries == expected, f"wachtlijst van locatie {n}"

    return PlacementMachine


def test_offers_and_placements_never_exceed_capacity_and_keep_waitlists_right(test_settings) -> None:
    """Whatever the order of offers, answers, expiry, placements and endings: capacity holds on every date,
    and every waiting child is on exactly the waitlists of its acceptable locations."""
    sessions = Sessions(test_settings)
    try:
        run_state_machine_as_test(
            _machine(test_settings, sessions),
            settings=settings(
                max_examples=EXAMPLES.get(PROFILE, 25),
                stateful_step_count=15,
                deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
            ),
        )
    finally:
        sessions.close()
