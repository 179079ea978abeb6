"""A year of life in the huiskamers behind the fake placements of ``demo.placements``: attendance on
every day a child is expected (its weekdays, within its placement, not on a closure day, never today or later),
with illness that comes in spells and peaks in winter, unexcused absence concentrated in a few families, arrival
and leaving times and who collected the child; the concerns the service would have raised for repeated unexcused
absence (and resolved, except the recent ones) and a kinderwerker's observations; progress notes per goal whose
ratings climb over the months, and evaluations with the parents every few months where goals are reached,
adjusted or stopped, as ``progress.rules.apply_outcome`` says.

Deterministic with a seed; plain rows (dicts of column values, ids included), to be inserted in bulk.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from huiskamer.attendance import rules as attendance_rules
from huiskamer.demo.placements import workday
from huiskamer.demo.referrals import AMSTERDAM
from huiskamer.organisation.models import (
    DEFAULT_EVALUATION_INTERVAL_MONTHS,
    DEFAULT_UNEXCUSED_ABSENCE_THRESHOLD,
    DEFAULT_UNEXCUSED_ABSENCE_WINDOW_DAYS,
)
from huiskamer.placements.rules import first_on_or_after
from huiskamer.progress import rules as progress_rules
from huiskamer.site.templating import dutch_date

# Illness per month, relative to the year's average: colds and flu in winter, little in summer.
ILLNESS_BY_MONTH = {1: 1.5, 2: 1.5, 3: 1.2, 4: 0.9, 5: 0.8, 6: 0.7, 7: 0.6, 8: 0.6, 9: 0.8, 10: 1.0, 11: 1.2, 12: 1.4}
ILL = 0.08  # of the expected days, on average
STAY_ILL = 0.45  # ill the next expected day too: illness comes in spells
# Unexcused absence, about 3% of the days: rare for most, frequent in a few families.
OFTEN_AWAY = 0.15
UNEXCUSED_OFTEN = 0.13
UNEXCUSED_MOSTLY = 0.012
FAMILY = 0.015
OTHER = 0.01

ABSENCE_NOTES = {
    "ill": ("Moeder belde: koorts.", "Verkouden, blijft thuis.", "Buikgriep.", None, None),
    "family": ("Familiebezoek in Rotterdam.", "Bruiloft van een tante.", "Oma is jarig.", None),
    "other": ("Naar de tandarts.", "Zwemles is verplaatst naar vandaag.", "Sporttoernooi met school.", None),
}
OBSERVATIONS = (
    "{name} kwam vandaag erg moe binnen en vertelde dat het thuis 's nachts onrustig is.",
    "{name} zei dat er thuis al een paar dagen geen boodschappen zijn gedaan.",
    "{name} wordt de laatste weken vaak pas na half zeven opgehaald; moeder klinkt gestrest.",
    "{name} zit veel alleen en wil niet meer meedoen met de groep; dat is nieuw.",
    "{name} vertelde over ruzie thuis en was daar de hele middag stil van.",
    "{name} heeft al een week dezelfde kleren aan en had honger bij binnenkomst.",
)
RESOLUTIONS_ABSENCE = (
    "Moeder gebeld: {name} was bij oma in Lelystad; afgesproken dat ze voortaan een bericht stuurt.",
    "Besproken met vader; het rooster is veranderd. We houden het in de gaten.",
    "Gezin gesproken samen met het wijkteam; ze krijgen hulp bij de ochtenden.",
    "Moeder was onbereikbaar door een nieuw telefoonnummer; nummer bijgewerkt.",
)
RESOLUTIONS_OBSERVATION = (
    "Besproken met moeder; het gaat thuis weer beter. Blijven opletten.",
    "Overlegd met het wijkteam; die gaat langs bij het gezin.",
    "Met school afgestemd; ook daar gezien. Gezamenlijk gesprek met ouders gepland.",
)
PROGRESS_NOTES = {
    1: (
        "Vond het lastig vandaag; liep weg toen het niet lukte.",
        "Deed nog niet mee; keek vooral toe.",
        "Werd snel boos bij het spel en wilde stoppen.",
    ),
    2: (
        "Probeerde het een paar keer zelf, met hulp.",
        "Deed even mee met het groepsspel en zocht daarna een rustig hoekje.",
        "Vroeg zelf om hulp toen het spannend werd.",
    ),
    3: (
        "Ging goed: speelde de hele middag mee zonder ruzie.",
        "Zei zelf wat hij of zij wilde; de anderen luisterden.",
        "Hielp een jonger kind met de opdracht.",
    ),
    4: (
        "Laat dit nu steeds zien, ook als het spannend wordt.",
        "Doet het vanzelf; de andere kinderen zoeken hem of haar op.",
        "Behaald: ook thuis en op school zien ze het.",
    ),
}
EVALUATION_NOTES = (
    "Gesprek met moeder op de huiskamer; thuis merken ze verschil.",
    "Evaluatie met beide ouders; school is ook positief.",
    "Telefonisch met vader; het gaat goed, rustiger na schooltijd.",
    "Met moeder en {name} zelf; {name} vertelde trots wat er goed gaat.",
)
ADJUSTED = (
    "{words}, eerst in de kleine groep",
    "{words}, één keer per middag",
    "{words}, met een afgesproken teken van de leiding als het lastig wordt",
)


@dataclass
class StaffOf:
    """Who works where: the kinderwerkers (they record) and the coordinators (they evaluate and resolve)."""

    youth_workers: Mapping[UUID, Sequence[UUID]]
    coordinators: Mapping[UUID, Sequence[UUID]]


@dataclass
class LifeRows:
    """Rows per table, in insert order."""

    attendance: list[dict[str, Any]] = field(default_factory=list)
    concerns: list[dict[str, Any]] = field(default_factory=list)
    progress_notes: list[dict[str, Any]] = field(default_factory=list)
    evaluations: list[dict[str, Any]] = field(default_factory=list)
    goal_evaluations: list[dict[str, Any]] = field(default_factory=list)

    @staticmethod
    def tables() -> tuple[str, ...]:
        return ("attendance", "concerns", "progress_notes", "evaluations", "goal_evaluations")


def at(day: date, hour: int, minutes: int) -> datetime:
    """``minutes`` past ``hour`` on ``day`` in Amsterdam, in UTC (as the database stores it)."""
    return (datetime.combine(day, time(hour), AMSTERDAM) + timedelta(minutes=minutes)).astimezone(UTC)


@dataclass(frozen=True)
class _Placement:
    """The fields ``attendance.rules.is_expected_on`` reads."""

    weekdays: tuple[str, ...]
    start_date: date
    end_date: date | None


class LifeFaker:
    def __init__(
        self,
        *,
        placements: Sequence[dict[str, Any]],
        goals: Sequence[dict[str, Any]],
        intakes: Sequence[dict[str, Any]],
        given_names: Mapping[UUID, str],
        closures: Mapping[UUID, set[date]],
        staff: StaffOf,
        now: datetime,
        seed: int,
        days: int,
    ) -> None:
        self.random = random.Random(seed)
        self.placements = list(placements)
        self.goals: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
        for goal in sorted(goals, key=lambda g: g["position"]):
            self.goals[goal["referral_id"]].append(goal)
        self.intakes = {intake["referral_id"]: intake for intake in intakes}
        self.given_names = given_names
        self.closures = closures
        self.staff = staff
        self.now = now.astimezone(UTC)
        self.today = self.now.astimezone(AMSTERDAM).date()
        self.first_day = self.today - timedelta(days=days)
        self.out = LifeRows()

    def uuid(self) -> UUID:
        return UUID(int=self.random.getrandbits(128), version=4)

    def worker(self, location_id: UUID) -> UUID:
        return self.random.choice(self.staff.youth_workers[location_id])

    def coordinator(self, location_id: UUID) -> UUID:
        return self.random.choice(self.staff.coordinators[location_id])

    # --- attendance --------------------------------------------------------------------------------

    def expected_days(self, placement: dict[str, Any]) -> list[date]:
        """Every day the child was expected, from a year ago up to yesterday (today's list is still to be filled)."""
        first = max(placement["start_date"], self.first_day)
        last = min(placement["end_date"] or date.max, self.today - timedelta(days=1))
        closed = self.closures.get(placement["location_id"], set())
        days = placement["weekdays"]
        shape = _Placement(tuple(days), placement["start_date"], placement["end_date"])
        found = []
        for weekday in days:
            day = first_on_or_after(first, weekday)
            while day <= last:
                if attendance_rules.is_expected_on(shape, day, closed):
                    found.append(day)
                day += timedelta(days=7)
        return sorted(found)

    def attendance_of(self, placement: dict[str, Any], often_away: bool) -> list[dict[str, Any]]:
        """``often_away``: one of the few families that often keep the child home without a word."""
        r = self.random
        # Some children are ill more often than others (spread evenly, the spells bring the mean to about 8%).
        ill_factor = r.lognormvariate(0, 0.45)
        unexcused = UNEXCUSED_OFTEN if often_away else UNEXCUSED_MOSTLY
        persons = list(self.intakes[placement["referral_id"]]["collection_persons"]) or ["ouder"]
        rows = []
        ill_yesterday = False
        for day in self.expected_days(placement):
            season = ILLNESS_BY_MONTH[day.month]
            start_ill = ILL * (1 - STAY_ILL) / (1 - ILL) * ill_factor * season
            ill = r.random() < (STAY_ILL if ill_yesterday else start_ill)
            ill_yesterday = ill
            roll = r.random()
            row = {
                "id": self.uuid(),
                "placement_id": placement["id"],
                "referral_id": placement["referral_id"],
                "location_id": placement["location_id"],
                "day": day,
                "absence_reason": None,
                "absence_note": None,
                "arrived_at": None,
                "left_at": None,
                "collected_by": None,
                "recorded_by_id": self.worker(placement["location_id"]),
            }
            if ill:
                row.update(status="absent_excused", absence_reason="ill", absence_note=r.choice(ABSENCE_NOTES["ill"]))
            elif roll < unexcused / (1 - ILL) * (0.8 + 0.2 * season):  # of all days, not only the days not ill
                row.update(status="absent_unexcused")
            elif roll < unexcused + FAMILY:
                row.update(
                    status="absent_excused", absence_reason="family", absence_note=r.choice(ABSENCE_NOTES["family"])
                )
            elif roll < unexcused + FAMILY + OTHER:
                row.update(
                    status="absent_excused", absence_reason="other", absence_note=r.choice(ABSENCE_NOTES["other"])
                )
            else:
                row["status"] = "present"
            # Marked at the start of the afternoon (on Wednesday school ends at noon), leaving before dinner.
            school_out = 12 if day.weekday() == 2 else 14
            arrived = at(day, school_out, r.randint(15, 55))
            row["created_at"] = row["updated_at"] = arrived + timedelta(minutes=r.randint(0, 20))
            if row["status"] == "present":
                row["arrived_at"] = arrived
                if r.random() < 0.97:  # now and then nobody fills in the leaving time
                    row["left_at"] = at(day, 17, r.randint(0, 70))
                    row["collected_by"] = persons[0] if r.random() < 0.7 else r.choice(persons)
                    row["updated_at"] = row["left_at"]
            rows.append(row)
        return rows

    # --- concerns ----------------------------------------------------------------------------------

    def absence_concerns(self, placement: dict[str, Any], rows: list[dict[str, Any]]) -> None:
        """The concerns the service raises, tap by tap: at an unexcused absence, when no concern is open and the
        threshold is reached within the window by absences recorded after the last resolved concern was raised."""
        threshold, window = DEFAULT_UNEXCUSED_ABSENCE_THRESHOLD, DEFAULT_UNEXCUSED_ABSENCE_WINDOW_DAYS
        name = self.given_names[placement["referral_id"]]
        absences = [row for row in rows if row["status"] == "absent_unexcused"]
        concerns: list[dict[str, Any]] = []
        for n, row in enumerate(absences):
            tap = row["created_at"]
            last = concerns[-1] if concerns else None
            if last is not None and (last["resolved_at"] is None or last["resolved_at"] > tap):
                continue  # one is open: not raised again
            handled = last["created_at"] if last is not None else None
            low, _high = attendance_rules.concern_window(row["day"], window)
            days = [
                a["day"]
                for a in absences[: n + 1]
                if a["day"] >= low and (handled is None or a["created_at"] > handled)
            ]
            if not attendance_rules.reaches_threshold(days, threshold, window):
                continue
            raised = tap + timedelta(seconds=1)
            group = attendance_rules.busiest_window(days, window)
            concern = {
                "id": self.uuid(),
                "referral_id": placement["referral_id"],
                "location_id": placement["location_id"],
                "placement_id": placement["id"],
                "kind": "unexcused_absence",
                "status": "open",
                "text": attendance_rules.concern_text(name, group, window, lambda d: dutch_date(d, "d MMMM")),
                "raised_at": raised,
                "raised_by_id": None,
                "created_at": raised,
                "updated_at": raised,
            }
            self.resolve(concern, placement, RESOLUTIONS_ABSENCE)
            concerns.append(concern)
        self.out.concerns.extend(concerns)

    def resolve(self, concern: dict[str, Any], placement: dict[str, Any], notes: Sequence[str]) -> None:
        """Resolved by the coordinator within a week or two, unless raised in the last three weeks."""
        raised = concern["raised_at"]
        if raised.astimezone(AMSTERDAM).date() > self.today - timedelta(days=21):
            concern.update(resolved_at=None, resolved_by_id=None, resolution_note=None)
            return
        resolved = raised + timedelta(days=self.random.randint(1, 12), hours=self.random.randint(0, 5))
        name = self.given_names[placement["referral_id"]]
        concern.update(
            status="resolved",
            resolved_at=resolved,
            resolved_by_id=self.coordinator(placement["location_id"]),
            resolution_note=self.random.choice(notes).format(name=name),
            updated_at=resolved,
        )

    def observation(self, placement: dict[str, Any], rows: list[dict[str, Any]], recent: bool) -> None:
        """A kinderwerker's observation on a day the child was there: in the last three weeks (still open), or
        earlier (resolved since)."""
        recently = self.today - timedelta(days=21)
        present = [row for row in rows if row["status"] == "present" and (row["day"] > recently) == recent]
        if not present:
            return
        row = self.random.choice(present[-60:])
        raised = row["arrived_at"] + timedelta(minutes=self.random.randint(30, 150))
        name = self.given_names[placement["referral_id"]]
        concern = {
            "id": self.uuid(),
            "referral_id": placement["referral_id"],
            "location_id": placement["location_id"],
            "placement_id": placement["id"],
            "kind": "observation",
            "status": "open",
            "text": self.random.choice(OBSERVATIONS).format(name=name),
            "raised_at": raised,
            "raised_by_id": row["recorded_by_id"],
            "created_at": raised,
            "updated_at": raised,
        }
        self.resolve(concern, placement, RESOLUTIONS_OBSERVATION)
        self.out.concerns.append(concern)

    # --- progress ----------------------------------------------------------------------------------

    def progress(self, placement: dict[str, Any], rows: list[dict[str, Any]]) -> None:
        """An evaluation with the parents every interval from the start of the placement (as the coordinator
        records it), and observations every few weeks per goal still running, on days the child was there; the
        ratings climb at the child's own pace, and a few goals do not move."""
        r = self.random
        goals = self.goals.get(placement["referral_id"], [])
        if not goals:
            return
        name = self.given_names[placement["referral_id"]]
        start = placement["start_date"]
        pace = {goal["id"]: r.uniform(120, 420) for goal in goals}  # days to get from 1 to 4
        reach = {goal["id"]: 0.8 if r.random() < 0.12 else 3.0 for goal in goals}

        def rating(goal: dict[str, Any], day: date) -> int:
            grown = min((day - start).days / pace[goal["id"]], 1.0)
            return max(1, min(4, round(1 + reach[goal["id"]] * grown + r.gauss(0, 0.45))))

        last = min(placement["end_date"] or date.max, self.today - timedelta(days=1))
        due = progress_rules.next_evaluation_on(start, DEFAULT_EVALUATION_INTERVAL_MONTHS)
        held = 0
        while (held_on := workday(due)) <= last:
            if not self.evaluate(placement, goals, {g["id"]: rating(g, held_on) for g in goals}, held_on, held, name):
                break
            held += 1
            due = progress_rules.next_evaluation_on(held_on, DEFAULT_EVALUATION_INTERVAL_MONTHS)
        if placement["end_reason_code"] == "goals_reached" and placement["end_date"] is not None:
            # The last conversation: what was set out to learn has been learnt.
            self.evaluate(placement, goals, {g["id"]: 4 for g in goals}, placement["end_date"], held, name, final=True)
        next_note = {goal["id"]: start + timedelta(days=r.randint(7, 20)) for goal in goals}
        for row in rows:
            day = row["day"]
            if row["status"] != "present":
                continue
            for goal in goals:
                if day < next_note[goal["id"]] or (goal["closed_on"] is not None and day > goal["closed_on"]):
                    continue
                value = rating(goal, day)
                observed = at(day, 17, r.randint(20, 59))
                self.out.progress_notes.append(
                    {
                        "id": self.uuid(),
                        "goal_id": goal["id"],
                        "referral_id": placement["referral_id"],
                        "rating": value,
                        "note": r.choice(PROGRESS_NOTES[value]),
                        "observed_on": day,
                        "recorded_by_id": row["recorded_by_id"],
                        "created_at": observed,
                        "updated_at": observed,
                    }
                )
                next_note[goal["id"]] = day + timedelta(days=r.randint(10, 28))

    def evaluate(
        self,
        placement: dict[str, Any],
        goals: list[dict[str, Any]],
        latest: dict[UUID, int],
        held_on: date,
        earlier: int,
        name: str,
        final: bool = False,
    ) -> bool:
        """One evaluation of every running goal; False when no goal runs any more after it, or when it has not
        been held yet (a few recent ones: they show as due on the coordinator's list)."""
        r = self.random
        running = [goal for goal in goals if goal["status"] == "active"]
        if not running:
            return False
        if not final and held_on > self.today - timedelta(days=42) and r.random() < 0.25:
            return False
        evaluation_id = self.uuid()
        outcomes: dict[str, str] = {}
        moment = min(at(held_on, 16, r.randint(0, 45)), self.now - timedelta(minutes=1))
        for goal in running:
            rating = latest.get(goal["id"], 1)
            if final or (rating == 4 and r.random() < 0.8):
                outcome = "reached"
            elif rating <= 2 and earlier >= 1 and r.random() < 0.35:
                outcome = "adjusted" if r.random() < 0.75 else "stopped"
            else:
                outcome = "continued"
            words = goal["description"]
            new_words = r.choice(ADJUSTED).format(words=words) if outcome == "adjusted" else None
            after = progress_rules.apply_outcome(goal["status"], words, outcome, held_on, new_words)
            self.out.goal_evaluations.append(
                {
                    "id": self.uuid(),
                    "evaluation_id": evaluation_id,
                    "goal_id": goal["id"],
                    "outcome": outcome,
                    "note": f"Eerder: {words}" if outcome == "adjusted" else None,
                    "created_at": moment,
                    "updated_at": moment,
                }
            )
            goal.update(status=after.status, description=after.description, closed_on=after.closed_on)
            goal["updated_at"] = moment
            outcomes[str(goal["id"])] = outcome
        still = progress_rules.is_open_after(outcomes)
        self.out.evaluations.append(
            {
                "id": evaluation_id,
                "referral_id": placement["referral_id"],
                "held_on": held_on,
                "held_by_id": self.coordinator(placement["location_id"]),
                "note": r.choice(EVALUATION_NOTES).format(name=name),
                "next_evaluation_on": progress_rules.next_evaluation_on(held_on, DEFAULT_EVALUATION_INTERVAL_MONTHS)
                if still
                else None,
                "created_at": moment,
                "updated_at": moment,
            }
        )
        return still

    def run(self, observations: int) -> LifeRows:
        lived: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
        placements = sorted(self.placements, key=lambda p: (p["start_date"], str(p["id"])))
        # A fixed share, not a coin per child: the rate stays near 3% whatever the seed.
        often_away = {p["id"] for p in self.random.sample(placements, round(OFTEN_AWAY * len(placements)))}
        for placement in placements:
            rows = self.attendance_of(placement, placement["id"] in often_away)
            self.out.attendance.extend(rows)
            self.absence_concerns(placement, rows)
            self.progress(placement, rows)
            lived.append((placement, rows))
        current = [(p, rows) for p, rows in lived if p["end_date"] is None and rows]
        for n, (placement, rows) in enumerate(self.random.sample(current, min(observations, len(current)))):
            self.observation(placement, rows, recent=n % 4 == 0)
        return self.out


def fake_life(
    *,
    placements: Sequence[dict[str, Any]],
    goals: Sequence[dict[str, Any]],
    intakes: Sequence[dict[str, Any]],
    given_names: Mapping[UUID, str],
    closures: Mapping[UUID, set[date]],
    staff: StaffOf,
    now: datetime | None = None,
    seed: int = 2026,
    days: int = 365,
    observations: int = 14,
) -> LifeRows:
    """Attendance for the last ``days`` days, concerns, progress notes and evaluations for these placements.
    ``goals`` are changed in place by the evaluations (status, wording, closed_on); ``given_names`` maps
    referral ids to the child's first name, ``closures`` location ids to their closure days."""
    faker = LifeFaker(
        placements=placements,
        goals=goals,
        intakes=intakes,
        given_names=given_names,
        closures=closures,
        staff=staff,
        now=now or datetime.now(UTC),
        seed=seed,
        days=days,
    )
    return faker.run(observations)
