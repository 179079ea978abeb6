"""The story of a period (vertellen): written by a coordinator for one of their locations, or by the beheerder
for the whole organisation; shown in the report of every period that holds it.

It leaves the organisation, so it must stay anonymous: a text that names a child in scope (a given or family
name, written with its capital) or holds a child's date of birth is refused, with the words to take out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth.actor import Actor
from huiskamer.errors import Forbidden, InvalidInput, NotFound
from huiskamer.referrals.models import Child, Referral, ReferralLocation
from huiskamer.reports.models import ReportStory
from huiskamer.reports.rules import MONTH_NAMES_NL, Period
from huiskamer.reports.service import ReportScope, require_reporting_role

WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-])*", re.UNICODE)
NUMERIC_DATE = re.compile(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\b|\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
WRITTEN_DATE = re.compile(r"\b(\d{1,2})\s+(" + "|".join(MONTH_NAMES_NL) + r")\s+(\d{4})\b", re.IGNORECASE)


@dataclass(frozen=True)
class StoryView:
    location_name: str  # "" for the organisation as a whole
    period: Period
    text: str
    updated_at: datetime


# Family names may begin with a small word: "de Vries", "van der Berg", "el Amrani".
PREFIXES = frozenset({"de", "van", "der", "den", "het", "ter", "ten", "te", "el", "al", "la", "le", "du", "da", "di"})


def _capitalised_phrases(text: str) -> set[str]:
    """Every run of one to four words that starts with a capital or with a prefix of a family name followed by
    a capital (a name such as "Noor", "El Amrani" or "van der Berg")."""
    words = [match.group(0) for match in WORD.finditer(unicodedata.normalize("NFC", text))]
    found: set[str] = set()
    for start in range(len(words)):
        for length in (1, 2, 3, 4):
            phrase = words[start : start + length]
            if len(phrase) < length:
                break
            named = phrase[0][:1].isupper() or (
                phrase[0].lower() in PREFIXES and any(word[:1].isupper() for word in phrase[1:])
            )
            if named:
                found.add(" ".join(phrase))
    return found


def _dates_in(text: str) -> set[date]:
    found: set[date] = set()
    for match in NUMERIC_DATE.finditer(text):
        day, month, year = (
            (match.group(1), match.group(2), match.group(3))
            if match.group(1)
            else (
                match.group(6),
                match.group(5),
                match.group(4),
            )
        )
        try:
            found.add(date(int(year), int(month), int(day)))
        except ValueError:
            continue
    for match in WRITTEN_DATE.finditer(text):
        try:
            found.add(date(int(match.group(3)), MONTH_NAMES_NL.index(match.group(2).lower()) + 1, int(match.group(1))))
        except ValueError:
            continue
    return found


async def personal_data_in(db: AsyncSession, text: str, location_ids: list[UUID] | None) -> list[str]:
    """The names and dates of birth of children in scope that the text holds, as written in it."""
    phrases = _capitalised_phrases(text)
    dates = _dates_in(text)
    if not phrases and not dates:
        return []
    lowered = {phrase.lower() for phrase in phrases}
    query = select(Child.given_name, Child.family_name, Child.date_of_birth).where(
        or_(
            Child.given_name.in_(phrases),
            Child.family_name.in_(phrases),
            func.lower(Child.given_name).in_(lowered),
            func.lower(Child.family_name).in_(lowered),
            Child.date_of_birth.in_(dates) if dates else false(),
        )
    )
    if location_ids is not None:
        query = query.where(
            Child.id.in_(
                select(Referral.child_id)
                .join(ReferralLocation, ReferralLocation.referral_id == Referral.id)
                .where(ReferralLocation.location_id.in_(location_ids))
            )
        )
    found: list[str] = []
    by_lower = {phrase.lower(): phrase for phrase in phrases}
    for given, family, born in (await db.execute(query.limit(200))).all():
        for name in (given, family):
            typed = by_lower.get(name.lower())
            if typed and typed not in found:
                found.append(typed)
        if born in dates:
            shown = born.strftime("%d-%m-%Y")
            if shown not in found:
                found.append(shown)
    return found


def _target(actor: Actor, where: ReportScope) -> UUID | None:
    """The location a story on this report belongs to; ``None``: the whole organisation (the beheerder only)."""
    if where.chosen is not None:
        return where.chosen.id
    if actor.is_admin:
        return None
    if len(where.locations) == 1:
        return where.locations[0].id
    raise InvalidInput({"location": "Kies eerst één locatie: een verhaal hoort bij een locatie."})


def target_name(actor: Actor, where: ReportScope) -> str:
    """Whose story the form writes, in words."""
    if not can_write(actor, where):
        return ""
    target = _target(actor, where)
    return "de hele organisatie" if target is None else where.name_of(target)


def can_write(actor: Actor, where: ReportScope) -> bool:
    return actor.is_admin or where.chosen is not None or len(where.locations) == 1


async def story_to_edit(db: AsyncSession, actor: Actor, where: ReportScope, period: Period) -> ReportStory | None:
    if not can_write(actor, where):
        return None
    target = _target(actor, where)
    return await db.scalar(
        select(ReportStory).where(
            ReportStory.location_id.is_(None) if target is None else ReportStory.location_id == target,
            ReportStory.period_start == period.start,
            ReportStory.period_end == period.end,
        )
    )


async def save_story(db: AsyncSession, actor: Actor, where: ReportScope, period: Period, text: str) -> str:
    """Stores (or, when empty, removes) the story of this period for the report's location; refuses a text
    that names a child or holds a date of birth. Answers what happened, in Dutch."""
    require_reporting_role(actor)
    target = _target(actor, where)
    if target is not None and not (actor.is_admin or target in actor.location_ids):
        raise NotFound("Deze locatie bestaat niet, of u heeft er geen toegang toe.")
    if target is None and not actor.is_admin:
        raise Forbidden("Alleen de beheerder schrijft een verhaal voor de hele organisatie.")
    found = await personal_data_in(db, text, None if target is None else [target])
    if found:
        raise InvalidInput(
            {
                "text": "Haal dit uit de tekst: "
                + ", ".join(found)
                + ". Het verhaal gaat naar de gemeente en mag geen namen of geboortedata van kinderen bevatten."
            }
        )
    story = await story_to_edit(db, actor, where, period)
    if not text:
        if story is not None:
            await db.delete(story)
            await db.flush()
            return "Het verhaal bij deze periode is verwijderd."
        return "Er was geen verhaal om te verwijderen."
    if story is None:
        story = ReportStory(
            location_id=target, period_start=period.start, period_end=period.end, text=text, written_by_id=actor.id
        )
        db.add(story)
    else:
        story.text = text
        story.written_by_id = actor.id
    await db.flush()
    return "Het verhaal bij deze periode is opgeslagen."


async def stories_within(db: AsyncSession, where: ReportScope, period: Period) -> list[StoryView]:
    """The stories written for periods within this one, for the report's locations (and, on the beheerder's
    report of every location, those for the whole organisation), oldest period first."""
    in_period = and_(ReportStory.period_start >= period.start, ReportStory.period_end <= period.end)
    ids = where.location_ids
    if where.scope.location_ids is None:
        location_filter = or_(ReportStory.location_id.is_(None), ReportStory.location_id.in_(ids))
    else:
        location_filter = ReportStory.location_id.in_(ids)
    rows = await db.scalars(
        select(ReportStory)
        .where(in_period, location_filter)
        .order_by(ReportStory.period_start, ReportStory.period_end, ReportStory.location_id)
    )
    return [
        StoryView(
            location_name="" if story.location_id is None else where.name_of(story.location_id),
            period=Period(story.period_start, story.period_end),
            text=story.text,
            updated_at=story.updated_at,
        )
        for story in rows
    ]
