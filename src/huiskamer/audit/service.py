"""Searching the audit trail: by person, by record and by period. Only the beheerder may."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.attendance import rules as attendance_rules
from huiskamer.audit.models import AuditEvent
from huiskamer.auth.actor import Actor
from huiskamer.auth.models import ORGANISATION_TYPES_NL, ROLE_NAMES_NL
from huiskamer.db import metadata, orm_registry
from huiskamer.errors import Forbidden
from huiskamer.progress import rules as progress_rules
from huiskamer.referrals import rules as referral_rules
from huiskamer.validation import WEEKDAY_NAMES_NL, FieldErrors, parse_date, read_text
from huiskamer.waitlist import Urgency

PAGE_SIZE = 50
AMSTERDAM = ZoneInfo("Europe/Amsterdam")

# The Dutch name of every audited table. A new audited model adds its name here (a test checks it).
TABLE_LABELS_NL: dict[str, str] = {
    "users": "gebruikers",
    "organisations": "organisaties",
    "user_locations": "gebruiker-locatie",
    "api_tokens": "API-tokens",
    "recovery_codes": "herstelcodes",
    "passkeys": "passkeys",
    "invitations": "uitnodigingen",
    "locations": "locaties",
    "location_capacities": "capaciteit",
    "closure_days": "sluitingsdagen",
    "children": "kinderen",
    "referrals": "aanmeldingen",
    "referral_locations": "aanmelding-locatie",
    "referral_messages": "berichten bij aanmeldingen",
    "intakes": "intakes",
    "goals": "doelen",
    "goal_catalogue": "doelencatalogus",
    "sibling_links": "broers en zussen",
    "offers": "plaatsaanbiedingen",
    "placements": "plaatsingen",
    "attendance": "aanwezigheid",
    "concerns": "signalen",
    "concern_steps": "stappen van de Meldcode",
    "progress_notes": "voortgang op doelen",
    "evaluations": "evaluaties",
    "goal_evaluations": "evaluaties per doel",
    "organisation_settings": "instellingen van de organisatie",
    "report_stories": "verhalen bij de rapportage",
    "retention_terms": "bewaartermijnen",
    "retention_holds": "bewaarplicht",
    "erasure_requests": "verzoeken om verwijdering",
}

ACTIONS_NL: dict[str, str] = {
    "insert": "aangemaakt",
    "update": "gewijzigd",
    "delete": "verwijderd",
    "view": "bekeken",
    "redact": "geanonimiseerd",
}

FIELD_LABELS_NL: dict[str, str] = {
    "name": "naam",
    "email": "e-mailadres",
    "role": "rol",
    "password_hash": "wachtwoord",
    "active": "actief",
    "organisation_id": "organisatie",
    "email_notifications": "e-mailberichten",
    "last_login_at": "laatst ingelogd",
    "user_id": "gebruiker",
    "location_id": "locatie",
    "type": "soort",
    "token_hash": "token",
    "last_used_at": "laatst gebruikt",
    "revoked_at": "ingetrokken",
    "expires_at": "verloopt",
    "used_at": "gebruikt",
    "address": "adres",
    "neighbourhoods": "wijken",
    "min_age": "minimumleeftijd",
    "max_age": "maximumleeftijd",
    "weekday": "weekdag",
    "seats": "plaatsen",
    "day": "datum",
    "last_day": "tot en met",
    "valid_from": "geldt vanaf",
    "description": "omschrijving",
    "id": "id",
    "created_at": "aangemaakt op",
    "updated_at": "laatst gewijzigd op",
    # The child and the referral
    "given_name": "voornaam",
    "family_name": "achternaam",
    "date_of_birth": "geboortedatum",
    "postcode": "postcode",
    "neighbourhood": "wijk",
    "school": "school",
    "match_key": "zoeksleutel",
    "distinct_confirmed": "bevestigd: een ander kind",
    "child_id": "kind",
    "referral_id": "aanmelding",
    "submitted_by_id": "ingediend door",
    "source": "verwezen door",
    "reason": "reden van aanmelding",
    "guardian_informed": "ouder geïnformeerd",
    "guardian_name": "naam ouder/verzorger",
    "guardian_phone": "telefoon ouder/verzorger",
    "guardian_email": "e-mail ouder/verzorger",
    "requested_weekdays": "gevraagde dagen",
    "no_location_preference": "geen voorkeur voor een locatie",
    "status": "status",
    "submitted_at": "ingediend op",
    "status_changed_at": "status gewijzigd op",
    "intake_planned_at": "intake gepland op",
    "waiting_since": "wacht sinds",
    "referrer_visible_change_at": "zichtbare wijziging voor de verwijzer",
    "rank": "voorkeur",
    "at": "tijdstip",
    "author_id": "schrijver",
    "author_name": "naam schrijver",
    "from_referrer": "van de verwijzer",
    "text": "tekst",
    # Intake, goals, siblings
    "held_on": "gehouden op",
    "held_by_id": "gehouden door",
    "urgency": "urgentie",
    "urgency_reason": "reden urgentie",
    "minimum_days": "minimum aantal dagen",
    "consent_data_processing": "toestemming gegevensverwerking",
    "collection_persons": "mag ophalen",
    "not_allowed_collectors": "mag niet ophalen",
    "allergies": "allergieën",
    "safety_notes": "let op",
    "intake_id": "intake",
    "code": "code",
    "dimension": "soort doel",
    "kind": "soort",
    "position": "volgorde",
    "set_on": "gesteld op",
    "closed_on": "afgesloten op",
    "sibling_referral_id": "aanmelding broer of zus",
    # Offers and placements
    "made_by_id": "aangeboden door",
    "start_date": "startdatum",
    "end_date": "einddatum",
    "respond_by": "antwoord uiterlijk",
    "decided_at": "besloten op",
    "decline_reason": "reden van afslaan",
    "weekdays": "dagen",
    "offer_id": "aanbod",
    "placed_by_id": "geplaatst door",
    "end_reason_code": "reden van beëindigen",
    "end_reason": "interne reden van beëindigen",
    "end_explanation": "toelichting beëindigen",
    # Attendance, concerns, progress
    "placement_id": "plaatsing",
    "absence_reason": "reden afwezigheid",
    "absence_note": "toelichting afwezigheid",
    "arrived_at": "binnengekomen om",
    "left_at": "vertrokken om",
    "collected_by": "opgehaald door",
    "recorded_by_id": "vastgelegd door",
    "raised_at": "gemeld op",
    "raised_by_id": "gemeld door",
    "resolved_at": "afgehandeld op",
    "resolved_by_id": "afgehandeld door",
    "resolution_note": "afhandeling",
    "concern_id": "signaal",
    "step": "stap",
    "done_on": "gedaan op",
    "note": "notitie",
    "goal_id": "doel",
    "observed_on": "waargenomen op",
    "rating": "beoordeling",
    "evaluation_id": "evaluatie",
    "outcome": "uitkomst",
    "next_evaluation_on": "volgende evaluatie",
    # Accounts and settings
    "code_hash": "herstelcode",
    "credential_id": "passkey",
    "public_key": "publieke sleutel",
    "sign_count": "aantal keer gebruikt",
    "totp_secret": "sleutel authenticator-app",
    "totp_confirmed_at": "authenticator-app bevestigd op",
    "totp_last_step": "laatste code",
    "evaluation_interval_months": "evaluatie elke (maanden)",
    "unexcused_absence_threshold": "signaal na afwezigheden zonder bericht",
    "unexcused_absence_window_days": "binnen (dagen)",
    "second_factor_for_everyone": "tweede factor voor iedereen",
    "period_start": "begin periode",
    "period_end": "einde periode",
    "written_by_id": "geschreven door",
    "anonymised_at": "geanonimiseerd op",
    "months": "maanden",
    "set_by_id": "vastgelegd door",
    "set_at": "vastgelegd op",
    "requested_by_id": "gevraagd door",
    "requested_at": "gevraagd op",
    "decided_by_id": "besloten door",
    "decision_note": "toelichting bij het besluit",
}

# The tables that hold a child's dossier. Their values are for the coordinators of the child's locations (on the
# child's own history); the beheerder sees who changed which field when, not what it said (least privilege).
CHILD_TABLES: frozenset[str] = frozenset(
    {
        "children",
        "referrals",
        "referral_locations",
        "referral_messages",
        "intakes",
        "goals",
        "sibling_links",
        "offers",
        "placements",
        "attendance",
        "concerns",
        "concern_steps",
        "progress_notes",
        "evaluations",
        "goal_evaluations",
        "retention_holds",
        "erasure_requests",
    }
)


def audited_tables() -> list[tuple[str, str]]:
    """(table, Dutch label) for every table the hook records (or that has a label), sorted by label."""
    names = set(TABLE_LABELS_NL) & set(metadata.tables)
    for mapper in orm_registry.mappers:
        if getattr(mapper.class_, "__audited__", False):
            names.add(mapper.class_.__tablename__)
    return sorted(((name, table_label(name)) for name in names), key=lambda pair: pair[1].lower())


def table_label(name: str) -> str:
    return TABLE_LABELS_NL.get(name, name)


@dataclass(frozen=True)
class AuditFilters:
    person: str = ""
    table: str = ""
    record_id: str = ""
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1

    def as_query(self, **changes: Any) -> dict[str, str]:
        """The filters as the page's query parameters (for links to other pages of the same search)."""
        values = {
            "persoon": self.person,
            "tabel": self.table,
            "record": self.record_id,
            "van": self.date_from.isoformat() if self.date_from else "",
            "tot": self.date_to.isoformat() if self.date_to else "",
            "pagina": str(self.page) if self.page > 1 else "",
        }
        values.update({key: str(value) for key, value in changes.items()})
        if values["pagina"] == "1":
            values["pagina"] = ""
        return {key: value for key, value in values.items() if value}


