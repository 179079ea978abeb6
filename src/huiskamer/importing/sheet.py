"""Reading an organisation's spreadsheet (``import.md``): XLSX or CSV as Excel writes them, into rows of the
import's columns, and each row into what it says, with a Dutch message per column that cannot be read.

Pure: no database. What a row means for Huiskamer (does the location exist, is there room, is the child already
there) is decided in ``importing.service``.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

MAX_ROWS = 5000

# Each column of import.md, by its name made plain (lower case, no accents, spaces or punctuation).
COLUMNS: dict[str, str] = {
    "voornaam": "Voornaam",
    "achternaam": "Achternaam",
    "geboortedatum": "Geboortedatum",
    "postcode": "Postcode",
    "wijk": "Wijk",
    "school": "School",
    "ouderverzorger": "Ouder/verzorger",
    "telefoon": "Telefoon",
    "email": "E-mail",
    "verwezendoor": "Verwezen door",
    "aangemeldop": "Aangemeld op",
    "reden": "Reden",
    "status": "Status",
    "locatie": "Locatie",
    "dagen": "Dagen",
    "minimumdagen": "Minimum dagen",
    "wachtsinds": "Wacht sinds",
    "urgentie": "Urgentie",
    "startdatum": "Startdatum",
    "ophalendoor": "Ophalen door",
    "nietophalen": "Niet ophalen",
    "allergieen": "Allergieën",
    "letop": "Let op",
    "doelen": "Doelen",
}
REQUIRED = ("Voornaam", "Achternaam", "Geboortedatum", "Ouder/verzorger", "Status", "Locatie", "Dagen")

WEEKDAY_WORDS: dict[str, str] = {}
for code, words in {
    "mon": ("ma", "maa", "maan", "maandag", "mo", "mon", "monday"),
    "tue": ("di", "din", "dins", "dinsdag", "tu", "tue", "tuesday"),
    "wed": ("wo", "woe", "woen", "woensdag", "we", "wed", "wednesday"),
    "thu": ("do", "don", "dond", "donderdag", "th", "thu", "thursday"),
    "fri": ("vr", "vrij", "vrijdag", "fr", "fri", "friday"),
    "sat": ("za", "zat", "zaterdag", "sa", "sat", "saturday"),
    "sun": ("zo", "zon", "zondag", "su", "sun", "sunday"),
}.items():
    for word in words:
        WEEKDAY_WORDS[word] = code
WEEKDAY_ORDER = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

SOURCE_WORDS: dict[str, str] = {
    "school": "school",
    "ggd": "ggd",
    "jeugdggz": "youth_mental_health",
    "ggz": "youth_mental_health",
    "wijkagent": "police",
    "politie": "police",
    "wijkteam": "social_team",
    "ouders": "guardian",
    "ouder": "guardian",
    "ouderverzorger": "guardian",
    "verzorger": "guardian",
    "huisarts": "gp",
    "jeugdhulp": "youth_care",
    "jeugdzorg": "youth_care",
    "anders": "other",
    "overig": "other",
}
URGENCY_WORDS = {"normaal": "normal", "verhoogd": "elevated", "hoog": "high"}
STATUS_WORDS = {"wachtlijst": "waitlisted", "geplaatst": "placed"}


def plain(text: str) -> str:
    """Lower case without accents, spaces or punctuation: how headers and words are compared."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isalnum()).lower()


class UnreadableFile(ValueError):
    """The file is no spreadsheet we can read: its message is for the person who uploaded it."""


@dataclass(frozen=True)
class Sheet:
    rows: list[tuple[int, dict[str, Any]]]  # (the spreadsheet's row number, column → cell)
    unknown_columns: list[str]
    sheet_names: list[str] = field(default_factory=list)


