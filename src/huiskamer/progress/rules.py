"""Pure rules of goal progress: when the next evaluation falls, whether it is due, and what an evaluation's
outcome does to a goal. No database, no web: tested with hypothesis properties."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

RATINGS: dict[int, str] = {1: "nog niet", 2: "een beetje", 3: "gaat goed", 4: "behaald"}
EVALUATION_OUTCOMES = ("continued", "reached", "adjusted", "stopped")
OUTCOME_NAMES_NL: dict[str, str] = {
    "continued": "loopt door",
    "reached": "behaald",
    "adjusted": "bijgesteld",
    "stopped": "gestopt",
}
GOAL_STATUS_NAMES_NL: dict[str, str] = {
    "active": "loopt",
    "reached": "behaald",
    "adjusted": "bijgesteld",
    "stopped": "gestopt",
}
# How soon an evaluation counts as "binnenkort" on the lists and the start page.
SOON = timedelta(days=30)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; when that month is shorter, its last day (31 January + 1 → 28/29 February).

    Never overflows: past 31 December 9999 it stays on that date.
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    if year > date.max.year:
        return date.max
    if year < date.min.year:
        return date.min
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def next_evaluation_on(held_on: date, interval_months: int) -> date:
    """The default date of the next evaluation: the interval after the one held."""
    return add_months(held_on, interval_months)


def evaluation_due_on(
    placement_start: date, interval_months: int, last_held_on: date | None, last_next_on: date | None
) -> date | None:
    """When the next evaluation is due: as the last evaluation planned it, or one interval after the placement
    started when there was none yet. ``None``: the last evaluation planned no next one (every goal closed)."""
    if last_held_on is None:
        return add_months(placement_start, interval_months)
    return last_next_on


class Due(StrEnum):
    OVERDUE = "overdue"
    SOON = "soon"
    LATER = "later"


def due_state(due_on: date, today: date, soon: timedelta = SOON) -> Due:
    """Overdue once the date has passed; due soon from ``soon`` before it (today included); later otherwise."""
    if due_on < today:
        return Due.OVERDUE
    if due_on <= today + soon:
        return Due.SOON
    return Due.LATER


@dataclass(frozen=True)
class GoalAfter:
    """A goal as an evaluation leaves it."""

    status: str
    description: str
    closed_on: date | None


class OutcomeRefused(ValueError):
    """The outcome cannot apply to this goal (it is closed, the outcome is unknown, a new wording is missing)."""


def apply_outcome(
    status: str, description: str, outcome: str, held_on: date, new_description: str | None = None
) -> GoalAfter:
    """What an evaluation does to a goal: reached and stopped close it on the evaluation's date; adjusted gives it
    its new wording and keeps it running; continued leaves it as it is. Only a running goal is evaluated."""
    if status != "active":
        raise OutcomeRefused("Dit doel is al afgesloten.")
    if outcome == "continued":
        return GoalAfter("active", description, None)
    if outcome == "adjusted":
        wording = (new_description or "").strip()
        if not wording:
            raise OutcomeRefused("Schrijf op hoe het bijgestelde doel nu luidt.")
        return GoalAfter("active", wording, None)
    if outcome in ("reached", "stopped"):
        return GoalAfter(outcome, description, held_on)
    raise OutcomeRefused("Onbekende uitkomst.")


def is_open_after(outcomes: dict[str, str]) -> bool:
    """Whether any goal still runs after these outcomes (then a next evaluation is needed)."""
    return any(outcome in ("continued", "adjusted") for outcome in outcomes.values())


@dataclass(frozen=True)
class Trend:
    """A goal's ratings over time, as a screen reader and a sighted reader both get them."""

    first: int | None
    last: int | None
    count: int
    average: float | None

    @property
    def direction(self) -> str:
        if self.first is None or self.last is None or self.count < 2:
            return ""
        if self.last > self.first:
            return "vooruit"
        if self.last < self.first:
            return "achteruit"
        return "gelijk"


def trend(ratings: list[int]) -> Trend:
    """First and last rating, how many and their average (oldest first)."""
    if not ratings:
        return Trend(None, None, 0, None)
    return Trend(ratings[0], ratings[-1], len(ratings), round(sum(ratings) / len(ratings), 1))
