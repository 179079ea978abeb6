"""The story of a period (vertellen): written by a coordinator for one of their locations, or by the beheerder
for the whole organisation; shown in the report of every period that holds it.

It leaves the organisation, so it must stay anonymous: a text that names a child in scope (a given or family
name, written with its capital) or holds a child's date of birth is refused, with the words to take out.

Names are compared word by word in Python, not in SQL (SQLite's lower() only lowers ASCII): the text and the
names are cut into words at every character that is not a letter or digit (so "Jesse's", "Jesse-Mees" and
"(Jesse)" hold the word "Jesse"), and words are compared case-folded and without accents ("ÖZTÜRK", "Ozturk"
and "Öztürk" are the same word). A name only counts as a whole word: "Mees" is not in "meeste".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth.actor import Actor
from huiskamer.errors import Forbidden, InvalidInput, NotFound
from huiskamer.referrals.models import Child, Referral, ReferralLocation
from huiskamer.reports.models import ReportStory
from huiskamer.reports.rules import MONTH_NAMES_NL, Period
from huiskamer.reports.service import ReportScope, require_reporting_role
from huiskamer.text import fold
from huiskamer.validation import Parsed

# A word: letters (with their accents) and digits; everything else (spaces, apostrophes, hyphens, dots,
# brackets, underscores...) separates words.
WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f])+")

# Months as people write them: in full or abbreviated, with or without a dot ("3 jul. 2021", "3 sept 21").
MONTHS: dict[str, int] = {name: number for number, name in enumerate(MONTH_NAMES_NL, start=1)} | {
    "jan": 1,
    "feb": 2,
    "mrt": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "okt": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_SEP = r"[-/.\u2010\u2011\u2013]"  # - / . and the hyphens and en dash a word processor puts in
# d-m-yy, d/m/yyyy, dd.mm.yyyy ... and yyyy-mm-dd: a date is never part of a longer number.
DAY_FIRST_DATE = re.compile(rf"(?<!\d)(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{4}}|\d{{2}})(?!\d)")
YEAR_FIRST_DATE = re.compile(rf"(?<!\d)(\d{{4}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})(?!\d)")
# "3 juli 2021", "3 jul. '21", "03 sept 2021".
WRITTEN_DATE = re.compile(
    rf"(?<!\d)(\d{{1,2}})\s*({_MONTH})(?![^\W\d_])\.?,?\s*['’‘]?(\d{{4}}|\d{{2}})(?!\d)", re.IGNORECASE
)


@dataclass(frozen=True)
class StoryView:
    location_name: str  # "" for the organisation as a whole
    period: Period
    text: str
    updated_at: datetime


# Family names may begin with a small word: "de Vries", "van der Berg", "el Amrani", "'t Hart", "d'Ancona".
PREFIXES = frozenset(
    {"de", "van", "der", "den", "het", "t", "ter", "ten", "te", "op", "el", "al", "la", "le", "du", "da", "di"}
    | {"d", "des", "del", "dos", "das", "do", "von", "zu", "bin", "ben", "ibn"}
)


def _clean(text: str) -> str:
    """The text as read: composed (NFC), without invisible characters (a soft hyphen or zero-width space
    within a name does not hide it)."""
    return "".join(ch for ch in unicodedata.normalize("NFC", text) if unicodedata.category(ch) != "Cf")


def _words(text: str) -> list[re.Match[str]]:
    return list(WORD.finditer(text))


def _name_forms(name: str) -> set[tuple[str, ...]]:
    """The word sequences that write this name: the whole name, and each part of a double name
    ("Jansen-de Vries": also "Jansen" and "de Vries"), but no part that is only a prefix."""
    name = _clean(name)
    forms = {tuple(fold(word.group(0)) for word in _words(name))}
    for part in re.split(r"[-\u2010\u2011\u2013]", name):
        words = tuple(fold(word.group(0)) for word in _words(part))
        if words and not all(word in PREFIXES for word in words):
            forms.add(words)
    forms.discard(())
    return forms


ASCII_WORD = re.compile(r"[a-z0-9]+")


def _may_be_in(name: str, in_text: set[str]) -> bool:
    """Whether a word of the name is among the text's words: a quick test first, as the organisation's story
    is checked against every child's name (folding each one costs more than all the rest)."""
    words = ASCII_WORD.findall(name.lower()) if name.isascii() else [w.group(0) for w in _words(fold(_clean(name)))]
    return any(word in in_text for word in words)


