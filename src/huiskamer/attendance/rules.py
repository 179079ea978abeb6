"""Pure rules of the day list and of the concerns it raises: who is expected on a date, and when unexcused absence
has happened often enough to tell the coordinator. No database, no web: tested with hypothesis properties."""

from __future__ import annotations

from collections.abc import Collection, Container, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol, TypeVar
from uuid import UUID

from huiskamer.text import folded_words
from huiskamer.validation import WEEKDAYS

# --- names -------------------------------------------------------------------------------------------

STATUS_NAMES_NL: dict[str, str] = {
    "unknown": "nog niet ingevuld",
    "present": "aanwezig",
    "absent_excused": "afwezig met bericht",
    "absent_unexcused": "afwezig zonder bericht",
}
ABSENCE_REASON_NAMES_NL: dict[str, str] = {"ill": "ziek", "family": "familie", "other": "anders"}
CONCERN_KIND_NAMES_NL: dict[str, str] = {
    "unexcused_absence": "Vaak afwezig zonder bericht",
    "observation": "Observatie van een kinderwerker",
    "pickup": "Opgehaald door iemand die niet op de lijst staat",
    "safeguarding": "Zorg om de veiligheid van het kind (Meldcode)",
}
# The five steps of the Meldcode huiselijk geweld en kindermishandeling (2019), as the coordinator works through
# them for a safeguarding concern.
MELDCODE_STEP_NAMES_NL: dict[int, str] = {
    1: "Signalen in kaart brengen",
    2: "Collegiale consultatie en zo nodig Veilig Thuis raadplegen",
    3: "Gesprek met de ouder(s) en zo mogelijk het kind",
    4: "Wegen van het geweld of de kindermishandeling (afwegingskader)",
    5: "Beslissen: hulp organiseren en/of melden bij Veilig Thuis",
}
CONCERN_STATUS_NAMES_NL: dict[str, str] = {"open": "open", "resolved": "afgehandeld", "withdrawn": "vervallen"}


@dataclass(frozen=True)
class Mark:
    """One button on the day list: the status it records and, for an absence with notice, the reason."""

    code: str
    status: str
    absence_reason: str | None
    label: str


# The buttons of a child's row, in the order they are shown; one tap each. "unknown" takes a mistaken tap back.
MARKS: tuple[Mark, ...] = (
    Mark("present", "present", None, "Aanwezig"),
    Mark("unexcused", "absent_unexcused", None, "Afwezig zonder bericht"),
    Mark("ill", "absent_excused", "ill", "Ziek"),
    Mark("family", "absent_excused", "family", "Familie"),
    Mark("other", "absent_excused", "other", "Anders"),
)
UNDO = Mark("unknown", "unknown", None, "Wissen")
MARKS_BY_CODE: dict[str, Mark] = {mark.code: mark for mark in (*MARKS, UNDO)}


def mark_of(status: str, absence_reason: str | None) -> Mark:
    """The button that records this status (and reason): the one to show as chosen."""
    if status == "absent_excused":
        return MARKS_BY_CODE.get(absence_reason or "other", MARKS_BY_CODE["other"])
    return {"present": MARKS_BY_CODE["present"], "absent_unexcused": MARKS_BY_CODE["unexcused"]}.get(status, UNDO)


# --- who is expected ---------------------------------------------------------------------------------


class PlacementDays(Protocol):
    """What a placement says about its days (a ``Placement`` row has these, and so has a test's stand-in)."""

    @property
    def weekdays(self) -> Collection[str]: ...

    @property
    def start_date(self) -> date: ...

    @property
    def end_date(self) -> date | None: ...


P = TypeVar("P", bound=PlacementDays)


def weekday_of(day: date) -> str:
    return WEEKDAYS[day.weekday()]


def is_expected_on(placement: PlacementDays, day: date, closure_days: Container[date] = ()) -> bool:
    """A placed child is expected on a date that is one of its weekdays, within its placement (the end date is
    its last day), on which the location is open."""
    if day < placement.start_date or (placement.end_date is not None and day > placement.end_date):
        return False
    return weekday_of(day) in placement.weekdays and day not in closure_days