def describe_filters(filters: AuditFilters) -> str:
    """The search in words, for the security log."""
    query = filters.as_query()
    return ", ".join(f"{key} {value}" for key, value in query.items()) or "alles"


def read_filters(data: Mapping[str, Any]) -> tuple[AuditFilters, dict[str, str]]:
    """The search form's query parameters, checked; returns the filters and a Dutch message per bad field."""
    errors = FieldErrors()
    person = read_text(data, "persoon", errors, label="een naam of e-mailadres", required=False, max_length=200)
    table = data.get("tabel") or ""
    if not isinstance(table, str) or (table and table not in dict(audited_tables())):
        errors.add("tabel", "Kies een soort gegeven uit de lijst.")
        table = ""
    record_id = read_text(data, "record", errors, label="een record-id", required=False, max_length=64)
    date_from = _read_day(data, "van", errors, label="de begindatum")
    date_to = _read_day(data, "tot", errors, label="de einddatum")
    if date_from and date_to and date_to < date_from:
        errors.add("tot", "De einddatum ligt voor de begindatum.")
    page = data.get("pagina")
    # A page number is no field of the form: a broken one (an edited link) simply shows the first page.
    page_number = int(page) if isinstance(page, str) and re.fullmatch(r"[1-9][0-9]{0,4}", page) else 1
    filters = AuditFilters(
        person=person or "",
        table=table,
        record_id=record_id or "",
        date_from=date_from,
        date_to=date_to,
        page=page_number,
    )
    return filters, errors.errors


