"""Realistic fake referrals for the demo and the benchmarks: Dutch children's names, ages 4 to 12, Almere
postcodes and neighbourhoods, reasons in a referrer's own words (never a diagnosis), histories that follow the
status machine with believable timestamps, messages both ways, and a few possible duplicates.

Deterministic with a seed. The result is plain rows (dicts of column values, ids included), which the demo
(``demo.load``) and the benchmarks insert in bulk with SQLAlchemy Core.
"""

from __future__ import annotations

import itertools
import random
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

from huiskamer.auth.models import ROLE_NAMES_NL
from huiskamer.referrals.rules import MOVES, WITHDRAWABLE, Status
from huiskamer.referrals.service import match_key

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

GIRLS = (
    "Noor",
    "Emma",
    "Julia",
    "Sara",
    "Yara",
    "Lina",
    "Fenna",
    "Mila",
    "Zoë",
    "Nora",
    "Aya",
    "Hiba",
    "Maryam",
    "Salma",
    "Esra",
    "Elif",
    "Shanaya",
    "Priya",
    "Anouk",
    "Lotte",
    "Saar",
    "Fleur",
    "Britt",
    "Jasmijn",
    "Amira",
    "Ivy",
    "Naomi",
    "Kiki",
    "Lieke",
    "Sofia",
    "Ilse",
    "Chaima",
    "Rania",
    "Dewi",
    "Rosalie",
    "Tess",
    "Isa",
)
BOYS = (
    "Daan",
    "Sem",
    "Lucas",
    "Levi",
    "Finn",
    "Milan",
    "Noah",
    "Bram",
    "Luuk",
    "Thijs",
    "Mohammed",
    "Adam",
    "Ayoub",
    "Yusuf",
    "Ilias",
    "Rayan",
    "Emir",
    "Kerem",
    "Jayden",
    "Dylan",
    "Jesse",
    "Stijn",
    "Ravi",
    "Quincy",
    "Damian",
    "Sven",
    "Mees",
    "Owen",
    "Jurre",
    "Zakaria",
    "Anass",
    "Tygo",
    "Kenji",
    "Jaydon",
    "Mats",
    "Ruben",
    "Omar",
)
FAMILY_NAMES = (
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Dijk",
    "Dekker",
    "El Idrissi",
    "Yilmaz",
    "Kaya",
    "Öztürk",
    "Bouali",
    "Ramdin",
    "Sewdien",
    "Baldew",
    "Martina",
    "Cijntje",
    "Asante",
    "Mensah",
    "Kowalski",
    "Nowak",
    "Haddou",
    "El Amrani",
    "Tahiri",
    "Demir",
    "Çelik",
    "Wijngaarde",
    "Pinas",
    "Kromodimedjo",
    "Nguyen",
    "Bruinsma",
    "Postma",
    "Veenstra",
    "Schouten",
    "Koster",
    "van Leeuwen",
    "Brouwer",
    "Hoekstra",
    "Koç",
    "Ait Taleb",
)
GUARDIAN_GIVEN = ("M.", "S.", "A.", "J.", "N.", "F.", "R.", "K.", "Y.", "L.", "D.", "H.", "E.", "G.", "P.")
GUARDIAN_ROLES = ("moeder", "vader", "oma", "pleegmoeder", "tante")
MAIL_DOMAINS = ("ziggo.example", "gmail.example", "hotmail.example", "kpnmail.example", "outlook.example")
SCHOOLS = (
    "Basisschool De Regenboog",
    "De Zevensprong",
    "Het Palet",
    "De Kameleon",
    "Letterland",
    "De Wereldwijzer",
    "Het Baken",
    "De Vlinderboom",
    "De Polderster",
    "De Ark",
    "Het Mozaïek",
    "De Meander",
    "Het Kompas",
    "De Windroos",
    "Al Ghazali",
    "De Bouwsteen",
)

