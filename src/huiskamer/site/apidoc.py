"""What the OpenAPI document says about an API operation beyond its signature: the body it reads, its answer and
every error answer it can give, with the shape that ``site.errors`` really sends.

The handlers read their bodies by hand (``deps.json_body`` and each part's ``parse_*``), so that every wrong field
gets its own Dutch message; a body type here only documents what they read. It is declared as a dependency that
is never resolved (no handler asks for it): Litestar documents a ``data`` parameter of a handler's dependencies
as the request body, with the same schema generation (and components) as for a real one.

    @post("/api/v1/referrals", **api_doc(ReferralOut, status=201, body=ReferralIn, errors=(403, 422)))
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import msgspec
from litestar.di import Provide
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Components, Operation, Schema, SecurityScheme
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import KwargDefinition as Doc

from huiskamer.site.deps import refuse_unknown_query

# --- shared value types ---------------------------------------------------------------------------------

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Role = Literal["admin", "coordinator", "youth_worker", "referrer"]
Source = Literal[
    "school", "ggd", "youth_mental_health", "police", "social_team", "guardian", "gp", "youth_care", "other"
]
ReferralStatus = Literal[
    "submitted",
    "in_review",
    "intake_planned",
    "intake_done",
    "waitlisted",
    "offered",
    "placed",
    "closed",
    "rejected",
    "withdrawn",
]
CloseReason = Literal[
    "goals_reached",
    "moved_to_bso",
    "referred_to_youth_care",
    "moved_house",
    "aged_out",
    "guardian_stopped",
    "no_contact",
    "other",
]
RejectReason = Literal["outside_target_group", "outside_area", "needs_specialist_care", "no_consent", "duplicate"]

# Text as the readers of ``huiskamer.validation`` take it: no control characters but tab and line breaks (they
# are refused), surrounding white space dropped. ``Text`` must hold more than white space.
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_TEXT_PATTERN = rf"^[^{_CONTROL}]*[^{_CONTROL}\s][^{_CONTROL}]*$"
_OPTIONAL_TEXT_PATTERN = rf"^[^{_CONTROL}]*$"


def text(max_length: int, description: str | None = None) -> Any:
    """A required text field of at most ``max_length`` characters (not only white space)."""
    return Annotated[str, Doc(min_length=1, max_length=max_length, pattern=_TEXT_PATTERN, description=description)]


def optional_text(max_length: int, description: str | None = None) -> Any:
    """A text field that may be empty (or null, or left out)."""
    return Annotated[str, Doc(max_length=max_length, pattern=_OPTIONAL_TEXT_PATTERN, description=description)]


# What ``read_email`` takes, as far as a pattern can say it (the address is checked by email-validator).
EMAIL_PATTERN = (
    r"^[A-Za-z0-9]{1,20}([._+-][A-Za-z0-9]{1,20}){0,3}"
    r"@[A-Za-z0-9]{1,30}(-[A-Za-z0-9]{1,30})?(\.[A-Za-z0-9]{1,30}(-[A-Za-z0-9]{1,30})?){0,2}\.[A-Za-z]{2,24}$"
)
Email = Annotated[str, Doc(max_length=254, pattern=EMAIL_PATTERN, description="Een e-mailadres.")]


# --- the error shape (site.errors.api_error) ------------------------------------------------------------


class FieldError(msgspec.Struct):
    """One wrong field: a dotted path (``child.date_of_birth``; empty for the body as a whole) and a Dutch message."""

    field: str
    message: str


class ApiError(msgspec.Struct, kw_only=True):
    """Every error answer of the API: a message, and for bad input one entry per wrong field."""

    detail: str
    errors: list[FieldError] = []


ERRORS: dict[int, str] = {
    400: "Het verzoek kon niet worden gelezen: geen UTF-8, geen JSON, JSON dieper genest dan 32 niveaus, of een "
    "ongeldig teken in het adres.",
    401: "Geen token, of een onbekend, verlopen of ingetrokken token.",
    403: "Uw rol mag dit nooit.",
    404: "Bestaat niet, of valt buiten uw bereik (ook een id dat geen UUID is).",
    405: "Deze methode bestaat niet voor dit adres (de header Allow noemt die wel bestaan).",
    409: "De huidige toestand staat dit niet toe (of een plaats is al bezet); probeer het niet opnieuw zonder iets te "
    "veranderen.",
    413: "Te veel gegevens (meer dan 2 MiB).",
    422: "Ongeldige invoer: één Nederlandse melding per veld in errors.",
}
# Every operation can answer these: a request that cannot be read, no token, a method that does not exist, a query
# parameter it does not know (``deps.refuse_unknown_query``).
ALWAYS = (400, 401, 405, 422)
SUCCESS = {200: "Gelukt.", 201: "Aangemaakt.", 204: "Gelukt; geen inhoud."}


@dataclass
class ApiOperation(Operation):
    """An operation of the API as documented: an optional query parameter is a plain value that may be left out
    (Litestar writes ``str | None`` as "a string or null", which a query string cannot say)."""

    def __post_init__(self) -> None:
        for parameter in self.parameters or []:
            schema = getattr(parameter, "schema", None)
            if getattr(parameter, "param_in", None) != "query" or not isinstance(schema, Schema) or not schema.one_of:
                continue
            kept = [s for s in schema.one_of if not (isinstance(s, Schema) and s.type == OpenAPIType.NULL)]
            if len(kept) == 1 and isinstance(kept[0], Schema):
                plain = kept[0]
                schema.one_of = None
                schema.type = plain.type
                schema.format = schema.format or plain.format


def _documents_body(body: type) -> Provide:
    def provide(data: Any) -> None:  # pragma: no cover - never resolved: no handler asks for it
        return None

    provide.__annotations__ = {"data": body, "return": None}
    return Provide(provide, sync_to_thread=False)


def api_doc(
    answer: Any = None,
    *,
    status: int = 200,
    body: type | None = None,
    errors: Iterable[int] = (),
    also: dict[int, Any] | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """Keyword arguments for an API route decorator: ``status_code``, ``responses`` (the answer with ``status``, the
    ``also`` answers, the error answers of ``ALWAYS`` and ``errors``), the documented ``body``, and the hook that
    refuses query parameters the operation does not declare (what the document says is what is accepted)."""
    responses: dict[int, ResponseSpec] = {}
    for code, shape in {status: answer, **(also or {})}.items():
        responses[code] = ResponseSpec(
            shape, generate_examples=False, description=description or SUCCESS.get(code, "Gelukt.")
        )
    if body is not None:
        errors = (*errors, 413)
    for code in sorted({*ALWAYS, *errors}):
        responses[code] = ResponseSpec(ApiError, generate_examples=False, description=ERRORS[code])
    kwargs: dict[str, Any] = {
        # The rules a body's schema cannot state (its docstring) are the operation's description.
        "description": inspect.cleandoc(body.__doc__) if body is not None and body.__doc__ else None,
        "status_code": status,
        "responses": responses,
        "operation_class": ApiOperation,
        "before_request": refuse_unknown_query,
    }
    if body is not None:
        kwargs["dependencies"] = {"documented_body": _documents_body(body)}
    return kwargs


# --- the document as a whole ----------------------------------------------------------------------------

BEARER = "BearerToken"
SECURITY_COMPONENTS = Components(
    security_schemes={
        BEARER: SecurityScheme(
            type="http",
            scheme="bearer",
            description="Een API-sleutel: `huiskamer token create --email E`, of Account → API-sleutels.",
        )
    }
)
SECURITY: list[dict[str, list[str]]] = [{BEARER: []}]


def query(
    description: str,
    *,
    enum: Iterable[str] | None = None,
    format: str | None = None,
    pattern: str | None = None,
    empty_is_absent: bool = True,
    required: bool = False,
) -> Any:
    """A query parameter as the document shows it (the handler still reads and checks it by hand). Most of ours
    take an empty value (``?status=``) as if the parameter were left out; ``empty_is_absent`` says so."""
    from litestar.params import Parameter

    extra: dict[str, Any] = {}
    if enum is not None:
        extra["enum"] = [*([""] if empty_is_absent else []), *enum]
    elif format is not None:
        extra["anyOf"] = [{"format": format}, {"maxLength": 0}] if empty_is_absent else None
        extra = {k: v for k, v in extra.items() if v is not None} or {"format": format}
    elif pattern is not None:
        extra["pattern"] = f"^$|{pattern}" if empty_is_absent else pattern
    return Parameter(description=description, required=required, schema_extra=extra or None)


def path_date(description: str = "Een datum, JJJJ-MM-DD.") -> Any:
    """A date in the path, read by hand (a date that is none answers 422 with a Dutch message, not 404)."""
    from litestar.params import Parameter

    return Parameter(description=description, schema_extra={"format": "date"})
