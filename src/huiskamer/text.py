"""Comparing what people type with what is stored: names and search words without case or accents. Pure."""

from __future__ import annotations

import re
import unicodedata

# Letters that carry no accent to strip but are still written plainly: "Işık" as "Isik", "Søren" as "Soren".
_PLAIN = str.maketrans({"ı": "i", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th"})
_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Text as compared: case-folded, without accents ("Öztürk" → "ozturk")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_PLAIN)


def folded_words(text: str) -> tuple[str, ...]:
    """The words of a text, folded; punctuation and spaces only separate them ("P. Jansen (vader)" →
    ("p", "jansen", "vader"))."""
    return tuple(_WORD.findall(fold(text)))
