"""Jinja2 set-up: Dutch dates, the page helper that adds the actor and flash messages."""

from __future__ import annotations

import base64
import functools
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from jinja2 import Environment
from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template import TemplateConfig
from markupsafe import Markup

from huiskamer.auth.models import ORGANISATION_TYPES_NL, ROLE_NAMES_NL
from huiskamer.config import Settings
from huiskamer.referrals.rules import STATUS_NAMES_NL
from huiskamer.validation import WEEKDAY_NAMES_NL, WEEKDAYS

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def today() -> date:
    """Today in Europe/Amsterdam."""
    return datetime.now(AMSTERDAM).date()


def dutch_date(value: date | datetime | None, fmt: str = "EEEE d MMMM y") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(AMSTERDAM).date()
    return _formatted_date(value, fmt)


@functools.lru_cache(maxsize=8192)
def _formatted_date(value: date, fmt: str) -> str:
    # Babel parses the pattern and looks up the locale at every call (about 30 µs); a waitlist shows a date in each
    # of its hundreds of rows, and the same few hundred dates come back on every page.
    return format_date(value, fmt, locale="nl_NL")


def dutch_datetime(value: datetime | None, fmt: str = "d MMMM y 'om' HH:mm") -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return format_datetime(value, fmt, tzinfo=AMSTERDAM, locale="nl_NL")


def short_id(value: UUID) -> str:
    """A UUID in 22 characters (base64url) instead of 36: the day list names each child in many attributes."""
    return base64.urlsafe_b64encode(value.bytes).rstrip(b"=").decode()


@functools.lru_cache(maxsize=256)
def _short_days(days: tuple[str, ...]) -> Markup:
    names = [WEEKDAY_NAMES_NL[day] for day in WEEKDAYS if day in days]
    return Markup(", ").join(
        Markup('<abbr title="') + name + Markup('">') + name[:2] + Markup("</abbr>") for name in names
    )


def short_days(days: Any) -> Markup:
    """Weekdays in week order as short Dutch abbreviations ("ma, di, do") that say the whole name to a screen
    reader. Python, not a macro: a waitlist shows it in each of its hundreds of rows."""
    return _short_days(tuple(days or ()))


URGENCY_BADGES = {"high": "badge-warn", "elevated": "badge-info"}


@functools.lru_cache(maxsize=64)
def urgency_badge(code: str, label: str) -> Markup:
    """An intake's urgency as a badge: high stands out, elevated less, normal not."""
    badge = URGENCY_BADGES.get(code, "badge-off")
    return Markup('<span class="badge ') + badge + Markup('">') + label + Markup("</span>")


def _register(environment: Environment) -> None:
    environment.filters["kort_id"] = short_id
    environment.filters["datum"] = dutch_date
    environment.filters["datumtijd"] = dutch_datetime
    environment.filters["weekdag"] = lambda code: WEEKDAY_NAMES_NL.get(code, code)
    environment.filters["rol"] = lambda code: ROLE_NAMES_NL.get(code, code)
    environment.filters["organisatietype"] = lambda code: ORGANISATION_TYPES_NL.get(code, code)
    environment.globals["short_days"] = short_days
    environment.globals["urgency_badge"] = urgency_badge
    environment.globals["WEEKDAYS"] = WEEKDAYS
    environment.globals["WEEKDAY_NAMES_NL"] = WEEKDAY_NAMES_NL
    environment.globals["ROLE_NAMES_NL"] = ROLE_NAMES_NL
    environment.globals["ORGANISATION_TYPES_NL"] = ORGANISATION_TYPES_NL
    environment.globals["today"] = today
    environment.filters["status"] = lambda code: STATUS_NAMES_NL.get(code, code)
    environment.globals["STATUS_NAMES_NL"] = STATUS_NAMES_NL


def template_config(settings: Settings) -> TemplateConfig[JinjaTemplateEngine]:
    config = TemplateConfig(directory=settings.templates_dir, engine=JinjaTemplateEngine)

    def configure(engine: JinjaTemplateEngine) -> None:
        _register(engine.engine)
        engine.engine.globals["SESSION_IDLE_SECONDS"] = settings.session_idle_seconds

    config.engine_callback = configure  # type: ignore[assignment]
    return config


def page(
    request: Request[Any, Any, Any],
    template_name: str,
    *,
    status_code: int = 200,
    flash: list[dict[str, str]] | None = None,
    **context: Any,
) -> Template:
    """A full page (or an htmx partial) with who is asking and the messages waiting for them."""
    context.setdefault("actor", request.scope.get("user"))
    context["flash_messages"] = flash if flash is not None else request.scope.get("flash", [])
    return Template(
        template_name=template_name,
        context=context,
        status_code=status_code,
        headers={"Vary": "HX-Request", "Cache-Control": "no-store"},
    )