# Almere neighbourhoods and their four-digit postcodes (the letters are added at random).
POSTCODES: dict[str, tuple[int, ...]] = {
    "Stedenwijk": (1324, 1325),
    "Tussen de Vaarten": (1326, 1327),
    "Verzetswijk": (1328,),
    "Staatsliedenwijk": (1321, 1322),
    "Kruidenwijk": (1338,),
    "Parkwijk": (1336, 1337),
    "Muziekwijk": (1312, 1313),
    "Filmwijk": (1318,),
    "Danswijk": (1314,),
    "Centrum Haven": (1354,),
    "De Werven": (1357,),
    "De Marken": (1353,),
    "Hoven": (1355, 1356),
    "Waterwijk": (1317,),
    "Almere Poort": (1361, 1363),
    "Almere Buiten": (1334, 1335),
    "Nobelhorst": (1341,),
}
OUTSIDE_NEIGHBOURHOODS = ("Almere Poort", "Almere Buiten", "Nobelhorst", "Waterwijk")

# In the referrer's own words: what they see, never a diagnosis.
REASONS: dict[str, tuple[str, ...]] = {
    "school": (
        "{name} wordt snel boos op het schoolplein en raakt dan in ruzies verzeild.",
        "{name} heeft weinig vriendjes en speelt in de pauze vaak alleen.",
        "Thuis is er geen rust om huiswerk te maken; het gezin woont met zes personen in een kleine flat.",
        "{name} durft in de klas weinig te zeggen en trekt zich terug in groepjes.",
        "{name} komt vaak zonder ontbijt op school en is na schooltijd veel alleen op straat.",
        "Bij samenwerkopdrachten loopt het vaak mis: {name} wil het op de eigen manier en wordt dan boos.",
        "Moeder vertelde bij het oudergesprek dat ze na school geen opvang kan betalen.",
    ),
    "ggd": (
        "Bij het contactmoment gaf {name} aan zich vaak eenzaam te voelen.",
        "Moeder staat er alleen voor met drie kinderen en werkt tot zes uur; er is geen geld voor de bso.",
        "{name} zit na school veel binnen achter een scherm en beweegt weinig.",
        "Het gezin is net in Almere komen wonen en kent nog niemand in de wijk.",
    ),
    "police": (
        "{name} hangt na schooltijd rond bij het winkelcentrum met oudere jongens.",
        "{name} is een paar keer aangesproken bij de speeltuin; er is na school weinig toezicht.",
        "Buren maken zich zorgen: {name} is tot het avondeten alleen buiten.",
    ),
    "social_team": (
        "Het gezin krijgt ondersteuning van het wijkteam; na school is er thuis weinig toezicht.",
        "Vader en moeder gaan uit elkaar; {name} heeft een vaste, rustige plek na school nodig.",
        "Er zijn geldzorgen in het gezin; een plek na school geeft ouders lucht.",
    ),
    "youth_mental_health": (
        "Het gezin wil graag dat {name} in een kleine groep oefent met samenspelen en samenwerken.",
        "{name} vindt het lastig om voor zichzelf op te komen; oefenen in een veilige groep zou helpen.",
    ),
    "gp": ("{name} zit veel binnen en speelt weinig met andere kinderen; ouders vragen om een plek na school.",),
    "youth_care": ("{name} woont sinds kort in een pleeggezin in de wijk en zoekt aansluiting bij leeftijdgenoten.",),
    "guardian": (
        "Moeder vraagt zelf om hulp: '{name} maakt moeilijk vriendjes en zit veel binnen.'",
        "Ouders werken allebei in ploegendienst en willen dat {name} na school leert samenspelen.",
        "Vader: 'Thuis is het druk en klein; {name} kan nergens rustig spelen of huiswerk maken.'",
        "Moeder merkt dat {name} snel boos wordt als iets niet lukt en wil dat ze leert zich te beheersen.",
    ),
    "other": ("Het buurthuis ziet dat {name} na school veel alleen is en weinig aansluiting heeft.",),
}

