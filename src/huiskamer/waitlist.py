"""The waitlist policy: who is first in line for a free seat at one location, and why.

Pure: this module imports only the standard library and does no I/O. The rules are in
``../shared/docs/waitlist-policy.md``; the names ``Urgency``, ``Candidate``, ``LocationSeats``, ``PolicyConfig``,
``rank``, ``propose``, ``RankedEntry`` and ``Proposal`` (with their fields) are a fixed contract.

A score is counted in days, so that every part of it reads naturally to a parent:
"Wacht 124 dagen · urgentie hoog telt als 90 dagen · woont in de wijk: 14 dagen".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import NamedTuple

__all__ = [
    "WEEKDAYS",
    "Candidate",
    "DuplicateCandidate",
    "ExplanationPart",
    "Factor",
    "InvalidCandidate",
    "InvalidLocation",
    "InvalidPolicy",
    "LocationSeats",
    "PolicyConfig",
    "Proposal",
    "RankedEntry",
    "UnknownCandidate",
    "Urgency",
    "WaitlistError",
    "WhyHere",
    "age_on",
    "birthday",
    "propose",
    "rank",
    "why_here",
]


# ---------------------------------------------------------------------------------------------------------
# Errors: invalid input is refused with a clear message, never answered wrongly.


class WaitlistError(ValueError):
    """Input the policy cannot answer for. ``field`` names the offending field when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidCandidate(WaitlistError):
    """A candidate whose fields break the contract (e.g. ``minimum_days`` 0, an unknown weekday)."""


class DuplicateCandidate(InvalidCandidate):
    """The same candidate id appears twice in one call."""


class InvalidLocation(WaitlistError):
    """A location whose fields break the contract (e.g. a negative seat count)."""


class InvalidPolicy(WaitlistError):
    """Policy weights that would make the ranking unfair or meaningless (e.g. a negative weight)."""


class UnknownCandidate(WaitlistError):
    """``why_here`` was asked about a candidate id that is not among the candidates."""


# ---------------------------------------------------------------------------------------------------------
# Types


WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_SET = frozenset(WEEKDAYS)


class Urgency(StrEnum):
    NORMAL = "normal"
    ELEVATED = "elevated"
    HIGH = "high"

    @property
    def label(self) -> str:
        """The Dutch word, as a coordinator says it."""
        return _URGENCY_LABELS[self]


_URGENCY_LABELS = {Urgency.NORMAL: "normaal", Urgency.ELEVATED: "verhoogd", Urgency.HIGH: "hoog"}
_URGENCY_ORDER = (Urgency.NORMAL, Urgency.ELEVATED, Urgency.HIGH)


class Factor(StrEnum):
    """What a part of a score is for."""

    WAITING = "waiting"
    URGENCY = "urgency"
    SIBLING = "sibling"
    NEIGHBOURHOOD = "neighbourhood"


