"""A small, deliberately naive model of the waitlist policy, to check ``huiskamer.waitlist`` against.

Written straight from ``../shared/docs/waitlist-policy.md`` and differently from the module: ages by counting
birthdays, scores by adding up the table, order by a comparison function, proposals by handing out seats one
at a time and taking them back when a child does not reach its minimum.
"""

from __future__ import annotations

import functools
from datetime import date

from huiskamer.waitlist import Candidate, LocationSeats, PolicyConfig, Urgency


def nth_birthday(date_of_birth: date, n: int) -> date:
    """The day the child turns n; 29 February falls on 1 March in a year without one."""
    year = date_of_birth.year + n
    month, day = date_of_birth.month, date_of_birth.day
    is_leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if (month, day) == (2, 29) and not is_leap:
        month, day = 3, 1
    return date(year, month, day)


def age(date_of_birth: date, on: date) -> int:
    """Completed years: the number of birthdays that have come by ``on``."""
    if on < date_of_birth:
        return -1
    years = 0
    while nth_birthday(date_of_birth, years + 1) <= on:
        years += 1
    return years


def is_eligible(candidate: Candidate, location: LocationSeats, on: date) -> bool:
    return (
        location.id in candidate.location_ids
        and location.min_age <= age(candidate.date_of_birth, on) <= location.max_age
    )


def score(candidate: Candidate, location: LocationSeats, on: date, config: PolicyConfig) -> int:
    points = max(0, (on - candidate.waiting_since).days)
    points += {
        Urgency.NORMAL: config.urgency_normal,
        Urgency.ELEVATED: config.urgency_elevated,
        Urgency.HIGH: config.urgency_high,
    }[candidate.urgency]
    if location.id in candidate.sibling_location_ids:
        points += config.sibling
    if candidate.neighbourhood is not None and candidate.neighbourhood in location.neighbourhoods:
        points += config.neighbourhood
    return points


def ranking(
    candidates: list[Candidate], location: LocationSeats, on: date, config: PolicyConfig
) -> list[tuple[str, int]]:
    """(candidate id, score), best first."""
    scored = [(c, score(c, location, on, config)) for c in candidates if is_eligible(c, location, on)]

    def compare(a: tuple[Candidate, int], b: tuple[Candidate, int]) -> int:
        if a[1] != b[1]:
            return -1 if a[1] > b[1] else 1
        if a[0].waiting_since != b[0].waiting_since:
            return -1 if a[0].waiting_since < b[0].waiting_since else 1
        return -1 if a[0].id < b[0].id else (1 if a[0].id > b[0].id else 0)

    return [(c.id, s) for c, s in sorted(scored, key=functools.cmp_to_key(compare))]


def proposals(
    candidates: list[Candidate], location: LocationSeats, start_date: date, config: PolicyConfig
) -> list[tuple[str, frozenset[str]]]:
    """(candidate id, weekdays), in rank order, by taking seats one by one and undoing a short-handed try."""
    seats = {day: location.free_seats.get(day, 0) for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    by_id = {c.id: c for c in candidates}
    out = []
    for candidate_id, _ in ranking(candidates, location, start_date, config):
        child = by_id[candidate_id]
        taken = []
        for day in sorted(child.requested_weekdays):
            if seats[day] > 0:
                seats[day] -= 1
                taken.append(day)
        if len(taken) >= child.minimum_days:
            out.append((candidate_id, frozenset(taken)))
        else:
            for day in taken:
                seats[day] += 1
    return out
