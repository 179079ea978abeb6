"""Finding a child by name (and date of birth) as the coordinator or referrer types.

A search text is split into words; a child matches when its given or family name contains every word, case
and accents ignored ("ozt" finds Öztürk, "van berg" finds Lotte van den Berg). A word that reads as a date
(14-03-2017, 14/3/2017, 2017-03-14) asks for that date of birth instead. The names are compared through
``Child.match_key`` ("given family", lower case, without accents), which PostgreSQL serves with a trigram index
(migration ``search_children_by_name``); SQLite reads the narrow name index instead of the table.

Every list that finds children by name goes through here: the inbox, the API's ``q``, the referrer's list and the
sibling picker filter their query (``filter_referrals``); the waitlist and the placements, which must read every row
to rank or count them, select whether each child matches (``found_column``) and hide the rest.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, exists, select

from huiskamer.referrals.models import Child, Referral

MAX_WORDS = 6
MAX_WORD_LENGTH = 60
MAX_LENGTH = 200
TOO_LONG = f"Zoek met hoogstens {MAX_LENGTH} tekens."
_DUTCH_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


@dataclass(frozen=True)
class SearchText:
    words: tuple[str, ...] = ()
    date_of_birth: date | None = None

    def __bool__(self) -> bool:
        return bool(self.words) or self.date_of_birth is not None


NO_SEARCH = SearchText()


def normalise(text: str) -> str:
    """Lower case, without accents or extra spaces: "Noör  Bakker" and "noor bakker" read the same. A control
    character separates words (PostgreSQL refuses a NUL byte in a text, and no name holds one)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.lower().split())


def _as_date(word: str) -> date | None:
    if found := _DUTCH_DATE.match(word):
        day, month, year = (int(part) for part in found.groups())
    elif found := _ISO_DATE.match(word):
        year, month, day = (int(part) for part in found.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse(text: str | None) -> SearchText:
    """The words to look for (normalised like the stored names) and a date of birth, if one was typed."""
    born: date | None = None
    words: list[str] = []
    for raw in (text or "").split()[: MAX_WORDS * 2]:
        as_date = _as_date(raw)
        if as_date is not None:
            born = as_date
            continue
        # Normalised the same way as the stored key, so both sides lose their accents and case alike.
        words.extend(w[:MAX_WORD_LENGTH] for w in normalise(raw).split())
    return SearchText(tuple(dict.fromkeys(words))[:MAX_WORDS], born)


def read_query(value: object) -> tuple[str | None, str | None]:
    """A search as it comes from a form or query string: the text (None when empty), or a message for a search
    that is too long (then no search at all, rather than a cut-off word finding the wrong children)."""
    text = value.strip() if isinstance(value, str) else ""
    if len(text) > MAX_LENGTH:
        return None, TOO_LONG
    return text or None, None


def _escaped(word: str) -> str:
    return word.replace("/", "//").replace("%", "/%").replace("_", "/_")


def child_matches(search: SearchText) -> ColumnElement[bool]:
    """The condition on ``Child`` for this search (true when the search is empty)."""
    conditions: list[ColumnElement[bool]] = [
        Child.match_key.like(f"%{_escaped(word)}%", escape="/") for word in search.words
    ]
    if search.date_of_birth is not None:
        conditions.append(Child.date_of_birth == search.date_of_birth)
    return and_(True, *conditions)


def found_column(search: SearchText) -> ColumnElement[bool]:
    """Whether the row's child matches, as a column to select beside the row (true for every row when the search
    is empty): for a list that must read every row to rank or count them, and only hides the others."""
    return child_matches(search).label("found")


def matching_children(search: SearchText) -> Select[tuple[object]]:
    return select(Child.id).where(child_matches(search))


def filter_referrals(query: Select, search: SearchText) -> Select:
    """Keeps the referrals whose child matches; the query is unchanged for an empty search.

    A correlated EXISTS: the database can start from the few referrals in scope and look each child up by its
    key (SQLite otherwise scans every child of the federation for ``child_id IN (…)``), or, on PostgreSQL,
    start from the trigram index when that finds fewer children."""
    if not search:
        return query
    # Correlated on the referral only, so that a query that joins the child as well keeps its own.
    return query.where(exists().where(Child.id == Referral.child_id, child_matches(search)).correlate(Referral))


def has_family_name(family_name: str) -> ColumnElement[bool]:
    """Children whose key ends in this family name, case and accents ignored: every child of that family name, and
    a few more ("Berg" also ends "van den Berg"), which the caller tells apart with ``normalise``."""
    return Child.match_key.like(f"% {_escaped(normalise(family_name))}", escape="/")