def _read_day(
    data: Mapping[str, Any], field: str, errors: FieldErrors, *, label: str, earliest_year: int = 2000
) -> date | None:
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    parsed = parse_date(value)
    if parsed is None or not earliest_year <= parsed.year <= 2999:
        errors.add(field, f"{label.capitalize()} is geen geldige datum. Gebruik bijvoorbeeld 2026-09-01.")
        return None
    return parsed


def _start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=AMSTERDAM)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class AuditPage:
    events: Sequence[AuditEvent]
    page: int
    has_previous: bool
    has_next: bool


async def search_audit(
    db: AsyncSession,
    actor: Actor,
    *,
    person: str = "",
    table: str = "",
    record_id: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    page: int = 1,
) -> AuditPage:
    """The audit events that match every given filter, newest first, 50 per page; beheerder only."""
    if not actor.is_admin:
        raise Forbidden
    statement = select(AuditEvent)
    if person:
        matches = [AuditEvent.actor_label.ilike(f"%{_escape_like(person)}%", escape="\\")]
        with contextlib.suppress(ValueError):
            matches.append(AuditEvent.actor_id == UUID(person))
        statement = statement.where(or_(*matches))
    if table:
        statement = statement.where(AuditEvent.table_name == table)
    if record_id:
        statement = statement.where(AuditEvent.record_id == record_id)
    if date_from:
        statement = statement.where(AuditEvent.at >= _start_of_day(date_from))
    if date_to:
        # Inclusive: everything before the start of the next day in Amsterdam.
        statement = statement.where(AuditEvent.at < _start_of_day(date_to + timedelta(days=1)))
    page = max(page, 1)
    statement = (
        statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    rows = (await db.scalars(statement)).all()
    return AuditPage(events=rows[:PAGE_SIZE], page=page, has_previous=page > 1, has_next=len(rows) > PAGE_SIZE)


# --- showing a change ---------------------------------------------------------------------------


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)?")