REJECT_TEXTS: dict[str, tuple[str, ...]] = {
    "outside_target_group": (
        "De vraag is vooral huiswerkbegeleiding; verwezen naar de huiswerkklas van de bibliotheek.",
    ),
    "outside_area": ("Het gezin woont buiten Almere; doorverwezen naar het kinderwerk in de eigen gemeente.",),
    "needs_specialist_care": (
        "De hulpvraag is groter dan de huiskamer kan bieden; in overleg met het wijkteam opgepakt.",
    ),
    "no_consent": ("Ouders willen na het gesprek toch geen aanmelding.",),
    "duplicate": ("Dubbele aanmelding van een bekend kind.",),
    "other": ("Gezin heeft een plek gevonden bij de naschoolse opvang van school.",),
}
CLOSE_TEXTS: dict[str, tuple[str, ...]] = {
    "goals_reached": ("Doelen behaald; evaluatie met moeder gehad.", "Gaat goed; samen met ouders afgerond."),
    "moved_to_bso": ("Ouders hebben nu toeslag voor de bso; overgang is goed verlopen.",),
    "referred_to_youth_care": ("In overleg met ouders doorverwezen naar jeugdhulp.",),
    "moved_house": ("Gezin is verhuisd naar Lelystad.", "Gezin is verhuisd naar een andere wijk buiten ons gebied."),
    "aged_out": ("Gaat naar de middelbare school; afscheid gevierd in de groep.",),
    "guardian_stopped": ("Ouders hebben besloten te stoppen.",),
    "no_contact": ("Na drie pogingen geen contact met het gezin gekregen.",),
    "other": ("Kind komt nu naar de huiskamer van een andere organisatie.",),
}
REJECT_WEIGHTS = {"outside_target_group": 3, "outside_area": 2, "needs_specialist_care": 2, "no_consent": 1, "other": 1}
CLOSE_AFTER_PLACEMENT = {
    "goals_reached": 8,
    "moved_to_bso": 4,
    "aged_out": 3,
    "moved_house": 2,
    "guardian_stopped": 2,
    "referred_to_youth_care": 1,
    "other": 1,
}
CLOSE_FROM_WAITLIST = {"moved_house": 3, "guardian_stopped": 3, "no_contact": 2, "moved_to_bso": 2}

COORDINATOR_MESSAGES = (
    "Dank voor de aanmelding. Ik neem deze week contact op met de ouders.",
    "Ik heb moeder gebeld; we plannen samen een kennismaking.",
    "Het intakegesprek is gepland. Moeder en {name} zijn welkom op de huiskamer.",
    "{name} staat op de wachtlijst. We laten het weten zodra er plek is.",
    "Er is plek vrijgekomen; we hebben de ouders een plaats aangeboden.",
    "{name} is gestart en voelt zich al aardig thuis in de groep.",
    "Kunt u het telefoonnummer van vader nog doorgeven? Moeder is lastig te bereiken.",
)
REFERRER_MESSAGES = (
    "Moeder is het best bereikbaar na drie uur.",
    "Vader spreekt beter Engels dan Nederlands; wilt u daar rekening mee houden?",
    "Is er al iets bekend over een startdatum?",
    "Dank u wel! Ik heb de ouders laten weten dat de aanmelding loopt.",
    "Fijn om te horen. De juf merkt al dat {name} beter in zijn vel zit.",
    "Het gezin verhuist mogelijk in de zomer; ik houd u op de hoogte.",
)

# How a year of referrals in a city ends up (the benchmark); the demo asks for every status at least once.
STATUS_WEIGHTS: dict[Status, float] = {
    Status.SUBMITTED: 4,
    Status.IN_REVIEW: 5,
    Status.INTAKE_PLANNED: 5,
    Status.INTAKE_DONE: 2,
    Status.WAITLISTED: 22,
    Status.OFFERED: 2,
    Status.PLACED: 25,
    Status.CLOSED: 20,
    Status.REJECTED: 10,
    Status.WITHDRAWN: 5,
}
WEEKDAY_SETS = (
    ("mon", "tue", "thu"),
    ("mon", "wed", "fri"),
    ("tue", "thu"),
    ("mon", "tue", "wed", "thu", "fri"),
    ("wed", "fri"),
    ("mon", "thu"),
    ("tue", "wed", "thu"),
)


