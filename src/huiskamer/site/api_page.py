"""The API's documentation for the beheerder, in Dutch, rendered here from the OpenAPI document itself (no script,
nothing from a CDN: the pages keep their strict Content-Security-Policy). Names of fields and values stay as the
contract spells them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Request, get
from litestar.response import Redirect, Template

from huiskamer.auth.guards import PUBLIC, require_admin
from huiskamer.site.templating import page

TAG_NAMES = {
    "account": "Account",
    "users": "Gebruikers",
    "locations": "Locaties",
    "referrals": "Aanmeldingen",
    "intake": "Intake",
    "waitlist": "Wachtlijst en voorstellen",
    "placements": "Aanbiedingen en plaatsingen",
    "attendance": "Aanwezigheid",
    "concerns": "Signalen",
    "progress": "Voortgang en evaluaties",
    "reports": "Rapportage",
}
FORMATS = {
    "uuid": "id (UUID)",
    "date": "datum (JJJJ-MM-DD)",
    "date-time": "tijdstip (RFC 3339)",
    "phone": "telefoonnummer",
}
TYPES = {"string": "tekst", "integer": "geheel getal", "number": "getal", "boolean": "true of false", "null": "null"}
PARAMETER_PLACES = {"path": "in het adres", "query": "in de query"}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool
    note: str = ""


@dataclass(frozen=True)
class Answer:
    status: str
    description: str
    type: str


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    anchor: str
    summary: str
    description: str
    parameters: list[Field]
    body: str | None
    answers: list[Answer]


@dataclass
class Section:
    tag: str
    title: str
    operations: list[Operation] = field(default_factory=list)


@dataclass(frozen=True)
class Shape:
    name: str
    description: str
    fields: list[Field]


def _ref_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def describe(schema: dict[str, Any] | None) -> str:
    """A schema in a few Dutch words; a named shape by its name (the page lists the shapes with their fields)."""
    if not schema:
        return "alles"
    if name := _ref_name(schema):
        return name
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            rest = {k: v for k, v in schema.items() if k not in (key, "description")}
            parts = [describe({**rest, **part}) for part in schema[key]]
            return " of ".join(dict.fromkeys(parts))
    if "const" in schema:
        return f"altijd {_value(schema['const'])}"
    if "enum" in schema:
        return "een van " + ", ".join(_value(v) for v in schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return " of ".join(describe({**schema, "type": k}) for k in kind)
    if kind == "array":
        text = "lijst van " + describe(schema.get("items"))
        return text + _bounds(schema, "minItems", "maxItems", "waarden")
    if kind == "object":
        extra = schema.get("additionalProperties")
        return "object met " + describe(extra) + " per sleutel" if isinstance(extra, dict) else "object"
    text = FORMATS.get(schema.get("format", ""), TYPES.get(kind or "", kind or "alles"))
    if kind == "string":
        text += _bounds(schema, "minLength", "maxLength", "tekens")
    if kind in ("integer", "number"):
        text += _bounds(schema, "minimum", "maximum", "")
    return text


def _value(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    return f"“{value}”" if value != "" else "“” (leeg: niet opgegeven)"


def _bounds(schema: dict[str, Any], low: str, high: str, unit: str) -> str:
    least, most = schema.get(low), schema.get(high)
    if low == "minimum" and least is None and isinstance(schema.get("exclusiveMinimum"), int):
        least = schema["exclusiveMinimum"] + 1
    suffix = f" {unit}" if unit else ""
    if least is not None and most is not None:
        return f" ({_number(least)} tot en met {_number(most)}{suffix})"
    if most is not None:
        return f" (hoogstens {_number(most)}{suffix})"
    if least is not None:
        return f" (minstens {_number(least)}{suffix})"
    return ""


def _number(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _fields(schema: dict[str, Any]) -> list[Field]:
    required = set(schema.get("required", []))
    return [
        Field(name, describe(sub), name in required, sub.get("description", ""))
        for name, sub in schema.get("properties", {}).items()
    ]


def _answer_type(response: dict[str, Any]) -> str:
    content = response.get("content") or {}
    media = content.get("application/json")
    return describe(media.get("schema")) if media else "geen inhoud"


def read_document(document: dict[str, Any]) -> tuple[list[Section], list[Shape]]:
    """The operations grouped by tag (in the order of ``TAG_NAMES``) and the named shapes, from an OpenAPI dict."""
    sections = {tag: Section(tag, title) for tag, title in TAG_NAMES.items()}
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            tag = (operation.get("tags") or ["api"])[0]
            section = sections.setdefault(tag, Section(tag, tag))
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            section.operations.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    anchor=operation.get("operationId", f"{method}-{path}"),
                    summary=operation.get("summary", ""),
                    description=operation.get("description") or "",
                    parameters=[
                        Field(
                            p["name"],
                            describe(p.get("schema")),
                            bool(p.get("required")),
                            " ".join(filter(None, [PARAMETER_PLACES.get(p["in"], p["in"]), p.get("description")])),
                        )
                        for p in operation.get("parameters", [])
                    ],
                    body=describe(body.get("schema")) if body else None,
                    answers=[
                        Answer(status, response.get("description", ""), _answer_type(response))
                        for status, response in sorted(operation.get("responses", {}).items())
                    ],
                )
            )
    shapes = [
        Shape(name, schema.get("description", ""), _fields(schema))
        for name, schema in sorted(document.get("components", {}).get("schemas", {}).items())
    ]
    return [section for section in sections.values() if section.operations], shapes


@get("/beheer/api", name="api_docs", guards=[require_admin], include_in_schema=False)
async def api_docs(request: Request[Any, Any, Any]) -> Template:
    document = request.app.openapi_schema.to_schema()
    sections, shapes = read_document(document)
    return page(
        request,
        "admin/api.html",
        title="API",
        info=document.get("info", {}),
        sections=sections,
        shapes=shapes,
        operation_count=sum(len(section.operations) for section in sections),
    )


# Litestar's documentation pages load their scripts from a CDN: not ours. Whoever looks for them finds ours.
@get(
    ["/schema/swagger", "/schema/redoc", "/schema/elements", "/schema/rapidoc", "/schema/stoplight"],
    name="api_docs_elsewhere",
    opt=PUBLIC,
    include_in_schema=False,
)
async def api_docs_elsewhere() -> Redirect:
    return Redirect("/beheer/api", status_code=303)


routes = [api_docs, api_docs_elsewhere]