def read_file(content: bytes, filename: str, *, sheet: str | None = None) -> Sheet:
    """The rows of an XLSX (the first sheet, or the one named) or CSV file (``;`` or ``,``, UTF-8 or
    Windows-1252); empty rows left out."""
    if content[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(content, sheet)
    return _read_csv(content)


def _read_xlsx(content: bytes, wanted: str | None) -> Sheet:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise UnreadableFile("Dit bestand is geen leesbaar Excel-bestand (.xlsx).") from error
    names = list(book.sheetnames)
    if wanted is not None and wanted not in names:
        raise UnreadableFile(f"Het tabblad ‘{wanted}’ staat niet in het bestand (wel: {', '.join(names)}).")
    worksheet = book[wanted] if wanted else book.worksheets[0]
    values = worksheet.iter_rows(values_only=True)
    sheet = _rows(([cell for cell in row] for row in values), names)
    book.close()
    return sheet


def _read_csv(content: bytes) -> Sheet:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise UnreadableFile("Dit bestand is geen CSV- of Excel-bestand.")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    return _rows(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])


def _rows(lines: Iterable[Sequence[Any]], sheet_names: list[str]) -> Sheet:
    iterator = iter(lines)
    header: list[str] = []
    for line in iterator:
        if any(_filled(cell) for cell in line):
            header = [str(cell).strip() if cell is not None else "" for cell in line]
            break
    if not header:
        raise UnreadableFile("Het bestand is leeg: de eerste regel moet de kolomnamen bevatten.")
    columns = [COLUMNS.get(plain(name)) for name in header]
    unknown = [name for name, column in zip(header, columns, strict=True) if column is None and name]
    if not any(columns):
        raise UnreadableFile(
            "De eerste regel bevat geen van de kolomnamen van het sjabloon (zoals Voornaam, Achternaam)."
        )
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise UnreadableFile("Deze kolommen ontbreken: " + ", ".join(missing) + ".")
    rows: list[tuple[int, dict[str, Any]]] = []
    number = 1
    for line in iterator:
        number += 1
        if not any(_filled(cell) for cell in line):
            continue
        cells = {column: line[i] for i, column in enumerate(columns) if column and i < len(line)}
        rows.append((number, cells))
        if len(rows) > MAX_ROWS:
            raise UnreadableFile(f"Het bestand heeft meer dan {MAX_ROWS} rijen; splits het in delen.")
    return Sheet(rows, unknown, sheet_names)


def _filled(cell: Any) -> bool:
    return cell is not None and str(cell).strip() != ""


# --- one row --------------------------------------------------------------------------------------------------


@dataclass
class RowErrors:
    messages: dict[str, str] = field(default_factory=dict)

    def add(self, column: str, message: str) -> None:
        self.messages.setdefault(column, message)


@dataclass(frozen=True)
class ParsedRow:
    """What a row says, in Huiskamer's terms (location names not yet looked up)."""

    given_name: str
    family_name: str
    date_of_birth: date
    postcode: str
    neighbourhood: str | None
    school: str | None
    guardian_name: str
    guardian_phone: str | None
    guardian_email: str | None
    source: str
    referred_on: date | None
    reason: str
    status: str  # waitlisted, placed
    locations: tuple[str, ...]
    weekdays: tuple[str, ...]
    minimum_days: int
    waiting_since: date | None
    urgency: str
    start_date: date | None
    collection_persons: tuple[str, ...]
    not_allowed_collectors: tuple[str, ...]
    allergies: str | None
    safety_notes: str | None
    goals: tuple[str, ...]


def text_of(cells: Mapping[str, Any], column: str) -> str:
    value = cells.get(column)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def read_day(cells: Mapping[str, Any], column: str, errors: RowErrors, *, required: bool = False) -> date | None:
    value = cells.get(column)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = text_of(cells, column)
    if not text:
        if required:
            errors.add(column, f"{column} is leeg.")
        return None
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text) or re.fullmatch(
        r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", text
    )
    if match is None:
        errors.add(column, f"{column} ‘{text}’ is geen datum; schrijf bijvoorbeeld 14-3-2017.")
        return None
    parts = [int(g) for g in match.groups()]
    year, month, day = parts if len(match.group(1)) == 4 else parts[::-1]
    try:
        return date(year, month, day)
    except ValueError:
        errors.add(column, f"{column} {text} bestaat niet.")
        return None


_RANGE = re.compile(r"(\w+)\s*(?:t/m|\btot en met\b)\s*(\w+)", re.IGNORECASE)


