"""Turning untrusted input (a JSON body or a form) into clean values, with a Dutch message per field.

Each reader takes the raw mapping, a field path and the error collector; it returns the clean value or
``None`` and records a message. One round: a parser reads every field and returns a ``Parsed`` (what it read and
the messages so far) instead of raising; the service then checks its rules on each field that was read (skipping
only a rule whose own fields failed), adds those messages, and raises ``InvalidInput`` once with all of them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from email_validator import EmailNotValidError, validate_email

from huiskamer.errors import InvalidInput

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES_NL: dict[str, str] = {
    "mon": "maandag",
    "tue": "dinsdag",
    "wed": "woensdag",
    "thu": "donderdag",
    "fri": "vrijdag",
    "sat": "zaterdag",
    "sun": "zondag",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FieldErrors:
    """Collects one message per field; the first message for a field wins."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def add_all(self, errors: Mapping[str, str]) -> None:
        for field, message in errors.items():
            self.add(field, message)

    def failed(self, *fields: str) -> bool:
        """Whether any of these fields could not be read: a rule on them is skipped (its message would mislead)."""
        return any(field in self.errors for field in fields)

    @contextmanager
    def collecting(self) -> Iterator[FieldErrors]:
        """Run a rule check that raises ``InvalidInput``: its messages join this round instead of ending it."""
        try:
            yield self
        except InvalidInput as invalid:
            self.add_all(invalid.errors)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)


T = TypeVar("T")


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """What a parser read: ``value`` with every field it could read, and the messages of those it could not.

    While ``errors`` names a field, that field of ``value`` may be ``None`` whatever its type says: a rule reads a
    field only after ``errors.failed(...)`` said it was read. ``checked()`` gives the complete value or raises once.
    """

    value: T
    errors: FieldErrors

    @classmethod
    def of(cls, value: T | Parsed[T]) -> Parsed[T]:
        """A value built in code (the import, a test) is a parse without messages."""
        return value if isinstance(value, Parsed) else cls(value, FieldErrors())

    def checked(self) -> T:
        self.errors.raise_if_any()
        return self.value


def as_object(raw: Any, what: str = "de gegevens") -> Mapping[str, Any]:
    """The fields of a form or a JSON body; a body that is no object (a list, a number) is bad input, not a 500."""
    if not isinstance(raw, Mapping):
        raise InvalidInput({"": f"Stuur {what} als een object met velden."})
    return raw