def _is_plain_date(value: object) -> bool:
    # A datetime is a date too, but mixing them breaks day arithmetic.
    return isinstance(value, date) and not isinstance(value, datetime)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _str_collection(value: object, what: str, error: type[WaitlistError], name: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise error(f"{what}: {name} must be a collection of strings, got {value!r}", field=name)
    items = tuple(value)
    for item in items:
        if not isinstance(item, str):
            raise error(f"{what}: {name} must contain strings, got {item!r}", field=name)
    return items


@dataclass(frozen=True, slots=True)
class Candidate:
    """A child on the waitlist of the locations in ``location_ids`` since ``waiting_since``."""

    id: str
    waiting_since: date
    urgency: Urgency
    date_of_birth: date
    neighbourhood: str | None
    location_ids: tuple[str, ...]  # acceptable locations, most preferred first
    requested_weekdays: frozenset[str]  # "mon" … "sun"
    minimum_days: int  # 1 ≤ minimum_days ≤ len(requested_weekdays)
    sibling_location_ids: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise InvalidCandidate(f"candidate id must be a non-empty string, got {self.id!r}", field="id")
        what = f"candidate {self.id!r}"
        for name in ("waiting_since", "date_of_birth"):
            if not _is_plain_date(getattr(self, name)):
                raise InvalidCandidate(f"{what}: {name} must be a date, got {getattr(self, name)!r}", field=name)
        try:
            urgency = Urgency(self.urgency)
        except ValueError:
            raise InvalidCandidate(
                f"{what}: unknown urgency {self.urgency!r} (expected one of {', '.join(Urgency)})",
                field="urgency",
            ) from None
        if self.neighbourhood is not None and not isinstance(self.neighbourhood, str):
            raise InvalidCandidate(
                f"{what}: neighbourhood must be a string or None, got {self.neighbourhood!r}",
                field="neighbourhood",
            )
        location_ids = _str_collection(self.location_ids, what, InvalidCandidate, "location_ids")
        requested = frozenset(_str_collection(self.requested_weekdays, what, InvalidCandidate, "requested_weekdays"))
        if not requested:
            raise InvalidCandidate(f"{what}: requested_weekdays is empty", field="requested_weekdays")
        unknown = requested - _WEEKDAY_SET
        if unknown:
            raise InvalidCandidate(
                f"{what}: unknown weekday {', '.join(map(repr, sorted(unknown)))} (expected {', '.join(WEEKDAYS)})",
                field="requested_weekdays",
            )
        if not _is_int(self.minimum_days) or not 1 <= self.minimum_days <= len(requested):
            raise InvalidCandidate(
                f"{what}: minimum_days must be a whole number from 1 to {len(requested)} "
                f"(the number of requested weekdays), got {self.minimum_days!r}",
                field="minimum_days",
            )
        siblings = frozenset(_str_collection(self.sibling_location_ids, what, InvalidCandidate, "sibling_location_ids"))
        object.__setattr__(self, "urgency", urgency)
        object.__setattr__(self, "location_ids", location_ids)
        object.__setattr__(self, "requested_weekdays", requested)
        object.__setattr__(self, "sibling_location_ids", siblings)


@dataclass(frozen=True, slots=True)
class LocationSeats:
    """One location as the policy sees it: whom it serves and how many seats are free per weekday.

    A weekday missing from ``free_seats`` has no free seat.
    """

    id: str
    neighbourhoods: frozenset[str]
    min_age: int = 4
    max_age: int = 12
    free_seats: Mapping[str, int] = field(default_factory=dict)  # weekday -> seats free from the date

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise InvalidLocation(f"location id must be a non-empty string, got {self.id!r}", field="id")
        what = f"location {self.id!r}"
        neighbourhoods = frozenset(_str_collection(self.neighbourhoods, what, InvalidLocation, "neighbourhoods"))
        for name in ("min_age", "max_age"):
            value = getattr(self, name)
            if not _is_int(value) or not 0 <= value <= 150:
                raise InvalidLocation(f"{what}: {name} must be a whole number of years, got {value!r}", field=name)
        if self.min_age > self.max_age:
            raise InvalidLocation(f"{what}: min_age {self.min_age} is above max_age {self.max_age}", field="min_age")
        if not isinstance(self.free_seats, Mapping):
            raise InvalidLocation(
                f"{what}: free_seats must map weekdays to seat counts, got {self.free_seats!r}",
                field="free_seats",
            )
        seats: dict[str, int] = {}
        for day, count in self.free_seats.items():
            if day not in _WEEKDAY_SET:
                raise InvalidLocation(
                    f"{what}: unknown weekday {day!r} in free_seats (expected {', '.join(WEEKDAYS)})",
                    field="free_seats",
                )
            if not _is_int(count) or count < 0:
                raise InvalidLocation(
                    f"{what}: free seats on {day} must be a whole number of 0 or more, got {count!r}",
                    field="free_seats",
                )
            seats[day] = count
        object.__setattr__(self, "neighbourhoods", neighbourhoods)
        # A private copy: the caller's dict may change later, this location must not.
        object.__setattr__(self, "free_seats", MappingProxyType(seats))


@dataclass(frozen=True, slots=True)
class PolicyConfig:
    """The weights of the policy, in days. One place, changeable by the beheerder.

    Weights are whole days and never negative; a higher urgency never weighs less than a lower one
    (otherwise raising a child's urgency could move it down, which the policy forbids).
    """

    urgency_normal: int = 0
    urgency_elevated: int = 30
    urgency_high: int = 90
    sibling: int = 30
    neighbourhood: int = 14

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not _is_int(value):
                raise InvalidPolicy(f"weight {f.name} must be a whole number of days, got {value!r}", field=f.name)
            if value < 0:
                raise InvalidPolicy(f"weight {f.name} must not be negative, got {value}", field=f.name)
        if not self.urgency_normal <= self.urgency_elevated <= self.urgency_high:
            raise InvalidPolicy(
                "urgency weights must not decrease from normal to elevated to high, got "
                f"{self.urgency_normal} / {self.urgency_elevated} / {self.urgency_high}",
                field="urgency_elevated",
            )

    def urgency_points(self, urgency: Urgency) -> int:
        """The days an urgency counts for."""
        if urgency is Urgency.HIGH:
            return self.urgency_high
        if urgency is Urgency.ELEVATED:
            return self.urgency_elevated
        return self.urgency_normal

    @property
    def max_bonus(self) -> int:
        """The most days anything but waiting can add: highest urgency + sibling + neighbourhood.

        A child who joined the waitlist more than this many days after another never ranks above it.
        """
        return self.urgency_high + self.sibling + self.neighbourhood


class ExplanationPart(NamedTuple):
    """One factor of a score: what it is, how many points (days) it adds, and a Dutch label."""

    factor: Factor
    points: int
    label: str


@dataclass(frozen=True, slots=True)
class RankedEntry:
    """A child's place in the ranking at one location on one date. ``rank`` 1 is first."""

    candidate_id: str
    rank: int
    score: int
    waiting_since: date
    explanation: tuple[ExplanationPart, ...]

    @property
    def sentence(self) -> str:
        """The explanation as one line for a parent: the parts joined with " · "."""
        return " · ".join(part.label for part in self.explanation)


@dataclass(frozen=True, slots=True)
class Proposal:
    """A proposed placement: this child, on these weekdays. Proposals come in rank order."""

    candidate_id: str
    weekdays: frozenset[str]


@dataclass(frozen=True, slots=True)
class WhyHere:
    """The answer to the coordinator's "waarom staat dit kind hier?" for one child at one location.

    ``entry`` is None when the child is not eligible; ``reasons`` then says why. ``above`` is the entry
    directly above (None at the top), ``points_behind`` its lead in points, and ``points_needed`` the points
    this child would need to pass it, the tie-break included; ``days_to_pass`` the days after ``on`` after
    which waiting alone would bring it above that child, all else unchanged (None: waiting alone never does,
    as both children keep waiting). ``moves`` says, in Dutch, what would move it up.
    """

    candidate_id: str
    on: date
    entry: RankedEntry | None
    above: RankedEntry | None
    points_behind: int | None
    points_needed: int | None
    days_to_pass: int | None
    reasons: tuple[str, ...]
    moves: tuple[str, ...]


# ---------------------------------------------------------------------------------------------------------
# Ages


def birthday(date_of_birth: date, years: int) -> date:
    """The date a child turns ``years`` old; a child born on 29 February has its birthday on 1 March in
    other years."""
    try:
        return date_of_birth.replace(year=date_of_birth.year + years)
    except ValueError:  # 29 February in a year that has none
        return date(date_of_birth.year + years, 3, 1)


def age_on(date_of_birth: date, on: date) -> int:
    """Age in completed years on ``on``; boundaries count on the birthday itself (see ``birthday``)."""
    # Tuple order puts (2, 28) before (2, 29) before (3, 1): a 29 February child turns a year older
    # on 1 March in a non-leap year, as ``birthday`` says.
    return on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))


