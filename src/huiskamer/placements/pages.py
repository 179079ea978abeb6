"""What the waitlist pages show of a ranked waitlist: one row per child, the filters, and the why-here table.

Pure: it shapes what ``ranking`` computed; it decides nothing about the order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from huiskamer.placements.ranking import WaitingChild, Waitlist
from huiskamer.referrals import search
from huiskamer.validation import WEEKDAY_NAMES_NL, WEEKDAYS, FieldErrors, parse_date
from huiskamer.waitlist import ExplanationPart, Factor, RankedEntry, Urgency, age_on

URGENCY_NAMES_NL = {urgency.value: urgency.label for urgency in Urgency}
FACTOR_NAMES_NL = {
    Factor.WAITING: "Wachttijd",
    Factor.URGENCY: "Urgentie",
    Factor.SIBLING: "Broer of zus",
    Factor.NEIGHBOURHOOD: "Wijk",
}
RESPOND_WITHIN = timedelta(days=7)


def weekday_names(days: Any) -> str:
    """Dutch weekdays in week order: "maandag, dinsdag en donderdag"."""
    names = [WEEKDAY_NAMES_NL[day] for day in WEEKDAYS if day in set(days or ())]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " en " + names[-1]


def days_word(n: int) -> str:
    return f"{n} dag" if n == 1 else f"{n} dagen"


@dataclass(frozen=True)
class WaitlistRow:
    entry: RankedEntry
    referral_id: str
    name: str
    age: int
    waiting_since: date
    waiting_days: int
    urgency: str
    requested_weekdays: list[str]
    minimum_days: int

    @property
    def urgency_label(self) -> str:
        return URGENCY_NAMES_NL.get(self.urgency, self.urgency)


@dataclass(frozen=True)
class WaitlistFilters:
    on: date
    weekday: str | None = None
    urgency: str | None = None
    q: str | None = None  # a child's name (every word) or date of birth, as in the inbox

    def query(self, **changes: str) -> dict[str, str]:
        query = {
            "zoek": self.q or "",
            "datum": self.on.isoformat(),
            "dag": self.weekday or "",
            "urgentie": self.urgency or "",
        }
        query.update(changes)
        return {key: value for key, value in query.items() if value}


def read_waitlist_filters(raw: Mapping[str, Any], today: date) -> tuple[WaitlistFilters, dict[str, str]]:
    """The filters from the query string; a wrong value is reported next to its field and left out."""
    errors = FieldErrors()
    on = today
    value = raw.get("datum")
    if value:
        parsed = parse_date(value)
        if parsed is None:
            errors.add("datum", "Vul een datum in, bijvoorbeeld 7-9-2026.")
        else:
            on = parsed
    weekday = raw.get("dag") or None
    if weekday is not None and weekday not in WEEKDAYS:
        errors.add("dag", "Kies een dag uit de lijst.")
        weekday = None
    urgency = raw.get("urgentie") or None
    if urgency is not None and urgency not in URGENCY_NAMES_NL:
        errors.add("urgentie", "Kies een urgentie uit de lijst.")
        urgency = None
    q, too_long = search.read_query(raw.get("zoek"))
    if too_long:
        errors.add("zoek", too_long)
    return WaitlistFilters(on, weekday, urgency, q), errors.errors


def _row(entry: RankedEntry, waiting: WaitingChild, on: date) -> WaitlistRow:
    child, intake = waiting.child, waiting.intake
    return WaitlistRow(
        entry=entry,
        referral_id=entry.candidate_id,
        name=child.full_name,
        age=age_on(child.date_of_birth, on),
        waiting_since=entry.waiting_since,
        waiting_days=max((on - entry.waiting_since).days, 0),
        urgency=intake.urgency,
        requested_weekdays=[day for day in WEEKDAYS if day in intake.requested_weekdays],
        minimum_days=intake.minimum_days,
    )


def waitlist_rows(waitlist: Waitlist, filters: WaitlistFilters) -> list[WaitlistRow]:
    """The ranked children that match the filters and the search, in rank order (the rank stays the one on the
    whole list)."""
    rows = []
    for entry in waitlist.entries:
        waiting = waitlist.children[entry.candidate_id]
        if not waiting.found:
            continue
        if filters.weekday and filters.weekday not in waiting.intake.requested_weekdays:
            continue
        if filters.urgency and waiting.intake.urgency != filters.urgency:
            continue
        rows.append(_row(entry, waiting, waitlist.on))
    return rows


def not_ranked(waitlist: Waitlist) -> list[WaitingChild]:
    """Children on this location's list who are not eligible on that date (their age), by name; with a search,
    those it finds."""
    ranked = {entry.candidate_id for entry in waitlist.entries}
    rest = [w for key, w in waitlist.children.items() if key not in ranked and w.found]
    return sorted(rest, key=lambda w: (w.child.given_name, w.child.family_name))


def row_of(waitlist: Waitlist, referral_id: str) -> WaitlistRow | None:
    for entry in waitlist.entries:
        if entry.candidate_id == referral_id:
            return _row(entry, waitlist.children[referral_id], waitlist.on)
    return None


def factor_name(part: ExplanationPart) -> str:
    return FACTOR_NAMES_NL.get(part.factor, str(part.factor))
