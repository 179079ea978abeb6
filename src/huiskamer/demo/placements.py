"""What lies behind the fake referrals of ``demo.referrals`` once they passed the intake: the intake with goals
in the child's own words, urgency, days and acceptable locations; brothers and sisters; offers and placements
with their seat claims, as ``placements.service`` makes them; ended placements with their reasons.

The seats are handed out by replaying every referral's history in time order with the service's own rule: an
offer or a placement takes a weekday only when, counting every live claim from its start date on, a seat is
left (``placements.rules.peak_load``); an answer to an offer frees its claims; an ending closes the claims on the
end date. A child for whom no acceptable location has room at that moment stays on the waitlist: its history is
cut back to the waitlist (the referral rows are changed in place). So capacity is never exceeded on any date.

Deterministic with a seed; the result is plain rows (dicts of column values, ids included).
"""

from __future__ import annotations

import copy
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from huiskamer.demo.referrals import AMSTERDAM, BOYS, COORDINATOR_MESSAGES, FakePerson, FakeRows
from huiskamer.placements.rules import peak_load
from huiskamer.referrals.rules import Status
from huiskamer.referrals.service import match_key
from huiskamer.waitlist import age_on

# Goals in the child's own words, per catalogue goal (see the migration that seeds the catalogue).
OWN_WORDS: dict[str, tuple[str, ...]] = {
    "anger": (
        "Niet meteen boos worden als ik verlies",
        "Rustig blijven als iemand me plaagt",
        "Weglopen en het zeggen als ik boos ben, in plaats van slaan",
    ),
    "friends": (
        "Een vriendje hebben om mee te spelen",
        "Durven vragen of ik mee mag doen",
        "Met andere kinderen spelen in plaats van alleen",
    ),
    "cooperate": ("Samen iets bouwen zonder ruzie", "Op mijn beurt wachten bij een spelletje", "Leren delen"),
    "assertive": ("Durven zeggen dat ik iets niet leuk vind", "Nee zeggen als anderen iets stoms willen doen"),
    "confidence": ("Durven praten in de groep", "Trots zijn op wat ik kan", "Iets nieuws durven proberen"),
    "rules": ("Luisteren als de leiding iets vraagt", "Me aan de afspraken houden bij het buitenspelen"),
    "feelings": ("Vertellen als ik verdrietig ben", "Weten wat ik voel als ik boos word"),
    "healthy_living": ("Meer buiten spelen en minder op mijn telefoon", "Minder snoep eten"),
    "money": ("Leren sparen voor een fiets", "Weten hoeveel dingen kosten"),
}
SOCIAL_SKILLS = ("anger", "friends", "cooperate", "assertive", "confidence", "rules", "feelings")
THEMES = ("healthy_living", "money")

URGENCY_REASONS: dict[str, tuple[str, ...]] = {
    "elevated": (
        "Moeder staat er sinds kort alleen voor en werkt tot half zes; na school is er niemand thuis.",
        "School ziet dat het in de groep snel minder gaat; een vaste plek na school helpt nu.",
        "Het gezin woont met zes personen in een tweekamerflat; er is thuis geen plek om te spelen.",
        "Na schooltijd is het kind veel alleen op straat.",
    ),
    "high": (
        "Er is veel spanning thuis; het wijkteam vraagt om zo snel mogelijk een vaste plek na school.",
        "Het gezin woont tijdelijk in de noodopvang; een rustige plek na school is dringend nodig.",
        "Vader is plotseling overleden; moeder vraagt om steun en rust voor de kinderen na school.",
    ),
}
ALLERGIES = (
    "Pinda's en noten; de epipen zit in de tas.",
    "Koemelkallergie.",
    "Allergisch voor kiwi.",
    "Eet geen gluten.",
    "Allergisch voor wespensteken: bij een steek direct moeder bellen.",
)
SAFETY_NOTES = (
    "Alleen moeder of oma mag ophalen; vader niet (afspraak met het wijkteam).",
    "Wordt onrustig bij harde geluiden; mag dan even in de rustige hoek.",
    "Puffer in de tas voor bij het buitenspelen.",
    "Mag niet zonder begeleiding naar buiten bij de vijver.",
    "Gaat om half zes zelf naar huis; moeder belt als het anders is.",
)
DECLINE_REASONS = (
    "De dagen passen niet bij het rooster van moeder.",
    "Ouders wachten liever op een plek dichter bij huis.",
    "Te ver lopen met de kleine broertjes erbij.",
)
COLLECTORS = ("Oma", "Opa", "Tante {given}", "Buurvrouw mevrouw {family}", "Oom {boy}", "Grote broer {boy} (16)")
AUNTS = ("Samira", "Fatima", "Anja", "Ingrid", "Sevda", "Priya", "Mariska")
AGED_OUT = {
    Status.WAITLISTED.value: "Te oud geworden voor de huiskamer terwijl het wachtte; gewezen op het jongerenwerk.",
    Status.PLACED.value: "Wordt dertien; afscheid gevierd in de groep en warm overgedragen aan het jongerenwerk.",
}
GUARDIAN_ROLE_WEIGHTS = {"moeder": 7, "vader": 3, "oma": 1, "pleegmoeder": 0.4}