def names_in(text: str, names: Iterable[str]) -> list[tuple[int, str]]:
    """Where the text names one of these names (as whole words, with a capital on one of them, in any case
    and with or without accents otherwise): (position, the words as written), in the order of the text."""
    text = _clean(text)
    words = _words(text)
    if not any(word.group(0)[:1].isupper() for word in words):
        return []
    folded = [fold(word.group(0)) for word in words]
    in_text = set(folded)
    forms: set[tuple[str, ...]] = set()
    for name in names:
        if _may_be_in(name, in_text):
            forms |= _name_forms(name)
    if not forms:
        return []
    lengths = sorted({len(form) for form in forms})
    spans: set[tuple[int, int]] = set()
    for start in range(len(words)):
        for length in lengths:
            end = start + length
            if end > len(words):
                break
            if tuple(folded[start:end]) in forms and any(w.group(0)[:1].isupper() for w in words[start:end]):
                spans.add((words[start].start(), words[end - 1].end()))
    # A name within a longer one found at the same place ("Jansen" in "Jansen-de Vries") is not said twice.
    kept = [
        (first, last)
        for first, last in spans
        if not any(a <= first and last <= b and (a, b) != (first, last) for a, b in spans)
    ]
    found: list[tuple[int, str]] = []
    for first, last in sorted(kept):
        if text[first:last] not in (shown for _, shown in found):
            found.append((first, text[first:last]))
    return found


def _years(written: str) -> list[int]:
    """A year as written: "2021" is 2021; "21" may be 2021 or 1921 (both are looked for)."""
    number = int(written)
    return [number] if len(written) == 4 else [2000 + number, 1900 + number]


def _add(found: list[tuple[int, date]], position: int, years: list[int], month: int, day: int) -> None:
    for year in years:
        try:
            found.append((position, date(year, month, day)))
        except ValueError:
            continue


def dates_in(text: str) -> list[tuple[int, date]]:
    """The dates the text holds, in numbers (d-m-yy, d/m/yyyy, dd.mm.yyyy, yyyy-mm-dd) or in words with a
    full or abbreviated month ("3 juli 2021", "3 jul. '21"): (position, date)."""
    found: list[tuple[int, date]] = []
    for match in DAY_FIRST_DATE.finditer(text):
        _add(found, match.start(), _years(match.group(3)), int(match.group(2)), int(match.group(1)))
    for match in YEAR_FIRST_DATE.finditer(text):
        _add(found, match.start(), [int(match.group(1))], int(match.group(2)), int(match.group(3)))
    for match in WRITTEN_DATE.finditer(text):
        month = MONTHS.get(fold(match.group(2)))  # fold: IGNORECASE also lets "ſep" (a long s) through
        if month is not None:
            _add(found, match.start(), _years(match.group(3)), month, int(match.group(1)))
    return found


async def personal_data_in(db: AsyncSession, text: str, location_ids: list[UUID] | None) -> list[str]:
    """The names and dates of birth of children in scope that the text holds, as written in it (a date of
    birth as dd-mm-yyyy), in the order of the text."""
    text = _clean(text)
    dates = dates_in(text)
    if not dates and not any(word.group(0)[:1].isupper() for word in _words(text)):
        return []
    # Every child in scope (not only those SQL finds by name: SQL cannot compare non-ASCII names without
    # regard to case on SQLite); names are compared here.
    query = select(Child.given_name, Child.family_name, Child.date_of_birth).distinct()
    if location_ids is not None:
        query = query.where(
            Child.id.in_(
                select(Referral.child_id)
                .join(ReferralLocation, ReferralLocation.referral_id == Referral.id)
                .where(ReferralLocation.location_id.in_(location_ids))
            )
        )
    names: set[str] = set()
    born: set[date] = set()
    for given, family, birthday in (await db.execute(query)).all():
        names.update((given, family))
        born.add(birthday)
    hits = names_in(text, names)
    hits += [(position, day.strftime("%d-%m-%Y")) for position, day in dates if day in born]
    found: list[str] = []
    for _, shown in sorted(hits):
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


async def save_story(
    db: AsyncSession, actor: Actor, where: ReportScope, period: Period, text: str | Parsed[str]
) -> str:
    """Stores (or, when empty, removes) the story of this period for the report's location; refuses a text
    that names a child or holds a date of birth. Answers what happened, in Dutch. One round: the location and
    the text are both checked, and every message is raised at once."""
    require_reporting_role(actor)
    parsed = Parsed.of(text)
    errors = parsed.errors
    target: UUID | None = None
    with errors.collecting():
        target = _target(actor, where)
    if not errors.failed("location"):
        try:
            if target is not None and not (actor.is_admin or target in actor.location_ids):
                raise NotFound("Deze locatie bestaat niet, of u heeft er geen toegang toe.")
            if target is None and not actor.is_admin:
                raise Forbidden("Alleen de beheerder schrijft een verhaal voor de hele organisatie.")
        except (NotFound, Forbidden):
            errors.raise_if_any()  # a mistake in the input is answered first, as before one round
            raise
        found = (
            []
            if errors.failed("text")
            else await personal_data_in(db, parsed.value, None if target is None else [target])
        )
        if found:
            errors.add(
                "text",
                "Haal dit uit de tekst: "
                + ", ".join(found)
                + ". Het verhaal gaat naar de gemeente en mag geen namen of geboortedata van kinderen bevatten.",
            )
    text = parsed.checked()
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
