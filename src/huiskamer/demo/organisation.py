"""The demo organisation: an Almere welfare organisation with four huiskamers (their addresses, neighbourhoods,
seats per weekday and closure days) and the ten people who log in to it (a beheerder, coordinators, kinderwerkers
and referrers), with the one password the demo prints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import click

DEMO_PASSWORD = "huiskamer-demo"  # noqa: S105 - printed for the demo on purpose


@dataclass(frozen=True)
class DemoLogin:
    role: str
    name: str
    email: str
    note: str


@dataclass(frozen=True)
class DemoLocation:
    name: str
    address: str
    neighbourhoods: tuple[str, ...]
    seats: dict[str, int]
    fill_to: float = 1.0  # the share of the seats the coordinator keeps filled from the waitlist


LOCATIONS = (
    DemoLocation(
        "Huiskamer De Vaart",
        "Vaartplein 12, 1323 AB Almere",
        ("Stedenwijk", "Tussen de Vaarten", "Verzetswijk", "Staatsliedenwijk"),
        {"mon": 70, "tue": 70, "wed": 45, "thu": 70, "fri": 60},
        fill_to=0.94,
    ),
    DemoLocation(
        "Huiskamer Kruidenhof",
        "Basilicumweg 3, 1338 CH Almere",
        ("Kruidenwijk", "Parkwijk"),
        {"mon": 20, "tue": 20, "wed": 12, "thu": 20, "fri": 18},
    ),
    DemoLocation(
        "Huiskamer Muziekwijk",
        "Bachstraat 40, 1312 AK Almere",
        ("Muziekwijk", "Filmwijk", "Danswijk"),
        {"mon": 20, "tue": 20, "wed": 15, "thu": 20, "fri": 20},
    ),
    DemoLocation(
        "Huiskamer De Werven",
        "Sluis 7, 1357 NW Almere Haven",
        ("Centrum Haven", "De Werven", "De Marken", "Hoven"),
        {"mon": 18, "tue": 18, "wed": 10, "thu": 18, "fri": 16},
    ),
)


def easter(year: int) -> date:
    """Easter Sunday (the anonymous Gregorian algorithm, with its own letters)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


def closures_between(first: date, last: date) -> list[tuple[date, str]]:
    """The days the huiskamers close, Monday to Friday: national holidays, the week between Christmas and New
    Year, and two weeks in the summer holiday (from the first Monday of August)."""
    found: dict[date, str] = {}
    for year in range(first.year, last.year + 1):
        sunday = easter(year)
        kings = date(year, 4, 27) if date(year, 4, 27).weekday() != 6 else date(year, 4, 26)
        summer = date(year, 8, 1) + timedelta(days=(7 - date(year, 8, 1).weekday()) % 7)
        days = [
            (date(year, 1, 1), "Nieuwjaarsdag"),
            (sunday + timedelta(days=1), "Tweede paasdag"),
            (kings, "Koningsdag"),
            (sunday + timedelta(days=39), "Hemelvaartsdag"),
            (sunday + timedelta(days=50), "Tweede pinksterdag"),
            *((summer + timedelta(days=n), "Zomersluiting") for n in range(12)),
            (date(year, 12, 25), "Eerste kerstdag"),
            (date(year, 12, 26), "Tweede kerstdag"),
            *((date(year, 12, n), "Kerstvakantie") for n in range(27, 31)),
            (date(year, 12, 31), "Oudejaarsdag"),
        ]
        for day, text in days:
            if first <= day <= last and day.weekday() < 5:
                found.setdefault(day, text)
    return sorted(found.items())


# (role, name, email, locations by index, organisation)
PEOPLE: tuple[tuple[str, str, str, tuple[int, ...], tuple[str, str] | None], ...] = (
    ("admin", "Els Spraakman", "beheer@deschoor.example", (), None),
    ("coordinator", "Fatima el Amrani", "f.elamrani@deschoor.example", (0,), None),
    ("coordinator", "Jeroen Visser", "j.visser@deschoor.example", (1, 2, 3), None),
    ("youth_worker", "Shailesh Ramnath", "s.ramnath@deschoor.example", (0,), None),
    ("youth_worker", "Noor de Boer", "n.deboer@deschoor.example", (0,), None),
    ("youth_worker", "Kees Jansen", "k.jansen@deschoor.example", (1,), None),
    ("youth_worker", "Priya Baldew", "p.baldew@deschoor.example", (2, 3), None),
    ("referrer", "Marieke Smit", "m.smit@regenboog.example", (), ("Basisschool De Regenboog", "school")),
    ("referrer", "Ahmed Yilmaz", "a.yilmaz@ggdflevoland.example", (), ("GGD Flevoland", "ggd")),
    ("referrer", "Sandra Bos", "s.bos@politie.example", (), ("Politie Almere, wijkteam Stad", "police")),
)

_NOTES = {
    "admin": "beheerder: locaties, capaciteit, gebruikers, audittrail",
    "coordinator": "coördinator",
    "youth_worker": "kinderwerker",
    "referrer": "verwijzer",
}


def demo_logins() -> list[DemoLogin]:
    logins = []
    for role, name, email, location_indexes, organisation in PEOPLE:
        where = ", ".join(LOCATIONS[i].name for i in location_indexes)
        note = _NOTES[role] + (f" ({where})" if where else "") + (f" ({organisation[0]})" if organisation else "")
        logins.append(DemoLogin(role=role, name=name, email=email, note=note))
    return logins


def print_logins(logins: list[DemoLogin], base_url: str) -> None:
    click.echo("")
    click.echo(f"Huiskamer draait op {base_url}")
    click.echo(f"Log in met een van deze demo-accounts; het wachtwoord is voor allemaal: {DEMO_PASSWORD}")
    for login in logins:
        click.echo(f"  {login.email:<34} {login.name:<20} {login.note}")
    click.echo("")