@dataclass(frozen=True)
class FakeSeats:
    """A location's seats per weekday and its age range, for handing out seats. ``fill_to``: the share of its seats
    that the coordinator keeps filled from the waitlist, giving a seat that came free to a waiting child within a
    few weeks (see ``fill_freed_seats``); 0: only the referrals' own histories place children."""

    location_id: UUID
    capacity: Mapping[str, int]
    min_age: int = 4
    max_age: int = 12
    fill_to: float = 0.0


@dataclass
class PlacementRows:
    """Rows per table, in insert order."""

    intakes: list[dict[str, Any]] = field(default_factory=list)
    goals: list[dict[str, Any]] = field(default_factory=list)
    sibling_links: list[dict[str, Any]] = field(default_factory=list)
    offers: list[dict[str, Any]] = field(default_factory=list)
    placements: list[dict[str, Any]] = field(default_factory=list)
    seat_claims: list[dict[str, Any]] = field(default_factory=list)

    @staticmethod
    def tables() -> tuple[str, ...]:
        return ("intakes", "goals", "sibling_links", "offers", "placements", "seat_claims")


def local_date(moment: datetime) -> date:
    return moment.astimezone(AMSTERDAM).date()


def workday(day: date) -> date:
    """The day itself, or the Monday after it when it falls in a weekend."""
    return day + timedelta(days=7 - day.weekday() if day.weekday() >= 5 else 0)


@dataclass
class _Claim:
    weekday: str
    start: date
    end: date | None = None
    expires_on: date | None = None
    released: bool = False
    row: dict[str, Any] = field(default_factory=dict)

    def holds(self, from_date: date, today: date) -> bool:
        """Counted by the service's capacity check on ``today`` for a seat from ``from_date`` on."""
        return (
            not self.released
            and (self.expires_on is None or self.expires_on >= today)
            and (self.end is None or self.end >= from_date)
        )


