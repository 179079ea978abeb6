"""One place that turns errors into answers: JSON for /api, a page (or the login page) for the web."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import quote, urlencode

from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.response import Redirect
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import DataError, OperationalError

from huiskamer.auth.middleware import SessionEnded
from huiskamer.errors import BUSY, Conflict, DomainError, InvalidInput
from huiskamer.site.security import malformed_path
from huiskamer.site.templating import page

logger = logging.getLogger("huiskamer")

_TITLES = {
    400: "Dit verzoek klopt niet",
    401: "Log in om verder te gaan",
    403: "Geen toegang",
    404: "Pagina niet gevonden",
    405: "Dit kan hier niet",
    409: "Dit kan nu niet",
    413: "Te veel gegevens",
    422: "Controleer de gegevens",
    429: "Even wachten",
    500: "Er ging iets mis",
}
_MESSAGES = {
    400: "Het verzoek kon niet worden gelezen. Probeer het opnieuw.",
    403: "U heeft geen toegang tot deze pagina.",
    404: "Deze pagina bestaat niet, of u heeft er geen toegang toe.",
    405: "Deze handeling is op deze pagina niet mogelijk.",
    413: "U stuurde meer gegevens dan dit formulier aankan.",
    429: "U heeft dit te vaak geprobeerd. Wacht even en probeer het dan opnieuw.",
    500: "Er ging iets mis aan onze kant. Uw gegevens zijn niet opgeslagen; probeer het opnieuw.",
}


def _is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/")


def api_error(status_code: int, detail: str, errors: dict[str, str] | None = None) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {"detail": detail}
    if errors is not None:
        body["errors"] = [{"field": field, "message": message} for field, message in errors.items()]
    return Response(body, status_code=status_code, media_type=MediaType.JSON)


def error_page(request: Request[Any, Any, Any], status_code: int, message: str | None = None) -> Response[Any]:
    return page(
        request,
        "error.html",
        status_code=status_code,
        title=_TITLES.get(status_code, "Er ging iets mis"),
        message=message or _MESSAGES.get(status_code, _MESSAGES[500]),
    )


def _status_of(exc: Exception) -> int:
    if isinstance(exc, DataError):
        # A value the database cannot hold (a NUL character, a number out of range) that slipped past the
        # validation: bad input, not a server fault. Logged as a warning so that the gap gets closed.
        return 400
    if isinstance(exc, DomainError):
        return exc.status_code
    if isinstance(exc, HTTPException):
        return exc.status_code
    return HTTP_500_INTERNAL_SERVER_ERROR


# An invitation link sets a password: its token is a secret, never to be written to a log (ASVS 14.2.1).
_SECRET_IN_PATH = re.compile(r"(/uitnodiging/)[^/?#\s\"]+")


def loggable(text: str) -> str:
    """What a request controls, made safe for one log line: secrets in paths hidden, line breaks and other control
    characters escaped, so that a crafted path cannot forge a line of its own (ASVS 16.4.1)."""
    text = _SECRET_IN_PATH.sub(r"\1…", text)
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class SafeAccessLog(logging.Filter):
    """On uvicorn's access log: the request line made ``loggable`` (its path is the third argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], loggable(args[2]), *args[3:])
        return True


def install_safe_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, SafeAccessLog) for f in access.filters):
        access.addFilter(SafeAccessLog())


# What the databases say when a write waited for a lock longer than they allow (SQLite's busy timeout; PostgreSQL's
# lock_timeout where one is set): nothing was saved and trying again a moment later works, so it is a 409 with that
# advice, not a 500.
_BUSY_DATABASE = ("database is locked", "database table is locked", "lock timeout", "LockNotAvailable")


def busy_database(exc: Exception) -> Conflict | None:
    if isinstance(exc, OperationalError) and any(words in str(exc) for words in _BUSY_DATABASE):
        return Conflict(BUSY)
    return None


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    exc = busy_database(exc) or exc
    if isinstance(exc, (NotFoundException, MethodNotAllowedException)):
        exc = malformed_path(request.scope.get("path", "")) or exc  # the router found no route for such a path
    response = _answer(request, exc)
    if isinstance(exc, HTTPException) and exc.headers:
        # Litestar's 405 names the methods that are allowed (RFC 9110): keep that on our own answer.
        for name, value in exc.headers.items():
            response.headers.setdefault(name, value)
    return response


