"""CSRF tokens bound to the session (ASVS 3.5.1): Litestar's double-submit check, with the token's HMAC taken over
the session cookie as well. A token from before the log-in, from before the second factor, or of another session in
the same browser is not valid with this session; a page asked for with such a cookie gets a fresh token.

Litestar's own middleware signs the token with the app's secret only, so that a token planted before the log-in
(or left by the person before on a shared computer) stays valid after it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from contextvars import ContextVar
from typing import Any

from litestar.config.csrf import CSRFConfig
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware._utils import should_bypass_middleware  # the very check Litestar's own CSRF uses
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.csrf import CSRF_SECRET_BYTES, CSRF_SECRET_LENGTH, CSRFMiddleware
from litestar.types import ASGIApp, HTTPSendMessage, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

_session_of_this_request: ContextVar[str] = ContextVar("huiskamer_csrf_session", default="")


class SessionBoundCSRFMiddleware(CSRFMiddleware):
    def __init__(self, app: ASGIApp, config: CSRFConfig, session_cookie: str) -> None:
        super().__init__(app, config)
        self.session_cookie = session_cookie

    def _key(self) -> bytes:
        return f"{self.config.secret}|{_session_of_this_request.get()}".encode()

    def _signature(self, random_part: str) -> str:
        return hmac.new(self._key(), random_part.encode(), hashlib.sha256).hexdigest()

    def _new_token(self) -> str:
        random_part = secrets.token_hex(CSRF_SECRET_BYTES)
        return random_part + self._signature(random_part)

    def _decode_csrf_token(self, token: str) -> str | None:
        if len(token) < CSRF_SECRET_LENGTH + 1:
            return None
        random_part, signature = token[:CSRF_SECRET_LENGTH], token[CSRF_SECRET_LENGTH:]
        return random_part if hmac.compare_digest(signature, self._signature(random_part)) else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or self._bypassed(scope):
            await self.app(scope, receive, send)
            return
        request: Any = scope["litestar_app"].request_class(scope=scope, receive=receive)
        session = request.cookies.get(self.session_cookie, "")
        _session_of_this_request.set(hashlib.sha256(session.encode()).hexdigest() if session else "")
        cookie = request.cookies.get(self.config.cookie_name)
        state = ScopeState.from_scope(scope)
        if request.method in self.config.safe_methods:
            valid = cookie is not None and self._decode_csrf_token(cookie) is not None
            token = state.csrf_token = cookie if valid else self._new_token()
            await self.app(scope, receive, self._setting_cookie(send, token) if not valid else send)
            return
        sent = request.headers.get(self.config.header_name)
        content_type, _ = request.content_type
        if not sent and content_type in {RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART}:
            sent = (await request.form()).get("_csrf_token")
        if isinstance(sent, str) and cookie is not None and self._csrf_tokens_match(sent, cookie):
            state.csrf_token = sent
            await self.app(scope, receive, send)
            return
        raise PermissionDeniedException("CSRF token verification failed")

    def _bypassed(self, scope: Scope) -> bool:
        return should_bypass_middleware(
            scope=scope,
            scopes=self.scopes,
            exclude_opt_key=self.config.exclude_from_csrf_key,
            exclude_path_pattern=self.exclude,
        )

    def _setting_cookie(self, send: Send, token: str) -> Send:
        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._add_cookie(message, token)
            await send(message)

        return send_wrapper

    def _add_cookie(self, message: HTTPSendMessage, token: str) -> None:
        message.setdefault("headers", [])
        cookie = Cookie(
            key=self.config.cookie_name,
            value=token,
            path=self.config.cookie_path,
            secure=self.config.cookie_secure,
            httponly=self.config.cookie_httponly,
            samesite=self.config.cookie_samesite,
            domain=self.config.cookie_domain,
        )
        MutableScopeHeaders.from_message(message).add("set-cookie", cookie.to_header(header=""))


def session_bound_csrf(config: CSRFConfig, session_cookie: str) -> DefineMiddleware:
    return DefineMiddleware(SessionBoundCSRFMiddleware, config=config, session_cookie=session_cookie)