def _latest_birth_date(on: date, years: int) -> date | None:
    """The last date of birth of a child that is at least ``years`` old on ``on`` (None: nobody is).

    age_on(dob, on) >= years  ⟺  (dob.year, dob.month, dob.day) <= (on.year - years, on.month, on.day),
    and the largest real date not after that tuple is it, or 28 February when it is a missing 29 February.
    """
    year = on.year - years
    if year < 1:
        return None
    try:
        return on.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


# ---------------------------------------------------------------------------------------------------------
# Ranking


def _check_on(on: object, name: str) -> None:
    if not _is_plain_date(on):
        raise WaitlistError(f"{name} must be a date, got {on!r}", field=name)


def _check_config(config: object) -> None:
    if not isinstance(config, PolicyConfig):
        raise InvalidPolicy(f"config must be a PolicyConfig, got {config!r}", field="config")


def _check_location(location: object) -> None:
    if not isinstance(location, LocationSeats):
        raise InvalidLocation(f"location must be a LocationSeats, got {location!r}", field="location")


_URGENCY_INDEX = {urgency: i for i, urgency in enumerate(_URGENCY_ORDER)}
# Orders like (-score, waiting_since) as one int: -score * _DATE_SPAN + waiting_since.toordinal().
_DATE_SPAN = date.max.toordinal() + 1