def _answer(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    status_code = _status_of(exc)
    where = loggable(f"{request.method} {request.scope.get('path', '')}")
    if isinstance(exc, DataError):
        logger.warning("Ongeldige waarde voor de database bij %s: %s", where, loggable(str(exc)))
    if status_code >= 500:
        logger.exception("Onverwachte fout bij %s", where, exc_info=exc)
    if _is_api(request):
        if isinstance(exc, InvalidInput):
            return api_error(exc.status_code, exc.message, exc.errors)
        if isinstance(exc, NotAuthorizedException):
            response = api_error(401, "Geen of een ongeldig token.")
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        if isinstance(exc, ValidationException):
            return api_error(400, "Het verzoek kon niet worden gelezen: stuur geldige JSON.", {})
        if isinstance(exc, DomainError):
            # A conflict may name its fields too (a taken e-mail beside the other messages of one round).
            field_errors = getattr(exc, "errors", None)
            return api_error(status_code, exc.message, field_errors if isinstance(field_errors, dict) else None)
        if isinstance(exc, NotFoundException):
            return api_error(404, "Niet gevonden.")
        if isinstance(exc, PermissionDeniedException):
            return api_error(403, "U heeft hiervoor geen toegang.")
        return api_error(status_code, _MESSAGES.get(status_code, _MESSAGES[500]))
    if isinstance(exc, SessionEnded):
        url = "/inloggen?" + urlencode({"volgende": exc.back_to, "formulier": str(exc.kept_form)})
        if request.headers.get("hx-request"):
            return Response(content=None, status_code=204, headers={"HX-Redirect": url})
        return Redirect(url, status_code=303)  # type: ignore[return-value]
    if isinstance(exc, NotAuthorizedException):
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        login = "/inloggen/tweede-stap" if request.scope.get("second_step") else "/inloggen"
        url = login if target in ("/", "") else f"{login}?volgende={quote(target, safe='')}"
        if request.headers.get("hx-request"):
            return Response(content=None, status_code=204, headers={"HX-Redirect": url})
        return Redirect(url, status_code=303)  # type: ignore[return-value]
    message = exc.message if isinstance(exc, DomainError) else None
    if "user" not in request.scope:
        return _ErrorPageOfUnmatchedPath(status_code, message)
    return error_page(request, status_code, message)


class _ErrorPageOfUnmatchedPath(Response[Any]):
    """The error page of a path or method no route matched (404, 405): the router answered before the
    authentication middleware ran, so the session is looked up here, and someone logged in sees their own header
    and menu instead of a logged-out page. (An exception handler is synchronous; its response is sent
    asynchronously, so the lookup happens there.)"""

    def __init__(self, status_code: int, message: str | None) -> None:
        super().__init__(content=None, status_code=status_code)
        self.message = message

    def to_asgi_response(self, app: Any, request: Request[Any, Any, Any], **kwargs: Any) -> Any:  # type: ignore[override]
        async def send_page(scope: Any, receive: Any, send: Any) -> None:
            scope["user"] = await _actor_of_session(scope)
            answer = error_page(request, self.status_code, self.message)
            for name, value in self.headers.items():
                answer.headers.setdefault(name, value)
            await answer.to_asgi_response(app=app, request=request, **kwargs)(scope, receive, send)

        return send_page


async def _actor_of_session(scope: Any) -> Any:
    """The actor of the browser session, as the authentication middleware finds it; nobody while the second
    factor is still to come, or when the lookup fails (an error page must never fail itself)."""
    from huiskamer.auth import service as auth_service  # the service imports the site's helpers
    from huiskamer.auth.middleware import SESSION_COOKIE

    state = scope["app"].state
    settings = state["huiskamer_settings"]
    raw = Request(scope).cookies.get(settings.cookie_name(SESSION_COOKIE))
    if not raw:
        return None
    try:
        db = state["huiskamer_alchemy"].provide_session(state, scope)
        found = await auth_service.find_session(db, settings, raw)
    except Exception:  # an error page that fails would show the browser's bare error instead
        logger.warning("Sessie niet gevonden voor de foutpagina", exc_info=True)
        return None
    return found.actor if found is not None and not found.pending else None