def _shown(value: Any) -> str:
    """A recorded value as a beheerder reads it: ja/nee, Dutch dates, times in Amsterdam."""
    if value is None:
        return "(leeg)"
    if value is True:
        return "ja"
    if value is False:
        return "nee"
    if isinstance(value, list):
        return ", ".join(_shown(item) for item in value) or "(leeg)"
    text = str(value)
    with contextlib.suppress(ValueError):
        if _ISO_TIMESTAMP.fullmatch(text):
            moment = datetime.fromisoformat(text)
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            return format_datetime(moment, "d MMM y, HH:mm:ss", tzinfo=AMSTERDAM, locale="nl_NL")
        if _ISO_DATE.fullmatch(text):
            return format_date(date.fromisoformat(text), "EEEE d MMMM y", locale="nl_NL")
    return text


@dataclass(frozen=True)
class ShownChange:
    field: str
    old: str | None
    new: str | None
    hidden: bool = False


# Fields whose stored codes have a Dutch name (in any table, or in one table).
_VALUE_NAMES_NL: dict[str, Mapping[str, str]] = {
    "weekday": WEEKDAY_NAMES_NL,
    "weekdays": WEEKDAY_NAMES_NL,
    "requested_weekdays": WEEKDAY_NAMES_NL,
    "role": ROLE_NAMES_NL,
    "type": ORGANISATION_TYPES_NL,
    "source": ORGANISATION_TYPES_NL,
    "urgency": {urgency.value: urgency.label for urgency in Urgency},
    "absence_reason": attendance_rules.ABSENCE_REASON_NAMES_NL,
    "outcome": progress_rules.OUTCOME_NAMES_NL,
    "end_reason_code": referral_rules.CLOSE_REASONS,
}
_TABLE_VALUE_NAMES_NL: dict[tuple[str, str], Mapping[str, str]] = {
    ("referrals", "status"): {str(key): name for key, name in referral_rules.STATUS_NAMES_NL.items()},
    ("attendance", "status"): attendance_rules.STATUS_NAMES_NL,
    ("goals", "status"): progress_rules.GOAL_STATUS_NAMES_NL,
    ("concerns", "status"): attendance_rules.CONCERN_STATUS_NAMES_NL,
    ("concerns", "kind"): attendance_rules.CONCERN_KIND_NAMES_NL,
    ("offers", "status"): {"open": "open", "accepted": "geaccepteerd", "declined": "afgeslagen", "expired": "verlopen"},
}


def shown_value(table_name: str, key: str, raw: Any) -> str:
    """A stored value as a person reads it: coded values by their Dutch name, dates and times in Dutch."""
    names = _TABLE_VALUE_NAMES_NL.get((table_name, key)) or _VALUE_NAMES_NL.get(key, {})
    if isinstance(raw, list):
        return ", ".join(shown_value(table_name, key, item) for item in raw) or "(leeg)"
    return names.get(raw, _shown(raw)) if isinstance(raw, str) else _shown(raw)


def shown_changes(event: AuditEvent, *, hide_child_values: bool = False) -> list[ShownChange]:
    """The event's changed fields in Dutch: old and new value (masked values stay •••). With
    ``hide_child_values`` (the beheerder), a row of a child's dossier shows which fields changed, not their values."""
    shown: list[ShownChange] = []
    hidden = hide_child_values and event.table_name in CHILD_TABLES
    for key, value in (event.changes or {}).items():
        label = FIELD_LABELS_NL.get(key, key.replace("_", " "))
        if hidden:
            shown.append(ShownChange(label, None, None, hidden=True))
            continue
        names = _TABLE_VALUE_NAMES_NL.get((event.table_name, key)) or _VALUE_NAMES_NL.get(key, {})

        def show(raw: Any, names: Mapping[str, str] = names) -> str:
            if isinstance(raw, list):
                return ", ".join(show(item) for item in raw) or "(leeg)"
            return names.get(raw, _shown(raw)) if isinstance(raw, str) else _shown(raw)

        if isinstance(value, list) and len(value) == 2:
            old, new = value
            if event.action == "insert":
                shown.append(ShownChange(label, None, show(new)))
            elif event.action == "delete":
                shown.append(ShownChange(label, show(old), None))
            else:
                shown.append(ShownChange(label, show(old), show(new)))
        else:
            shown.append(ShownChange(label, None, show(value)))
    return shown
