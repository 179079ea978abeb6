"""School holidays (schoolvakanties) per region, offered as suggested closures; the user picks which to add.

Source: Rijksoverheid, "Schoolvakanties" for the school years 2026-2027 and 2027-2028
(https://www.rijksoverheid.nl/onderwerpen/schoolvakanties/overzicht-schoolvakanties-per-schooljaar), each holiday
from its first to its last day (Saturday to Sunday, as the source lists them). The PyPI package ``holidays`` knows
the Dutch public holidays, not the school holidays, so the table is kept here: add a school year when the
Rijksoverheid publishes it. The dates below were entered without the source page at hand (5 December 2026). On
6 December 2026 the 2026 herfstvakantie (noord a week before midden and zuid) and zuid's 2027 voorjaars- and
zomervakantie were checked against two secondary sources that cite the Rijksoverheid (a school's published rooster
in regio zuid and an overview per region); the herfstvakantie was corrected. The rest must still be checked against
the Rijksoverheid's page before it is relied on; a test keeps every entry well-formed.

Regions: noord, midden, zuid (Almere, like all of Flevoland except Zeewolde, is noord).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

REGIONS = {"noord": "Noord", "midden": "Midden", "zuid": "Zuid"}
SOURCE = "Rijksoverheid, overzicht schoolvakanties per schooljaar"


@dataclass(frozen=True)
class SchoolHoliday:
    name: str
    first_day: date
    last_day: date

    @property
    def description(self) -> str:
        return f"{self.name} {self.first_day.year}"


def _all(name: str, first: date, last: date) -> dict[str, tuple[str, date, date]]:
    return {region: (name, first, last) for region in REGIONS}


def _table() -> dict[str, list[SchoolHoliday]]:
    rows: list[dict[str, tuple[str, date, date]]] = [
        # 2026-2027
        {
            "noord": ("Herfstvakantie", date(2026, 10, 10), date(2026, 10, 18)),
            "midden": ("Herfstvakantie", date(2026, 10, 17), date(2026, 10, 25)),
            "zuid": ("Herfstvakantie", date(2026, 10, 17), date(2026, 10, 25)),
        },
        _all("Kerstvakantie", date(2026, 12, 19), date(2027, 1, 3)),
        {
            "noord": ("Voorjaarsvakantie", date(2027, 2, 13), date(2027, 2, 21)),
            "midden": ("Voorjaarsvakantie", date(2027, 2, 20), date(2027, 2, 28)),
            "zuid": ("Voorjaarsvakantie", date(2027, 2, 6), date(2027, 2, 14)),
        },
        _all("Meivakantie", date(2027, 4, 24), date(2027, 5, 2)),
        {
            "noord": ("Zomervakantie", date(2027, 7, 24), date(2027, 9, 5)),
            "midden": ("Zomervakantie", date(2027, 7, 10), date(2027, 8, 22)),
            "zuid": ("Zomervakantie", date(2027, 7, 17), date(2027, 8, 29)),
        },
        # 2027-2028
        {
            "noord": ("Herfstvakantie", date(2027, 10, 23), date(2027, 10, 31)),
            "midden": ("Herfstvakantie", date(2027, 10, 16), date(2027, 10, 24)),
            "zuid": ("Herfstvakantie", date(2027, 10, 16), date(2027, 10, 24)),
        },
        _all("Kerstvakantie", date(2027, 12, 25), date(2028, 1, 9)),
        {
            "noord": ("Voorjaarsvakantie", date(2028, 2, 19), date(2028, 2, 27)),
            "midden": ("Voorjaarsvakantie", date(2028, 2, 26), date(2028, 3, 5)),
            "zuid": ("Voorjaarsvakantie", date(2028, 2, 19), date(2028, 2, 27)),
        },
        _all("Meivakantie", date(2028, 4, 22), date(2028, 4, 30)),
        {
            "noord": ("Zomervakantie", date(2028, 7, 8), date(2028, 8, 20)),
            "midden": ("Zomervakantie", date(2028, 7, 15), date(2028, 8, 27)),
            "zuid": ("Zomervakantie", date(2028, 7, 22), date(2028, 9, 3)),
        },
    ]
    table: dict[str, list[SchoolHoliday]] = {region: [] for region in REGIONS}
    for row in rows:
        for region, (name, first, last) in row.items():
            table[region].append(SchoolHoliday(name, first, last))
    return table


SCHOOL_HOLIDAYS = _table()


def suggestions(region: str, today: date, taken: Iterable[tuple[date, date]] = ()) -> list[SchoolHoliday]:
    """The region's school holidays that have not ended and overlap none of the ``taken`` (first, last) ranges."""
    taken = list(taken)
    return [
        holiday
        for holiday in SCHOOL_HOLIDAYS.get(region, [])
        if holiday.last_day >= today
        and not any(first <= holiday.last_day and holiday.first_day <= last for first, last in taken)
    ]