def read_weekdays(text: str) -> tuple[tuple[str, ...], list[str]]:
    """``ma, di, do``, ``maandag/dinsdag``, ``ma-di-do``, ``MA DI``, ``ma t/m vr``: the weekday codes, and the
    words not known."""
    days: set[str] = set()
    unknown: list[str] = []
    for first, last in _RANGE.findall(text):
        start, end = WEEKDAY_WORDS.get(plain(first)), WEEKDAY_WORDS.get(plain(last))
        if start and end and WEEKDAY_ORDER.index(start) <= WEEKDAY_ORDER.index(end):
            days.update(WEEKDAY_ORDER[WEEKDAY_ORDER.index(start) : WEEKDAY_ORDER.index(end) + 1])
        else:
            unknown.append(f"{first} t/m {last}")
    text = _RANGE.sub(" ", text)
    for word in re.split(r"[\s,;/\-+&]+|\ben\b", text.lower()):
        if not word:
            continue
        code = WEEKDAY_WORDS.get(plain(word))
        if code:
            days.add(code)
        else:
            unknown.append(word)
    return tuple(day for day in WEEKDAY_ORDER if day in days), unknown


def read_phone(text: str) -> str | None:
    import phonenumbers

    digits = re.sub(r"\D", "", text)
    if re.fullmatch(r"6\d{8}", digits) and not text.strip().startswith("+"):
        text = "0" + digits  # Excel made a number of 0612345678 and dropped its 0
    try:
        number = phonenumbers.parse(text, "NL")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def names_list(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(";") if part.strip())