class PlacementFaker:
    """Intakes, siblings and seats behind one set of fake referrals; see ``fake_placements``."""

    def __init__(
        self,
        rows: FakeRows,
        *,
        seats: Sequence[FakeSeats],
        coordinators: Sequence[FakePerson],
        catalogue: Mapping[str, tuple[str, str | None]],
        now: datetime,
        seed: int,
    ) -> None:
        self.rows = rows
        self.seats = {s.location_id: s for s in seats}
        self.coordinators = list(coordinators)
        self.names = {code: name for code, (name, _dimension) in catalogue.items()}
        self.dimensions = {code: dimension for code, (_name, dimension) in catalogue.items()}
        self.now = now.astimezone(UTC)
        self.today = local_date(self.now)
        self.random = random.Random(seed)
        self.out = PlacementRows()
        self.children = {c["id"]: c for c in rows.children}
        self.events: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
        for event in rows.referral_events:
            self.events[event["referral_id"]].append(event)
        for history in self.events.values():
            history.sort(key=lambda e: e["at"])
        self.acceptable: dict[UUID, list[UUID]] = defaultdict(list)
        for link in sorted(rows.referral_locations, key=lambda link: link["rank"]):
            self.acceptable[link["referral_id"]].append(link["location_id"])
        self.intakes: dict[UUID, dict[str, Any]] = {}
        self.intakes_at: dict[UUID, datetime] = {}
        self.claims: dict[tuple[UUID, str], list[_Claim]] = defaultdict(list)
        self.cut: set[UUID] = set()

    def uuid(self) -> UUID:
        return UUID(int=self.random.getrandbits(128), version=4)

    # --- the intake --------------------------------------------------------------------------------

    def goals_for(self, referral: dict[str, Any], intake_id: UUID, held_on: date) -> list[dict[str, Any]]:
        r = self.random
        skills = [code for code in SOCIAL_SKILLS if code in self.names]
        themes = [code for code in THEMES if code in self.names]
        count = r.choices((1, 2, 3), weights=(3, 5, 2))[0]
        codes = r.sample(skills, min(count, len(skills)))
        if themes and r.random() < 0.2:
            codes.append(r.choice(themes))
        goals = []
        for position, code in enumerate(codes):
            kind = r.random()
            if kind < 0.4:  # the catalogue's words
                description, goal_code = self.names[code], code
            elif kind < 0.85:  # the catalogue goal, in the child's own words
                description, goal_code = r.choice(OWN_WORDS[code]), code
            else:  # only the child's own words
                description, goal_code = r.choice(OWN_WORDS[code]), None
            goals.append(
                {
                    "id": self.uuid(),
                    "intake_id": intake_id,
                    "referral_id": referral["id"],
                    "code": goal_code,
                    "description": description,
                    "dimension": self.dimensions[code] if goal_code else None,
                    "status": "active",
                    "closed_on": None,
                    "set_on": held_on,
                    "position": position,
                    "created_at": self.intakes_at[referral["id"]],
                    "updated_at": self.intakes_at[referral["id"]],
                }
            )
        return goals

    def collection_persons(self, referral: dict[str, Any], child: dict[str, Any]) -> list[str]:
        r = self.random
        role = r.choices(list(GUARDIAN_ROLE_WEIGHTS), weights=list(GUARDIAN_ROLE_WEIGHTS.values()))[0]
        persons = [f"{referral['guardian_name']} ({role})"]
        for template in r.sample(COLLECTORS, r.choice((0, 1, 1, 2))):
            persons.append(template.format(given=r.choice(AUNTS), family=child["family_name"], boy=r.choice(BOYS[:20])))
        return persons

    def make_intake(self, referral: dict[str, Any]) -> None:
        """The intake that put the child on the waitlist, held on the day of the 'intake held' step."""
        r = self.random
        history = self.events[referral["id"]]
        done = next(e for e in history if e["to_status"] == Status.INTAKE_DONE.value)
        held_on = local_date(done["at"])
        weekdays = list(referral["requested_weekdays"])
        minimum = len(weekdays) if len(weekdays) <= 2 else len(weekdays) - r.choice((0, 0, 1, 1, 2))
        urgency = r.choices(("normal", "elevated", "high"), weights=(75, 18, 7))[0]
        intake_id = self.uuid()
        self.intakes_at[referral["id"]] = done["at"]
        intake = {
            "id": intake_id,
            "referral_id": referral["id"],
            "held_on": held_on,
            "held_by_id": done["actor_id"],
            "urgency": urgency,
            "urgency_reason": r.choice(URGENCY_REASONS[urgency]) if urgency != "normal" else None,
            "requested_weekdays": weekdays,
            "minimum_days": max(minimum, 1),
            "consent_data_processing": True,
            "collection_persons": self.collection_persons(referral, self.children[referral["child_id"]]),
            "allergies": r.choice(ALLERGIES) if r.random() < 0.12 else None,
            "safety_notes": r.choice(SAFETY_NOTES) if r.random() < 0.08 else None,
            "created_at": done["at"],
            "updated_at": done["at"],
        }
        if intake["safety_notes"] == SAFETY_NOTES[0]:  # only mother or grandmother: nobody else on the list
            intake["collection_persons"] = [f"{referral['guardian_name']} (moeder)", "Oma"]
        self.intakes[referral["id"]] = intake
        self.out.intakes.append(intake)
        self.out.goals.extend(self.goals_for(referral, intake_id, held_on))
        # The intake puts the child on the waitlist from the day of the conversation.
        referral["waiting_since"] = held_on

    # --- brothers and sisters ----------------------------------------------------------------------

    def link_siblings(self, pairs: int) -> None:
        """Makes ``pairs`` children with an intake brothers or sisters of another (same family, address and
        guardian) who wants the same location first, linked both ways as the intake does. Half the pairs are
        a placed child with a waiting one, so that the waitlist shows the sibling factor."""
        r = self.random
        seen: dict[tuple[str, date], int] = defaultdict(int)
        for child in self.children.values():
            seen[(child["match_key"], child["date_of_birth"])] += 1

        def unique(ref: dict[str, Any]) -> bool:  # not one of the demo's possible duplicates
            child = self.children[ref["child_id"]]
            return seen[(child["match_key"], child["date_of_birth"])] == 1

        usable = [ref for ref in self.rows.referrals if ref["id"] in self.intakes and unique(ref)]
        r.shuffle(usable)
        taken: set[UUID] = set()
        for n in range(pairs):
            wanted = (Status.PLACED.value, Status.WAITLISTED.value) if n % 2 == 0 else (None, None)
            pair = self.sibling_pair(usable, taken, wanted)
            if pair is None:
                continue
            first, second = pair
            taken |= {first["id"], second["id"]}
            one, other = self.children[first["child_id"]], self.children[second["child_id"]]
            for key in ("family_name", "neighbourhood", "postcode"):
                other[key] = one[key]
            other["match_key"] = match_key(other["given_name"], other["family_name"])
            for key in ("guardian_name", "guardian_phone", "guardian_email"):
                second[key] = first[key]
            # The same people collect them, under the same arrangements.
            for key in ("collection_persons", "safety_notes"):
                self.intakes[second["id"]][key] = copy.copy(self.intakes[first["id"]][key])
            at = max(self.intakes[first["id"]]["created_at"], self.intakes[second["id"]]["created_at"])
            for a, b in ((first, second), (second, first)):
                self.out.sibling_links.append(
                    {"id": self.uuid(), "referral_id": a["id"], "sibling_referral_id": b["id"], "created_at": at}
                )

    def sibling_pair(
        self, usable: list[dict[str, Any]], taken: set[UUID], statuses: tuple[str | None, str | None]
    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        for first in usable:
            if first["id"] in taken or statuses[0] not in (None, first["status"]):
                continue
            for second in usable:
                if (
                    second["id"] not in taken
                    and second["id"] != first["id"]
                    and statuses[1] in (None, second["status"])
                    and self.acceptable[second["id"]][:1] == self.acceptable[first["id"]][:1]
                ):
                    return first, second
        return None

    # --- seats ---------------------------------------------------------------------------------------

    def free_days(
        self, location_id: UUID, weekdays: Sequence[str], start: date, today: date, share: float = 1.0
    ) -> list[str]:
        """The weekdays with a seat left from ``start`` on (within ``share`` of the capacity)."""
        capacity = self.seats[location_id].capacity
        free = []
        for weekday in weekdays:
            spans = [(c.start, c.end) for c in self.claims[(location_id, weekday)] if c.holds(start, today)]
            if peak_load(weekday, spans, start) + 1 <= int(share * capacity.get(weekday, 0)):
                free.append(weekday)
        return free

    def find_seat(self, referral: dict[str, Any], start: date, today: date) -> tuple[UUID, list[str]] | None:
        """The policy's rule for one child: the first acceptable location (in order of preference) where every
        requested weekday still free makes at least the minimum number of days, and the child is of age."""
        intake = self.intakes[referral["id"]]
        born = self.children[referral["child_id"]]["date_of_birth"]
        for location_id in self.acceptable[referral["id"]]:
            seats = self.seats.get(location_id)
            if seats is None or not seats.min_age <= age_on(born, start) <= seats.max_age:
                continue
            days = self.free_days(location_id, intake["requested_weekdays"], start, today)
            if days and len(days) >= intake["minimum_days"]:
                return location_id, days
        return None

    def take(self, location_id: UUID, weekdays: Sequence[str], start: date, **owner: Any) -> list[_Claim]:
        claims = []
        for weekday in weekdays:
            row = {
                "id": self.uuid(),
                "location_id": location_id,
                "weekday": weekday,
                "start_date": start,
                "end_date": None,
                "expires_on": owner.get("expires_on"),
                "released_at": None,
                "placement_id": owner.get("placement_id"),
                "offer_id": owner.get("offer_id"),
            }
            claim = _Claim(weekday, start, expires_on=owner.get("expires_on"), row=row)
            self.claims[(location_id, weekday)].append(claim)
            self.out.seat_claims.append(row)
            claims.append(claim)
        return claims

    def coordinator_of(self, event: dict[str, Any], location_id: UUID) -> UUID:
        """The coordinator who acted: the step's own, when the location is theirs (else one whose it is)."""
        mine = [c for c in self.coordinators if location_id in c.location_ids]
        if any(c.id == event["actor_id"] for c in mine) or not mine:
            return event["actor_id"]
        chosen = mine[0]
        event["actor_id"], event["actor_label"] = chosen.id, chosen.label
        return chosen.id

    @staticmethod
    def next_monday(day: date) -> date:
        return day + timedelta(days=(7 - day.weekday()) % 7)

    def replay(self) -> None:
        """Every offer, answer, placement and ending of every referral, in time order, with the capacity check."""
        steps = []
        for referral in self.rows.referrals:
            history = self.events[referral["id"]]
            for index, event in enumerate(history):
                before = history[index - 1]["to_status"] if index else None
                to = event["to_status"]
                # The offers still open go first: the demo wants a few, and a full house would leave none.
                # (Earlier placements then see their claims: stricter than the past was, never looser.) Not
                # after an offer declined before: a cut back to the waitlist must find nothing made after it.
                first = (
                    to == Status.OFFERED.value
                    and index == len(history) - 1
                    and all(e["to_status"] != Status.OFFERED.value for e in history[:index])
                )
                if (
                    to in (Status.OFFERED.value, Status.PLACED.value)
                    or (to == Status.WAITLISTED.value and before == Status.OFFERED.value)
                    or (to == Status.CLOSED.value and before == Status.PLACED.value)
                ):
                    steps.append((not first, event["at"], referral["id"], index))
        steps.sort(key=lambda step: (step[0], step[1], str(step[2])))
        by_id = {ref["id"]: ref for ref in self.rows.referrals}
        open_offer: dict[UUID, tuple[dict[str, Any], list[_Claim]]] = {}
        placed: dict[UUID, tuple[dict[str, Any], list[_Claim]]] = {}
        for _later, at, referral_id, index in steps:
            if referral_id in self.cut:
                continue
            referral = by_id[referral_id]
            history = self.events[referral_id]
            event = history[index]
            day = local_date(at)
            before = history[index - 1]["to_status"]
            to = event["to_status"]
            final = index == len(history) - 1
            if to == Status.OFFERED.value:
                start = self.next_monday(day + timedelta(days=self.random.randint(4, 14)))
                if final and start <= self.today:  # still open: it starts in the coming weeks
                    start = self.next_monday(self.today + timedelta(days=self.random.randint(1, 14)))
                seat = self.find_seat(referral, start, day)
                if seat is None:
                    self.cut_back(referral, index)
                    continue
                location_id, weekdays = seat
                answer = history[index + 1]["at"] if not final else None
                respond_by = workday(day + timedelta(days=self.random.randint(10, 14)))
                if answer is not None:
                    respond_by = max(respond_by, local_date(answer))
                offer = {
                    "id": self.uuid(),
                    "referral_id": referral_id,
                    "location_id": location_id,
                    "weekdays": weekdays,
                    "start_date": start,
                    "respond_by": respond_by,
                    "status": "open",
                    "made_by_id": self.coordinator_of(event, location_id),
                    "decided_at": None,
                    "decline_reason": None,
                    "created_at": at,
                    "updated_at": at,
                }
                self.out.offers.append(offer)
                claims = self.take(location_id, weekdays, start, offer_id=offer["id"], expires_on=respond_by)
                open_offer[referral_id] = (offer, claims)
            elif to == Status.WAITLISTED.value:  # the family said no
                offer, claims = open_offer.pop(referral_id)
                reason = self.random.choice(DECLINE_REASONS)
                self.release(offer, claims, at, "declined")
                offer["decline_reason"] = reason
                event["reason"] = reason
            elif to == Status.PLACED.value:
                offer = None
                if before == Status.OFFERED.value:  # the family said yes: the held seats become the placement
                    offer, claims = open_offer.pop(referral_id)
                    self.release(offer, claims, at, "accepted")
                    location_id, weekdays = offer["location_id"], offer["weekdays"]
                    start = max(offer["start_date"], day)
                else:
                    start = workday(day + timedelta(days=self.random.randint(3, 14)))
                    seat = self.find_seat(referral, start, day)
                    if seat is None:
                        self.cut_back(referral, index)
                        continue
                    location_id, weekdays = seat
                placement = {
                    "id": self.uuid(),
                    "referral_id": referral_id,
                    "location_id": location_id,
                    "offer_id": offer["id"] if offer else None,
                    "weekdays": list(weekdays),
                    "start_date": start,
                    "end_date": None,
                    "end_reason_code": None,
                    "placed_by_id": self.coordinator_of(event, location_id),
                    "created_at": at,
                    "updated_at": at,
                }
                self.out.placements.append(placement)
                placed[referral_id] = (placement, self.take(location_id, weekdays, start, placement_id=placement["id"]))
            else:  # closed after the placement: it ends on the day of closing, the seats are free the day after
                placement, claims = placed[referral_id]
                end = max(day, placement["start_date"])
                placement["end_date"] = end
                placement["end_reason_code"] = event["reason_code"]
                placement["updated_at"] = at
                self.coordinator_of(event, placement["location_id"])
                for claim in claims:
                    claim.end = end
                    claim.row["end_date"] = end

    def release(self, offer: dict[str, Any], claims: list[_Claim], at: datetime, status: str) -> None:
        offer["status"] = status
        offer["decided_at"] = at
        offer["updated_at"] = at
        for claim in claims:
            claim.released = True
            claim.row["released_at"] = at

    def cut_back(self, referral: dict[str, Any], index: int) -> None:
        """No room anywhere at this step: the child is still waiting; its history ends on the waitlist."""
        history = self.events[referral["id"]]
        keep = max(i for i in range(index) if history[i]["to_status"] == Status.WAITLISTED.value)
        dropped = {id(e) for e in history[keep + 1 :]}
        del history[keep + 1 :]
        self.rows.referral_events[:] = [e for e in self.rows.referral_events if id(e) not in dropped]
        last = history[-1]["at"]
        given = self.children[referral["child_id"]]["given_name"]
        later_news = {COORDINATOR_MESSAGES[4].format(name=given), COORDINATOR_MESSAGES[5].format(name=given)}
        self.rows.referral_messages[:] = [
            m
            for m in self.rows.referral_messages
            if not (m["referral_id"] == referral["id"] and m["at"] > last and m["text"] in later_news)
        ]
        shown = [m["at"] for m in self.rows.referral_messages if m["referral_id"] == referral["id"]]
        referral["status"] = Status.WAITLISTED.value
        referral["status_changed_at"] = last
        referral["updated_at"] = last
        referral["referrer_visible_change_at"] = max([last, *(t for t in shown if t > last)])
        self.cut.add(referral["id"])

    def close_aged_out(self) -> None:
        """A child who turned 13 while waiting or placed has grown out of the huiskamer: closed (aged out) the
        day before that birthday, the placement ended that day."""
        placements = {p["referral_id"]: p for p in self.out.placements if p["end_date"] is None}
        claims = defaultdict(list)
        for row in self.out.seat_claims:
            if row["placement_id"] is not None:
                claims[row["placement_id"]].append(row)
        for referral in self.rows.referrals:
            if referral["status"] not in (Status.WAITLISTED.value, Status.PLACED.value):
                continue
            placement = placements.get(referral["id"])
            where = [placement["location_id"]] if placement else self.acceptable[referral["id"]]
            oldest = max((self.seats[i].max_age for i in where if i in self.seats), default=12)
            born = self.children[referral["child_id"]]["date_of_birth"]
            if age_on(born, self.today) <= oldest:
                continue
            birthday = born.replace(year=born.year + oldest + 1) if (born.month, born.day) != (2, 29) else None
            last_day = (birthday or date(born.year + oldest + 1, 3, 1)) - timedelta(days=1)
            history = self.events[referral["id"]]
            at = max(
                datetime.combine(last_day, datetime.min.time(), AMSTERDAM).astimezone(UTC) + timedelta(hours=16),
                history[-1]["at"] + timedelta(hours=1),
            )
            at = min(at, self.now - timedelta(minutes=5))
            by = next((c for c in self.coordinators if where[0] in c.location_ids), None)
            event = {
                "id": self.uuid(),
                "referral_id": referral["id"],
                "at": at,
                "actor_id": by.id if by else history[-1]["actor_id"],
                "actor_label": by.label if by else history[-1]["actor_label"],
                "from_status": referral["status"],
                "to_status": Status.CLOSED.value,
                "reason_code": "aged_out",
                "reason": AGED_OUT[referral["status"]],
                "planned_at": None,
            }
            history.append(event)
            self.rows.referral_events.append(event)
            referral["status"] = Status.CLOSED.value
            referral["status_changed_at"] = referral["updated_at"] = at
            referral["referrer_visible_change_at"] = max(referral["referrer_visible_change_at"], at)
            if placement is not None:
                end = max(local_date(at), placement["start_date"])
                placement.update(end_date=end, end_reason_code="aged_out", updated_at=at)
                for row in claims[placement["id"]]:
                    row["end_date"] = end

    def fill_freed_seats(self) -> None:
        """At a location kept (nearly) full, the seats that were free three to six weeks ago are given to waiting
        children then, longest waiting first, each with every requested weekday still free if that makes its minimum
        (placed directly, starting a few days later), as a coordinator would from the waitlist. Seats that came
        free since are still free: the proposals have something to propose."""
        r = self.random
        waiting = sorted(
            (ref for ref in self.rows.referrals if ref["status"] == Status.WAITLISTED.value),
            key=lambda ref: (ref["waiting_since"], str(ref["id"])),
        )
        for seats in self.seats.values():
            if not seats.fill_to:
                continue
            by = next((c for c in self.coordinators if seats.location_id in c.location_ids), None)
            for referral in waiting:
                if (
                    referral["status"] != Status.WAITLISTED.value
                    or seats.location_id not in self.acceptable[referral["id"]]
                ):
                    continue
                history = self.events[referral["id"]]
                moment = self.now - timedelta(days=r.uniform(22, 42))
                moment = datetime.combine(local_date(moment), time(r.randint(9, 16), r.randint(0, 59)), AMSTERDAM)
                moment = max(moment.astimezone(UTC), history[-1]["at"] + timedelta(hours=2))
                if moment > self.now - timedelta(hours=1):
                    continue  # just put on the waitlist: not yet
                start = workday(local_date(moment) + timedelta(days=r.randint(1, 5)))
                born = self.children[referral["child_id"]]["date_of_birth"]
                if not seats.min_age <= age_on(born, start) <= seats.max_age:
                    continue
                intake = self.intakes[referral["id"]]
                days = self.free_days(
                    seats.location_id, intake["requested_weekdays"], start, local_date(moment), seats.fill_to
                )
                if not days or len(days) < intake["minimum_days"]:
                    continue
                event = {
                    "id": self.uuid(),
                    "referral_id": referral["id"],
                    "at": moment,
                    "actor_id": by.id if by else history[-1]["actor_id"],
                    "actor_label": by.label if by else history[-1]["actor_label"],
                    "from_status": Status.WAITLISTED.value,
                    "to_status": Status.PLACED.value,
                    "reason_code": None,
                    "reason": None,
                    "planned_at": None,
                }
                history.append(event)
                self.rows.referral_events.append(event)
                referral["status"] = Status.PLACED.value
                referral["status_changed_at"] = referral["updated_at"] = moment
                referral["referrer_visible_change_at"] = max(referral["referrer_visible_change_at"], moment)
                placement = {
                    "id": self.uuid(),
                    "referral_id": referral["id"],
                    "location_id": seats.location_id,
                    "offer_id": None,
                    "weekdays": days,
                    "start_date": start,
                    "end_date": None,
                    "end_reason_code": None,
                    "placed_by_id": event["actor_id"],
                    "created_at": moment,
                    "updated_at": moment,
                }
                self.out.placements.append(placement)
                self.take(seats.location_id, days, start, placement_id=placement["id"])

    def run(self, sibling_pairs: int) -> PlacementRows:
        for referral in self.rows.referrals:
            statuses = {e["to_status"] for e in self.events[referral["id"]]}
            if Status.WAITLISTED.value in statuses:
                self.make_intake(referral)
        self.link_siblings(sibling_pairs)
        self.replay()
        self.close_aged_out()
        self.fill_freed_seats()
        return self.out


def fake_placements(
    rows: FakeRows,
    *,
    seats: Sequence[FakeSeats],
    coordinators: Sequence[FakePerson],
    catalogue: Mapping[str, tuple[str, str | None]],
    now: datetime | None = None,
    seed: int = 2026,
    sibling_pairs: int = 10,
) -> PlacementRows:
    """Intakes, siblings, offers, placements and seat claims behind ``rows`` (changed in place where a child
    found no seat). ``catalogue`` maps goal codes to (name, dimension)."""
    faker = PlacementFaker(
        rows,
        seats=seats,
        coordinators=coordinators,
        catalogue=catalogue,
        now=now or datetime.now(UTC),
        seed=seed,
    )
    return faker.run(sibling_pairs)