@dataclass(frozen=True)
class FakeLocation:
    id: UUID
    neighbourhoods: tuple[str, ...]
    weight: float = 1.0  # how many of the referrals ask for it (a big location gets more)


@dataclass(frozen=True)
class FakePerson:
    """Someone who refers (a referrer, or a coordinator on behalf of parents) or processes referrals."""

    id: UUID
    name: str
    role: str  # "referrer" or "coordinator"
    source: str = "guardian"  # the organisation's type, for a referrer
    organisation_id: UUID | None = None
    location_ids: tuple[UUID, ...] = ()
    weight: float = 1.0

    @property
    def label(self) -> str:
        return f"{self.name} ({ROLE_NAMES_NL[self.role]})"


@dataclass
class FakeRows:
    """Rows per table, in insert order (children before referrals before what points at them)."""

    children: list[dict[str, Any]] = field(default_factory=list)
    referrals: list[dict[str, Any]] = field(default_factory=list)
    referral_locations: list[dict[str, Any]] = field(default_factory=list)
    referral_events: list[dict[str, Any]] = field(default_factory=list)
    referral_messages: list[dict[str, Any]] = field(default_factory=list)
    referral_reads: list[dict[str, Any]] = field(default_factory=list)

    def extend(self, other: FakeRows) -> None:
        for name in self.tables():
            getattr(self, name).extend(getattr(other, name))

    @staticmethod
    def tables() -> tuple[str, ...]:
        return ("children", "referrals", "referral_locations", "referral_events", "referral_messages", "referral_reads")


@dataclass
class _Step:
    to: Status
    at: datetime
    by: FakePerson
    reason_code: str | None = None
    reason: str | None = None
    planned_at: datetime | None = None