class _Scored(NamedTuple):
    """The eligible candidates, best first, with their scores and the facts behind them.

    A fact code packs what the explanation needs: waited days << 4 | urgency index << 2 | sibling << 1 |
    neighbourhood, so that children with the same facts share one explanation.
    """

    candidates: list[Candidate]
    scores: list[int]
    facts: list[int]


def _score_and_sort(
    candidates: Iterable[Candidate], location: LocationSeats, on: date, config: PolicyConfig
) -> _Scored:
    """One pass to check, filter and score, then sorting: O(n log n)."""
    _check_on(on, "on")
    _check_location(location)
    _check_config(config)
    # Eligible by age ⟺ the date of birth lies in a window, computed once instead of an age per child.
    youngest = _latest_birth_date(on, location.min_age)  # born on or before: old enough
    too_old = _latest_birth_date(on, location.max_age + 1)  # born on or before: too old
    location_id = location.id
    neighbourhoods = location.neighbourhoods
    urgency_index = _URGENCY_INDEX
    urgency_points = tuple(config.urgency_points(u) for u in _URGENCY_ORDER)
    sibling = config.sibling
    neighbourhood = config.neighbourhood
    seen: set[str] = set()
    kept: list[Candidate] = []
    ids: list[str] = []
    keys: list[int] = []
    scores: list[int] = []
    facts: list[int] = []
    for candidate in candidates:
        if not isinstance(candidate, Candidate):
            raise InvalidCandidate(f"expected a Candidate, got {candidate!r}")
        candidate_id = candidate.id
        if candidate_id in seen:
            raise DuplicateCandidate(f"candidate {candidate_id!r} appears more than once", field="id")
        seen.add(candidate_id)
        if location_id not in candidate.location_ids:
            continue
        born = candidate.date_of_birth
        if youngest is None or born > youngest or (too_old is not None and born <= too_old):
            continue
        since = candidate.waiting_since
        waited = (on - since).days
        if waited < 0:
            waited = 0
        u = urgency_index[candidate.urgency]
        score = waited + urgency_points[u]
        fact = waited << 4 | u << 2
        if location_id in candidate.sibling_location_ids:
            score += sibling
            fact |= 2
        if candidate.neighbourhood in neighbourhoods:
            score += neighbourhood
            fact |= 1
        kept.append(candidate)
        ids.append(candidate_id)
        keys.append(-score * _DATE_SPAN + since.toordinal())
        scores.append(score)
        facts.append(fact)
    # Sort by id, then stably by (score, waiting_since): equal scores and dates stay in id order. Two sorts
    # on plain keys run several times faster than one sort of (score, date, id) tuples.
    order = sorted(range(len(kept)), key=ids.__getitem__)
    order.sort(key=keys.__getitem__)
    return _Scored([kept[i] for i in order], [scores[i] for i in order], [facts[i] for i in order])


def _days(n: int) -> str:
    return f"{n} dag" if n == 1 else f"{n} dagen"


class _Explainer:
    """Makes explanations from fact codes, each distinct one once per call: most children share them."""

    def __init__(self, config: PolicyConfig) -> None:
        self.made: dict[int, tuple[ExplanationPart, ...]] = {}
        self.urgency = [
            ExplanationPart(Factor.URGENCY, p, f"urgentie {u.label} telt als {_days(p)}") if p else None
            for u in _URGENCY_ORDER
            for p in (config.urgency_points(u),)
        ]
        self.sibling = ExplanationPart(
            Factor.SIBLING, config.sibling, f"broer of zus geplaatst op deze locatie: {_days(config.sibling)}"
        )
        self.neighbourhood = ExplanationPart(
            Factor.NEIGHBOURHOOD, config.neighbourhood, f"woont in de wijk: {_days(config.neighbourhood)}"
        )

    def explain(self, fact: int) -> tuple[ExplanationPart, ...]:
        made = self.made.get(fact)
        if made is not None:
            return made
        waited = fact >> 4
        parts = [ExplanationPart(Factor.WAITING, waited, f"Wacht {_days(waited)}")]
        urgent = self.urgency[fact >> 2 & 3]
        if urgent is not None:
            parts.append(urgent)
        # Zero-point factors are left out (a weight set to 0 by the beheerder); waiting always shows.
        if fact & 2 and self.sibling.points:
            parts.append(self.sibling)
        if fact & 1 and self.neighbourhood.points:
            parts.append(self.neighbourhood)
        made = self.made[fact] = tuple(parts)
        return made


