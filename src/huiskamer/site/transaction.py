"""The end of a request's database transaction, as the SQLAlchemy plugin's before-send handler."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from advanced_alchemy.extensions.litestar._utils import delete_aa_scope_state, get_aa_scope_state
from advanced_alchemy.extensions.litestar.plugins.init.config.common import SESSION_TERMINUS_ASGI_EVENTS
from litestar.constants import HTTP_RESPONSE_START
from litestar.types import Message, Scope
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.audit.access import note_route
from huiskamer.audit.hook import commit_writes, write_pending_views
from huiskamer.db import commit_in_turn

logger = logging.getLogger("huiskamer.db")


def request_transaction_handler(session_scope_key: str) -> Callable[[Message, Scope], Awaitable[None]]:
    """The handler for the sessions of one SQLAlchemy configuration (advanced-alchemy gives each configuration in a
    process a key of its own: the tests build an app per test)."""

    async def handler(message: Message, scope: Scope) -> None:
        await end_request_transaction(message, scope, session_scope_key)

    return handler


async def end_request_transaction(message: Message, scope: Scope, session_scope_key: str) -> None:
    """The request's transaction ends when the answer starts: committed for a 2xx or 3xx (a POST answered with a
    303 must commit too: the known advanced-alchemy trap), rolled back otherwise. Then the views of dossiers that
    this did not commit are written in a short transaction of their own (``audit.access``), and the
    session is closed. A failing commit is logged as a warning (advanced-alchemy's handler logs it at debug)."""
    session: AsyncSession | None = get_aa_scope_state(scope, session_scope_key)
    if session is None:
        return
    try:
        if message["type"] == HTTP_RESPONSE_START:
            note_route(session, scope, message["status"])
            try:
                if 200 <= message["status"] < 400:
                    await commit_in_turn(session, writes=commit_writes(session.sync_session))
                else:
                    await session.rollback()
            except Exception:
                logger.warning("De transactie van het verzoek is niet vastgelegd", exc_info=True)
                await session.rollback()
            await write_pending_views(session)
    except Exception:  # the answer goes out regardless; what was lost is in the log
        logger.exception("Het vastleggen van een inzage is mislukt")
    finally:
        if message["type"] in SESSION_TERMINUS_ASGI_EVENTS:
            try:
                await session.close()
            finally:
                delete_aa_scope_state(scope, session_scope_key)