class ReferralFaker:
    """Makes referrals one by one from a seeded random generator; see ``fake_referrals``."""

    def __init__(
        self,
        *,
        locations: Sequence[FakeLocation],
        referrers: Sequence[FakePerson],
        coordinators: Sequence[FakePerson],
        now: datetime,
        seed: int = 2026,
        days: int = 300,
        days_by_status: Mapping[Status, int] | None = None,
    ) -> None:
        if not locations or not referrers or not coordinators:
            raise ValueError("Nodig: minstens één locatie, één verwijzer en één coördinator.")
        self.random = random.Random(seed)
        self.locations = list(locations)
        self.referrers = list(referrers)
        self.coordinators = list(coordinators)
        self.now = now.astimezone(UTC)
        self.days = days
        self.days_by_status = dict(days_by_status or {})
        self.served = {n.lower() for loc in locations for n in loc.neighbourhoods}

    # --- small pieces ---------------------------------------------------------------------------

    def uuid(self) -> UUID:
        return UUID(int=self.random.getrandbits(128), version=4)

    def pick(self, weights: Mapping[Any, float]) -> Any:
        keys = list(weights)
        return self.random.choices(keys, weights=[weights[k] for k in keys])[0]

    def postcode(self, neighbourhood: str) -> str:
        digits = self.random.choice(POSTCODES.get(neighbourhood, (1315,)))
        letters = "ABCDEGHJKLMNPRTVWXZ"
        return f"{digits} {self.random.choice(letters)}{self.random.choice(letters)}"

    def phone(self) -> str:
        return f"+316{self.random.choice('12345')}{self.random.randrange(10**6, 10**7)}"

    def working_time(self, moment: datetime, *, not_before: datetime) -> datetime:
        """The same day during office hours in Amsterdam (a weekend moves to Monday), after ``not_before``."""
        local = moment.astimezone(AMSTERDAM)
        day = local.date()
        while day.weekday() >= 5:
            day += timedelta(days=1)
        minutes = self.random.randrange(8 * 60 + 30, 17 * 60)
        result = datetime.combine(day, time(minutes // 60, minutes % 60), AMSTERDAM).astimezone(UTC)
        if result <= not_before:
            result = not_before + timedelta(minutes=self.random.randrange(7, 90))
        return result

    def after(self, moment: datetime, low_days: float, high_days: float) -> datetime:
        delay = timedelta(days=self.random.uniform(low_days, high_days))
        return self.working_time(moment + delay, not_before=moment)

    # --- one referral ---------------------------------------------------------------------------

    def path_to(self, final: Status, by_coordinator: bool) -> list[Status]:
        """A route through the status machine that ends in ``final``."""
        main = [Status.SUBMITTED, Status.IN_REVIEW, Status.INTAKE_PLANNED, Status.INTAKE_DONE, Status.WAITLISTED]
        r = self.random.random
        if final in main:
            path = main[: main.index(final) + 1]
            if final is Status.INTAKE_PLANNED and r() < 0.15:
                path.append(Status.INTAKE_PLANNED)  # planned again, another day
            return path
        if final is Status.OFFERED:
            path = [*main, Status.OFFERED]
            if r() < 0.2:
                path[-1:] = [Status.OFFERED, Status.WAITLISTED, Status.OFFERED]  # declined once
            return path
        if final is Status.PLACED:
            return [*main, Status.OFFERED, Status.PLACED] if r() < 0.6 else [*main, Status.PLACED]
        if final is Status.CLOSED:
            if r() < 0.75:
                return [*self.path_to(Status.PLACED, by_coordinator), Status.CLOSED]
            return [*main, Status.CLOSED]
        if final is Status.REJECTED:
            return [*main[: self.random.choice((1, 2, 2, 3, 4))], Status.REJECTED]
        # Withdrawn by the referrer, from any status before placed.
        return [*main[: self.random.choice((1, 2, 3, 4, 5))], Status.WITHDRAWN]

    def delays(self, step: Status) -> tuple[float, float]:
        return {
            Status.IN_REVIEW: (0.1, 4),
            Status.INTAKE_PLANNED: (1, 8),
            Status.INTAKE_DONE: (5, 18),
            Status.WAITLISTED: (0, 1),
            Status.OFFERED: (14, 100),
            Status.PLACED: (3, 12),
            Status.CLOSED: (40, 200),
            Status.REJECTED: (1, 10),
            Status.WITHDRAWN: (2, 40),
        }.get(step, (1, 5))

    def steps(
        self, path: list[Status], submitter: FakePerson, coordinator: FakePerson, start: datetime, duplicate_of: bool
    ) -> list[_Step]:
        steps = [_Step(Status.SUBMITTED, start, submitter)]
        for to in path[1:]:
            at = self.after(steps[-1].at, *self.delays(to))
            step = _Step(to, at, submitter if to is Status.WITHDRAWN else coordinator)
            if to is Status.INTAKE_PLANNED:
                step.planned_at = self.after(at, 3, 15)
            if to is Status.REJECTED:
                code = "duplicate" if duplicate_of else self.pick(REJECT_WEIGHTS)
                step.reason_code, step.reason = code, self.random.choice(REJECT_TEXTS[code])
            if to is Status.CLOSED:
                weights = CLOSE_AFTER_PLACEMENT if steps[-1].to is Status.PLACED else CLOSE_FROM_WAITLIST
                code = self.pick(weights)
                step.reason_code, step.reason = code, self.random.choice(CLOSE_TEXTS[code])
            if to is Status.INTAKE_DONE and steps[-1].planned_at is not None:
                step.at = steps[-1].planned_at + timedelta(minutes=self.random.randrange(45, 120))
            steps.append(step)
        # Move the whole history back when it would end in the future (it keeps its rhythm and times of day);
        # an offer still open was made in the last days (a family answers within a week or two).
        overshoot = steps[-1].at - (self.now - timedelta(hours=1))
        if path[-1] is Status.OFFERED:
            overshoot = steps[-1].at - (self.now - timedelta(days=self.random.uniform(1, 8)))
        if overshoot > timedelta(0) or path[-1] is Status.OFFERED:
            shift = timedelta(days=overshoot.days + 1)
            for step in steps:
                step.at -= shift
                step.planned_at = step.planned_at - shift if step.planned_at else None
        for before, step in itertools.pairwise(steps):
            allowed = step.to in MOVES[before.to] or (step.to is Status.WITHDRAWN and before.to in WITHDRAWABLE)
            assert allowed, (before.to, step.to)
            assert step.at > before.at
        return steps

    def start_for(self, final: Status, path: list[Status]) -> datetime:
        """When the referral came in: recent for the first statuses, longer ago for the later ones."""
        recent = {Status.SUBMITTED: 12, Status.IN_REVIEW: 20, Status.INTAKE_PLANNED: 30, Status.INTAKE_DONE: 40}
        if final in recent:
            return self.working_time(
                self.now - timedelta(days=self.random.uniform(0, recent[final])),
                not_before=self.now - timedelta(days=self.days + 400),
            )
        horizon = self.days_by_status.get(final, self.days)
        if final is Status.WAITLISTED:
            # Some wait a few weeks, many longer: a waitlist fills over time and empties only slowly.
            days = 25 + (horizon - 25) * self.random.random() ** 1.4
        else:
            days = self.random.uniform(min(30 + 12 * len(path), horizon - 1), horizon)
        return self.working_time(self.now - timedelta(days=days), not_before=self.now - timedelta(days=horizon + 400))

    def make(
        self,
        rows: FakeRows,
        final: Status,
        *,
        submitter: FakePerson | None = None,
        same_child_as: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        r = self.random
        submitter = submitter or r.choices(self.referrers, weights=[p.weight for p in self.referrers])[0]
        by_coordinator = submitter.role == "coordinator"
        if by_coordinator and final is Status.WITHDRAWN:
            final = Status.REJECTED  # only a referrer withdraws; parents who stop say so to the coordinator
        path = self.path_to(final, by_coordinator)
        start = self.start_for(final, path)

        # Where: a coordinator refers for their own location; a referrer mostly names one or two.
        if by_coordinator:
            preferred = [self.location_by_id(r.choice(submitter.location_ids))]
        else:
            first = r.choices(self.locations, weights=[loc.weight for loc in self.locations])[0]
            preferred = [first]
            if r.random() < 0.2 and len(self.locations) > 1:
                preferred.append(r.choice([loc for loc in self.locations if loc is not first]))
        no_preference = not by_coordinator and r.random() < 0.15
        if same_child_as is not None:
            child = dict(same_child_as, id=self.uuid(), created_at=start, updated_at=start)
            child["postcode"] = self.postcode(child["neighbourhood"] or "Stedenwijk")
        else:
            if r.random() < 0.08:
                neighbourhood = r.choice(OUTSIDE_NEIGHBOURHOODS)
            else:
                neighbourhood = r.choice(preferred[0].neighbourhoods)
            given = r.choice(GIRLS if r.random() < 0.45 else BOYS)
            family = r.choice(FAMILY_NAMES)
            # Some who leave have grown out of the huiskamer; nobody is placed past 12.
            low, high = (10, 11) if final is Status.CLOSED and r.random() < 0.2 else (4, 11)
            age_days = r.randrange(low * 365 + 30, high * 365 + 330)
            child = {
                "id": self.uuid(),
                "given_name": given,
                "family_name": family,
                "date_of_birth": start.date() - timedelta(days=age_days),
                "postcode": self.postcode(neighbourhood),
                "neighbourhood": neighbourhood,
                "school": r.choice(SCHOOLS) if r.random() < 0.9 else None,
                "match_key": match_key(given, family),
                "distinct_confirmed": False,
                "created_at": start,
                "updated_at": start,
            }
        if no_preference:
            serving = [
                loc
                for loc in self.locations
                if (child["neighbourhood"] or "").lower() in {n.lower() for n in loc.neighbourhoods}
            ]
            preferred = serving or list(self.locations)
        coordinator = self.coordinator_for(preferred)
        steps = self.steps(path, submitter, coordinator, start, duplicate_of=same_child_as is not None)
        if steps[0].at != start:  # the history was moved back so as not to end in the future
            start = steps[0].at
            child["created_at"] = child["updated_at"] = start
            if same_child_as is None:  # the age on the day of the referral stays as drawn
                child["date_of_birth"] = start.date() - timedelta(days=age_days)
        if steps[-1].to is Status.INTAKE_PLANNED:  # an intake that is still to come
            steps[-1].planned_at = self.working_time(self.now + timedelta(days=r.uniform(1, 15)), not_before=self.now)

        referral_id = self.uuid()
        source = "guardian" if by_coordinator else submitter.source
        guardian_family = child["family_name"] if r.random() < 0.8 else r.choice(FAMILY_NAMES)
        initial = r.choice(GUARDIAN_GIVEN)
        email = None
        if r.random() < 0.7:
            plain = unicodedata.normalize("NFKD", guardian_family.lower())
            local = "".join(ch for ch in plain if ch.isascii() and ch.isalpha())
            email = f"{initial[0].lower()}.{local}{r.randrange(1, 99)}@{r.choice(MAIL_DOMAINS)}"
        guardian_name = f"{initial} {guardian_family}"
        reason = r.choice(REASONS.get(source, REASONS["other"])).format(name=child["given_name"])

        # Messages between the steps, both ways.
        messages: list[dict[str, Any]] = []
        if len(steps) > 1 and r.random() < 0.75:
            first_at = self.after(steps[1].at, 0, 2)
            if first_at < self.now:
                messages.append(
                    self.message(
                        referral_id, coordinator, first_at, child["given_name"], COORDINATOR_MESSAGES[r.randrange(0, 2)]
                    )
                )
                if not by_coordinator and r.random() < 0.6:
                    reply_at = self.after(first_at, 0, 1.5)
                    if reply_at < self.now:
                        messages.append(
                            self.message(
                                referral_id, submitter, reply_at, child["given_name"], r.choice(REFERRER_MESSAGES)
                            )
                        )
        for step in steps:
            text = {
                Status.INTAKE_PLANNED: COORDINATOR_MESSAGES[2],
                Status.WAITLISTED: COORDINATOR_MESSAGES[3],
                Status.OFFERED: COORDINATOR_MESSAGES[4],
                Status.PLACED: COORDINATOR_MESSAGES[5],
            }.get(step.to)
            at = step.at + timedelta(minutes=r.randrange(3, 40))
            if text and r.random() < 0.5 and at < self.now:
                messages.append(self.message(referral_id, coordinator, at, child["given_name"], text))
        messages.sort(key=lambda m: m["at"])

        visible = max([steps[-1].at, *(m["at"] for m in messages if not m["from_referrer"])])
        last_planned = next((s.planned_at for s in reversed(steps) if s.to is Status.INTAKE_PLANNED), None)
        waitlisted = next((s.at for s in steps if s.to is Status.WAITLISTED), None)
        reached_waitlist = waitlisted is not None and steps[-1].to is not Status.REJECTED
        referral = {
            "id": referral_id,
            "child_id": child["id"],
            "submitted_by_id": submitter.id,
            "organisation_id": submitter.organisation_id,
            "source": source,
            "reason": reason,
            "guardian_informed": True,
            "guardian_name": guardian_name,
            "guardian_phone": self.phone(),
            "guardian_email": email,
            "requested_weekdays": list(r.choice(WEEKDAY_SETS)),
            "no_location_preference": no_preference,
            "status": steps[-1].to.value,
            "submitted_at": start,
            "status_changed_at": steps[-1].at,
            "intake_planned_at": last_planned,
            "waiting_since": waitlisted.astimezone(AMSTERDAM).date() if reached_waitlist else None,
            "referrer_visible_change_at": visible,
            "created_at": start,
            "updated_at": steps[-1].at,
        }
        rows.children.append(child)  # a second referral of the same child is a child record of its own
        rows.referrals.append(referral)
        rows.referral_locations.extend(
            {"id": self.uuid(), "referral_id": referral_id, "location_id": loc.id, "rank": n}
            for n, loc in enumerate(preferred, 1)
        )
        previous: Status | None = None
        for step in steps:
            rows.referral_events.append(
                {
                    "id": self.uuid(),
                    "referral_id": referral_id,
                    "at": step.at,
                    "actor_id": step.by.id,
                    "actor_label": step.by.label,
                    "from_status": previous.value if previous else None,
                    "to_status": step.to.value,
                    "reason_code": step.reason_code,
                    "reason": step.reason,
                    "planned_at": step.planned_at,
                }
            )
            previous = step.to
        rows.referral_messages.extend(messages)
        # The submitter has read everything, except (now and then) the latest change.
        seen = visible if r.random() < 0.75 or len(steps) == 1 else steps[-1].at - timedelta(minutes=1)
        rows.referral_reads.append(
            {"id": self.uuid(), "referral_id": referral_id, "user_id": submitter.id, "seen_at": max(seen, start)}
        )
        if coordinator.id != submitter.id:
            # The coordinator opened the dossier at each step and read the referrer's messages, except those of
            # the last two days (new on their start page). No random draw: the rest of the demo stays the same.
            recent = self.now - timedelta(days=2)
            read = [steps[-1].at, *(m["at"] for m in messages if not m["from_referrer"] or m["at"] < recent)]
            rows.referral_reads.append(
                {
                    "id": uuid5(referral_id, "read-by-coordinator"),
                    "referral_id": referral_id,
                    "user_id": coordinator.id,
                    "seen_at": max(read),
                }
            )
        return child

    def message(self, referral_id: UUID, author: FakePerson, at: datetime, name: str, text: str) -> dict[str, Any]:
        return {
            "id": self.uuid(),
            "referral_id": referral_id,
            "at": at,
            "author_id": author.id,
            "author_name": author.name,
            "from_referrer": author.role == "referrer",
            "text": text.format(name=name),
        }

    def location_by_id(self, location_id: UUID) -> FakeLocation:
        return next(loc for loc in self.locations if loc.id == location_id)

    def coordinator_for(self, locations: Sequence[FakeLocation]) -> FakePerson:
        ids = {loc.id for loc in locations}
        mine = [c for c in self.coordinators if ids & set(c.location_ids)]
        return self.random.choice(mine or self.coordinators)


def fake_referrals(
    count: int,
    *,
    locations: Sequence[FakeLocation],
    referrers: Sequence[FakePerson],
    coordinators: Sequence[FakePerson],
    now: datetime | None = None,
    seed: int = 2026,
    days: int = 300,
    days_by_status: Mapping[Status, int] | None = None,
    every_status: bool = False,
    duplicates: int = 0,
    status_weights: Mapping[Status, float] | None = None,
) -> FakeRows:
    """``count`` referrals (plus ``duplicates`` second referrals of an already referred child by another
    referrer), with histories over the last ``days`` days (or ``days_by_status[final status]``). With
    ``every_status`` the first ones cover every status once; the rest follow ``status_weights``."""
    faker = ReferralFaker(
        locations=locations,
        referrers=referrers,
        coordinators=coordinators,
        now=now or datetime.now(UTC),
        seed=seed,
        days=days,
        days_by_status=days_by_status,
    )
    weights = dict(status_weights or STATUS_WEIGHTS)
    rows = FakeRows()
    made: list[tuple[dict[str, Any], UUID]] = []
    for n in range(count):
        final = list(Status)[n] if every_status and n < len(Status) else faker.pick(weights)
        child = faker.make(rows, final)
        made.append((child, rows.referrals[-1]["submitted_by_id"]))
    others = [p for p in referrers if p.role == "referrer"]
    # Referred again only while still of an age for the huiskamer (under 13 today).
    young = [(child, by) for child, by in made if (faker.now.date() - child["date_of_birth"]).days < 12 * 365 + 300]
    for child, first_by in faker.random.sample(young, min(duplicates, len(young))):
        by = [p for p in others if p.id != first_by] or others
        final = faker.random.choice((Status.SUBMITTED, Status.IN_REVIEW))
        faker.make(rows, final, submitter=faker.random.choice(by), same_child_as=child)
    return rows