def rank(
    candidates: Iterable[Candidate],
    location: LocationSeats,
    on: date,
    config: PolicyConfig = PolicyConfig(),
) -> list[RankedEntry]:
    """The eligible candidates at ``location`` on ``on``, best first, each with its score explained.

    Eligible: the location is among the candidate's acceptable ones, and its age in completed years on
    ``on`` lies within the location's range (inclusive). Order: highest score, then earliest
    ``waiting_since``, then smallest id: the input order never matters.
    """
    scored = _score_and_sort(candidates, location, on, config)
    explain = _Explainer(config).explain
    return [
        RankedEntry(candidate.id, position, score, candidate.waiting_since, explain(fact))
        for position, (candidate, score, fact) in enumerate(zip(*scored, strict=True), 1)
    ]


def propose(
    candidates: Iterable[Candidate],
    location: LocationSeats,
    start_date: date,
    config: PolicyConfig = PolicyConfig(),
) -> list[Proposal]:
    """Who to offer the free seats to, from ``start_date``, in rank order.

    Going down the ranking, each child is given every requested weekday that still has a free seat if that
    makes at least its ``minimum_days``; otherwise it gets nothing and the next child is considered.
    """
    ranked = _score_and_sort(candidates, location, start_date, config).candidates
    seats = {day: count for day, count in location.free_seats.items() if count > 0}
    proposals: list[Proposal] = []
    for candidate in ranked:
        if not seats:
            break  # every seat is taken: nobody further down can get a day
        free = [day for day in candidate.requested_weekdays if day in seats]
        if len(free) < candidate.minimum_days:
            continue
        for day in free:
            left = seats[day] - 1
            if left:
                seats[day] = left
            else:
                del seats[day]
        proposals.append(Proposal(candidate.id, frozenset(free)))
    return proposals


# ---------------------------------------------------------------------------------------------------------
# "Waarom staat dit kind hier?"

_MONTHS = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)  # fmt: skip