def parse_row(cells: Mapping[str, Any], today: date) -> tuple[ParsedRow | None, dict[str, str]]:
    """One row of the file, read; or the messages per column that say what cannot be read."""
    errors = RowErrors()
    given, family = text_of(cells, "Voornaam"), text_of(cells, "Achternaam")
    for column, value, limit in (("Voornaam", given, 100), ("Achternaam", family, 100)):
        if not value:
            errors.add(column, f"{column} is leeg.")
        elif len(value) > limit:
            errors.add(column, f"{column} is langer dan {limit} tekens.")
    born = read_day(cells, "Geboortedatum", errors, required=True)
    if born and not (today.year - 20 <= born.year <= today.year):
        errors.add("Geboortedatum", f"Geboortedatum {born:%d-%m-%Y} is niet die van een kind van 4 tot 12 jaar.")
    postcode = text_of(cells, "Postcode").upper().replace(" ", "")
    if postcode and not re.fullmatch(r"[1-9][0-9]{3}[A-Z]{2}", postcode):
        errors.add("Postcode", f"Postcode ‘{text_of(cells, 'Postcode')}’ is geen Nederlandse postcode (1325 AB).")
    postcode = f"{postcode[:4]} {postcode[4:]}" if postcode else ""
    guardian = text_of(cells, "Ouder/verzorger")
    if not guardian:
        errors.add("Ouder/verzorger", "Ouder/verzorger is leeg.")
    phone_text = text_of(cells, "Telefoon")
    phone = read_phone(phone_text) if phone_text else None
    if phone_text and phone is None:
        errors.add("Telefoon", f"Telefoon ‘{phone_text}’ is geen geldig telefoonnummer.")
    email = text_of(cells, "E-mail") or None
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        errors.add("E-mail", f"E-mail ‘{email}’ is geen e-mailadres.")
    source_text = text_of(cells, "Verwezen door")
    source = SOURCE_WORDS.get(plain(source_text)) if source_text else "other"
    if source is None:
        errors.add(
            "Verwezen door",
            f"Verwezen door ‘{source_text}’ is onbekend; kies uit school, GGD, jeugd-ggz, wijkagent, wijkteam, "
            "ouders, huisarts, jeugdhulp of anders.",
        )
    referred_on = read_day(cells, "Aangemeld op", errors)
    status_text = text_of(cells, "Status")
    status = STATUS_WORDS.get(plain(status_text))
    if status is None:
        errors.add(
            "Status",
            f"Status ‘{status_text}’: kies wachtlijst of geplaatst."
            if status_text
            else "Status is leeg: kies wachtlijst of geplaatst.",
        )
    locations = names_list(text_of(cells, "Locatie"))
    if not locations:
        errors.add("Locatie", "Locatie is leeg.")
    elif status == "placed" and len(locations) > 1:
        errors.add("Locatie", "Een geplaatst kind staat op één locatie.")
    weekdays, unknown = read_weekdays(text_of(cells, "Dagen"))
    if unknown:
        errors.add("Dagen", f"Dagen: ‘{', '.join(unknown)}’ is geen weekdag (schrijf bijvoorbeeld ma, di, do).")
    elif not weekdays:
        errors.add("Dagen", "Dagen is leeg.")
    minimum_text = text_of(cells, "Minimum dagen")
    minimum = len(weekdays)
    if minimum_text:
        if not minimum_text.isdigit() or not 1 <= int(minimum_text) <= max(len(weekdays), 1):
            errors.add("Minimum dagen", f"Minimum dagen moet een getal van 1 tot en met {max(len(weekdays), 1)} zijn.")
        else:
            minimum = int(minimum_text)
    waiting_since = read_day(cells, "Wacht sinds", errors)
    start = read_day(cells, "Startdatum", errors)
    if status == "waitlisted" and waiting_since is None and "Wacht sinds" not in errors.messages:
        errors.add("Wacht sinds", "Wacht sinds is leeg: sinds wanneer staat het kind op de wachtlijst?")
    if status == "placed" and start is None and "Startdatum" not in errors.messages:
        errors.add("Startdatum", "Startdatum is leeg: sinds wanneer is het kind geplaatst?")
    for column, day in (("Wacht sinds", waiting_since), ("Aangemeld op", referred_on)):
        if day and day > today:
            errors.add(column, f"{column} {day:%d-%m-%Y} ligt in de toekomst.")
    urgency_text = text_of(cells, "Urgentie")
    urgency = URGENCY_WORDS.get(plain(urgency_text)) if urgency_text else "normal"
    if urgency is None:
        errors.add("Urgentie", f"Urgentie ‘{urgency_text}’: kies normaal, verhoogd of hoog.")
    if errors.messages:
        return None, errors.messages
    assert born is not None and status is not None and source is not None and urgency is not None
    return (
        ParsedRow(
            given_name=given,
            family_name=family,
            date_of_birth=born,
            postcode=postcode,
            neighbourhood=text_of(cells, "Wijk") or None,
            school=text_of(cells, "School") or None,
            guardian_name=guardian[:160],
            guardian_phone=phone,
            guardian_email=email,
            source=source,
            referred_on=referred_on,
            reason=text_of(cells, "Reden")[:2000] or "Overgenomen uit de eigen administratie.",
            status=status,
            locations=locations,
            weekdays=weekdays,
            minimum_days=minimum,
            waiting_since=waiting_since,
            urgency=urgency,
            start_date=start,
            collection_persons=names_list(text_of(cells, "Ophalen door"))[:10],
            not_allowed_collectors=names_list(text_of(cells, "Niet ophalen"))[:10],
            allergies=text_of(cells, "Allergieën") or None,
            safety_notes=text_of(cells, "Let op") or None,
            goals=names_list(text_of(cells, "Doelen"))[:20],
        ),
        {},
    )


TEMPLATE_ROWS: list[list[str]] = [
    list(COLUMNS.values()),
    ["Noor", "de Vries", "14-3-2017", "1325 AB", "Stedenwijk", "De Regenboog", "M. de Vries", "06-12345678",
     "m.devries@voorbeeld.nl", "school", "2-9-2025", "Wordt snel boos op het schoolplein.", "wachtlijst",
     "De Vaart; Kruidenhof", "ma, di, do", "2", "15-9-2025", "normaal", "", "M. de Vries (moeder); opa de Vries",
     "", "noten", "", "Minder snel boos worden; Vriendjes maken"],
    ["Daan", "El Amrani", "2016-07-02", "1324 CD", "Kruidenwijk", "", "F. El Amrani", "+31 6 1234 5678", "",
     "wijkteam", "10-1-2025", "", "geplaatst", "De Vaart", "maandag/woensdag", "", "", "hoog", "3-3-2025",
     "F. El Amrani", "buurman Piet", "", "Mag niet alleen naar huis.", "Samenwerken"],
]  # fmt: skip


def template_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerows(TEMPLATE_ROWS)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Kinderen"
    for row in TEMPLATE_ROWS:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