def expected_on(placements: Iterable[P], day: date, closure_days: Container[date] = ()) -> list[P]:
    """The placements whose child is expected on ``day``, in the order given."""
    return [placement for placement in placements if is_expected_on(placement, day, closure_days)]


# --- unexcused absence becomes a concern --------------------------------------------------------------


def busiest_window(days: Iterable[date], window_days: int) -> tuple[date, ...]:
    """The most absences that fall within ``window_days`` consecutive days, earliest such group first.

    ``window_days`` counts the first and the last day: with 30, absences on 1 and 30 March share a window,
    those on 1 and 31 March do not.
    """
    ordered = sorted(set(days))
    best: tuple[date, ...] = ()
    first = 0
    span = timedelta(days=max(window_days, 1) - 1)
    for last, day in enumerate(ordered):
        while ordered[first] < day - span:
            first += 1
        if last - first + 1 > len(best):
            best = tuple(ordered[first : last + 1])
    return best


def reaches_threshold(days: Iterable[date], threshold: int, window_days: int) -> bool:
    """Whether ``threshold`` unexcused absences fall within some ``window_days`` consecutive days."""
    return threshold > 0 and len(busiest_window(days, window_days)) >= threshold


def concern_window(day: date, window_days: int) -> tuple[date, date]:
    """The days whose absences can share a window with an absence on ``day``: the ones to read after a tap."""
    span = timedelta(days=max(window_days, 1) - 1)
    return day - span, day + span


def concern_text(given_name: str, days: Sequence[date], window_days: int, format_day) -> str:
    """The sentence the coordinator reads, naming the days."""
    shown = [format_day(day) for day in sorted(days)]
    listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " en " + shown[-1]
    return f"{given_name} was {len(days)} keer afwezig zonder bericht binnen {window_days} dagen: {listed}."


# --- the latest tap stands ---------------------------------------------------------------------------


def tap_order(tapped_at: datetime, tap_id: UUID) -> tuple[datetime, int]:
    """How taps of one child's day are ordered: by the phone's clock, the tap id breaking a tie (so two phones
    whose taps carry the same moment still agree on which one stands, in whatever order they arrive)."""
    return tapped_at, tap_id.int


def stands_after(tapped_at: datetime, tap_id: UUID, latest: tuple[datetime, UUID] | None) -> bool:
    """Whether a tap is later than the latest one stored so far (None: the first tap of the day)."""
    return latest is None or tap_order(tapped_at, tap_id) > tap_order(*latest)


# --- who may collect the child -----------------------------------------------------------------------


@dataclass(frozen=True)
class PickupCheck:
    """Why a collector needs a second look: ``not_allowed`` names the entry of the list that matched."""

    collector: str
    not_allowed: str | None

    def warning(self, given_name: str) -> str:
        if self.not_allowed is not None:
            return (
                f"Let op: {self.collector} mag {given_name} niet ophalen (op de lijst ‘mag niet ophalen’: "
                f"{self.not_allowed}). De coördinator krijgt meteen een signaal."
            )
        return (
            f"Let op: {self.collector} staat niet op de lijst van wie {given_name} mag ophalen. "
            "De coördinator krijgt meteen een signaal."
        )


def check_pickup(collector: str, allowed: Iterable[str], not_allowed: Iterable[str]) -> PickupCheck | None:
    """None when the collector is one of the allowed persons. A not-allowed entry written the same way always
    warns; one whose words are all among the collector's ("vader" in "P. Jansen (vader)") warns too, unless the
    collector is written exactly as an allowed person (so that "Jansen" on the list does not stop "M. Jansen
    (moeder)"). Anyone else is not on the list and warns as well."""
    words = folded_words(collector)
    refused = [(entry, folded_words(entry)) for entry in not_allowed]
    for entry, entry_words in refused:
        if entry_words == words:
            return PickupCheck(collector, entry)
    if any(folded_words(person) == words for person in allowed):
        return None
    for entry, entry_words in refused:
        if entry_words and set(entry_words) <= set(words):
            return PickupCheck(collector, entry)
    return PickupCheck(collector, None)