def _dutch_date(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _position_with(entries: list[RankedEntry], key: tuple[int, date, str], skip: str) -> int:
    """The rank a child with sort ``key`` would get among ``entries`` (itself, ``skip``, left out)."""
    return 1 + sum(1 for e in entries if e.candidate_id != skip and (-e.score, e.waiting_since, e.candidate_id) < key)


def why_here(
    candidate_id: str,
    candidates: Iterable[Candidate],
    location: LocationSeats,
    on: date,
    config: PolicyConfig = PolicyConfig(),
) -> WhyHere:
    """Why one child stands where it stands at ``location`` on ``on``, and what would move it up.

    Every sentence is computed from the ranking: the gap to the child directly above (tie-break included),
    whether waiting alone closes it, and the rank each missing factor would give, all else unchanged.
    """
    everyone = list(candidates)
    entries = rank(everyone, location, on, config)
    me = next((c for c in everyone if c.id == candidate_id), None)
    if me is None:
        raise UnknownCandidate(f"candidate {candidate_id!r} is not among the candidates", field="candidate_id")
    mine = next((e for e in entries if e.candidate_id == candidate_id), None)
    if mine is None:
        reasons, moves = _not_eligible(me, location, on)
        return WhyHere(candidate_id, on, None, None, None, None, None, reasons, moves)

    if mine.rank == 1:
        return WhyHere(candidate_id, on, mine, None, None, None, None, (), ("Staat bovenaan: geen kind gaat voor.",))

    above = entries[mine.rank - 2]
    k = above.rank
    behind = above.score - mine.score
    # On equal score the earlier waiting_since goes first, then the smaller id; neither changes over time.
    wins_tie = (mine.waiting_since, mine.candidate_id) < (above.waiting_since, above.candidate_id)
    needed = behind if wins_tie else behind + 1
    moves: list[str] = []
    if behind == 0:
        if above.waiting_since < mine.waiting_since:
            why = "eerder op de wachtlijst staat"
        else:
            why = "op dezelfde dag op de wachtlijst kwam en eerder in de volgorde van kenmerk komt"
        moves.append(
            f"Heeft dezelfde score als nummer {k} ({mine.score}); dat kind gaat voor omdat het {why}. "
            f"{_days(needed).capitalize()} meer is genoeg om erboven te komen."
        )
    else:
        moves.append(
            f"Staat {_days(behind)} achter nummer {k} ({mine.score} tegen {above.score}); "
            f"{_days(needed)} meer is genoeg om erboven te komen."
        )
    days_to_pass, sentence = _waiting_move(me, above, on, needed, k)
    moves.append(sentence)

    key_of = _key_function(location, on, config)
    current = config.urgency_points(me.urgency)
    for urgency in _URGENCY_ORDER[_URGENCY_ORDER.index(me.urgency) + 1 :]:
        gain = config.urgency_points(urgency) - current
        if gain > 0:
            new = _position_with(entries, key_of(dataclasses.replace(me, urgency=urgency)), candidate_id)
            moves.append(f"Urgentie {urgency.label} zou +{_days(gain)} tellen: {_then(new, mine.rank)}.")
    if location.id not in me.sibling_location_ids and config.sibling > 0:
        changed = dataclasses.replace(me, sibling_location_ids=me.sibling_location_ids | {location.id})
        new = _position_with(entries, key_of(changed), candidate_id)
        moves.append(
            f"Een plaatsing van een broer of zus op deze locatie telt {_days(config.sibling)}: {_then(new, mine.rank)}."
        )
    if me.neighbourhood not in location.neighbourhoods and location.neighbourhoods and config.neighbourhood > 0:
        changed = dataclasses.replace(me, neighbourhood=min(location.neighbourhoods))
        new = _position_with(entries, key_of(changed), candidate_id)
        moves.append(
            f"Woont niet in een wijk van deze locatie; dat zou {_days(config.neighbourhood)} tellen: "
            f"{_then(new, mine.rank)}."
        )
    return WhyHere(candidate_id, on, mine, above, behind, needed, days_to_pass, (), tuple(moves))


def _then(new: int, now: int) -> str:
    return f"dan nummer {new}" if new < now else f"dan nog steeds nummer {now}"


def _key_function(
    location: LocationSeats, on: date, config: PolicyConfig
) -> Callable[[Candidate], tuple[int, date, str]]:
    def key(candidate: Candidate) -> tuple[int, date, str]:
        (score,) = _score_and_sort([candidate], location, on, config).scores
        return -score, candidate.waiting_since, candidate.id

    return key


def _waiting_move(me: Candidate, above: RankedEntry, on: date, needed: int, k: int) -> tuple[int | None, str]:
    """Whether time alone closes the gap: it does only while the child above is not yet counting days."""
    # From ``on``, this child gains a day on the one above for every day on which it counts waiting days
    # and the other does not yet: the days from max(on, own start) up to the other's waiting_since.
    starts = max(on, me.waiting_since)
    window = (above.waiting_since - starts).days
    if window >= needed:
        days = (starts - on).days + needed
        return days, f"Over {_days(days)} staat het kind boven nummer {k}, als verder niets verandert."
    if window > 0:
        return None, (
            f"Wachten alleen is niet genoeg: het verschil met nummer {k} wordt hooguit {_days(window)} kleiner."
        )
    if me.waiting_since <= on and above.waiting_since <= on:
        return None, f"Wachten alleen brengt het kind niet boven nummer {k}: dat kind wacht even lang mee."
    return None, f"Wachten alleen brengt het kind niet boven nummer {k}."


def _not_eligible(me: Candidate, location: LocationSeats, on: date) -> tuple[tuple[str, ...], tuple[str, ...]]:
    reasons: list[str] = []
    moves: list[str] = []
    if location.id not in me.location_ids:
        reasons.append("Deze locatie staat niet bij de locaties die de ouders acceptabel vinden.")
        moves.append("Komt in aanmerking als de ouders deze locatie toevoegen.")
    age = age_on(me.date_of_birth, on)
    span = f"deze locatie neemt kinderen van {location.min_age} tot en met {location.max_age} jaar"
    if age < location.min_age:
        turns = birthday(me.date_of_birth, location.min_age)
        reasons.append(f"Is op {_dutch_date(on)} {age} jaar; {span}.")
        moves.append(f"Wordt {location.min_age} op {_dutch_date(turns)}; komt vanaf dan in aanmerking.")
    elif age > location.max_age:
        reasons.append(f"Is op {_dutch_date(on)} {age} jaar; {span}.")
    return tuple(reasons), tuple(moves)