def _raw(data: Mapping[str, Any], field: str) -> Any:
    """Read a dotted path from nested mappings (JSON) or a flat key with dots in it (a form)."""
    if field in data:
        return data[field]
    value: Any = data
    for part in field.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def read_text(
    data: Mapping[str, Any],
    field: str,
    errors: FieldErrors,
    *,
    label: str,
    required: bool = True,
    max_length: int = 200,
    multiline: bool = False,
) -> str | None:
    value = _raw(data, field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(field, f"Vul {label} in.")
        return None
    if not isinstance(value, str):
        errors.add(field, f"{label.capitalize()} moet tekst zijn.")
        return None
    text = unicodedata.normalize("NFC", value).strip()
    text = text.replace("\r\n", "\n") if multiline else " ".join(text.split())
    if _CONTROL.search(text) or (not multiline and "\n" in text):
        errors.add(field, f"{label.capitalize()} bevat tekens die niet zijn toegestaan.")
        return None
    if len(text) > max_length:
        errors.add(field, f"{label.capitalize()} mag hoogstens {max_length} tekens lang zijn.")
        return None
    return text


def read_email(data: Mapping[str, Any], field: str, errors: FieldErrors, *, required: bool = True) -> str | None:
    text = read_text(data, field, errors, label="een e-mailadres", required=required, max_length=254)
    if text is None:
        return None
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        errors.add(field, "Vul een geldig e-mailadres in, bijvoorbeeld naam@voorbeeld.nl.")
        return None
    return checked.normalized.lower()


def read_int(
    data: Mapping[str, Any],
    field: str,
    errors: FieldErrors,
    *,
    label: str,
    minimum: int,
    maximum: int,
    required: bool = True,
    default: int | None = None,
) -> int | None:
    value = _raw(data, field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required and default is None:
            errors.add(field, f"Vul {label} in.")
        return default
    if isinstance(value, bool):
        errors.add(field, f"{label.capitalize()} moet een heel getal zijn.")
        return None
    if isinstance(value, str):
        if not re.fullmatch(r"\s*-?\d{1,9}\s*", value):
            errors.add(field, f"{label.capitalize()} moet een heel getal zijn.")
            return None
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        errors.add(field, f"{label.capitalize()} moet een heel getal zijn.")
        return None
    if not minimum <= value <= maximum:
        errors.add(field, f"{label.capitalize()} moet tussen {minimum} en {maximum} liggen.")
        return None
    return value


def read_bool(data: Mapping[str, Any], field: str, errors: FieldErrors, *, label: str, default: bool = False) -> bool:
    value = _raw(data, field)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"on", "true", "1", "ja", "yes"}:
        return True
    if isinstance(value, str) and value.lower() in {"off", "false", "0", "nee", "no"}:
        return False
    errors.add(field, f"{label.capitalize()} moet ja of nee zijn.")
    return default


def parse_date(value: Any) -> date | None:
    """A date as ``YYYY-MM-DD`` or as Dutch people type it (``14-3-2017``); ``None`` when it is no date."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text) or None
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", text)
        if not match:
            return None
        day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def read_date(
    data: Mapping[str, Any], field: str, errors: FieldErrors, *, label: str, required: bool = True
) -> date | None:
    value = _raw(data, field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(field, f"Vul {label} in.")
        return None
    parsed = parse_date(value)
    if parsed is None:
        errors.add(field, f"{label.capitalize()} is geen geldige datum. Gebruik bijvoorbeeld 2026-09-01.")
    return parsed


def as_list(value: Any) -> list[Any] | None:
    """Forms send one value as a string and several as a list; JSON sends a list. ``None`` if neither."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return list(value)
    return None


def read_string_list(
    data: Mapping[str, Any],
    field: str,
    errors: FieldErrors,
    *,
    label: str,
    max_items: int = 50,
    max_length: int = 100,
) -> list[str] | None:
    items = as_list(_raw(data, field))
    if items is None or not all(isinstance(item, str) for item in items):
        errors.add(field, f"{label.capitalize()} moet een lijst met tekst zijn.")
        return None
    cleaned: list[str] = []
    for item in items:
        text = " ".join(unicodedata.normalize("NFC", item).split())
        if not text:
            continue
        if _CONTROL.search(text) or len(text) > max_length:
            errors.add(field, f"Elke waarde bij {label} mag hoogstens {max_length} gewone tekens hebben.")
            return None
        if text not in cleaned:
            cleaned.append(text)
    if len(cleaned) > max_items:
        errors.add(field, f"Hoogstens {max_items} waarden bij {label}.")
        return None
    return cleaned


def read_choice(
    data: Mapping[str, Any],
    field: str,
    errors: FieldErrors,
    *,
    label: str,
    choices: Iterable[str],
    required: bool = True,
) -> str | None:
    value = _raw(data, field)
    if value is None or value == "":
        if required:
            errors.add(field, f"Kies {label}.")
        return None
    if not isinstance(value, str) or value not in set(choices):
        errors.add(field, f"Kies een geldige waarde voor {label}.")
        return None
    return value


def lines(text: str | None) -> list[str]:
    """Split a textarea into its non-empty lines (or comma separated parts)."""
    if not text:
        return []
    parts = re.split(r"[\n,;]", text)
    return [" ".join(p.split()) for p in parts if p.strip()]


# --- Dutch postcodes and phone numbers ---------------------------------------------------------

# Four digits (not starting with 0) and two letters; SA, SD and SS are never issued.
_POSTCODE = re.compile(r"^([1-9][0-9]{3})(?!SA|SD|SS)([A-Z]{2})$")


def read_postcode(data: Mapping[str, Any], field: str, errors: FieldErrors, *, required: bool = True) -> str | None:
    """A Dutch postcode, normalised to ``1325 AB``."""
    text = read_text(data, field, errors, label="de postcode", required=required, max_length=20)
    if text is None:
        return None
    match = _POSTCODE.match(text.upper().replace(" ", ""))
    if not match:
        errors.add(field, "Vul een Nederlandse postcode in, zoals 1325 AB.")
        return None
    return f"{match.group(1)} {match.group(2)}"


def read_phone(data: Mapping[str, Any], field: str, errors: FieldErrors, *, required: bool = True) -> str | None:
    """A Dutch or international phone number, stored as E.164 (``+31612345678``)."""
    import phonenumbers

    text = read_text(data, field, errors, label="een telefoonnummer", required=required, max_length=40)
    if text is None:
        return None
    try:
        number = phonenumbers.parse(text, "NL")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        errors.add(field, "Vul een geldig telefoonnummer in, zoals 06 12345678 of +32 470 12 34 56.")
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str | None) -> str:
    """Shown as people write it: ``06 12345678`` for Dutch numbers, international format otherwise."""
    import phonenumbers

    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 31:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
