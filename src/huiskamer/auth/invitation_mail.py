"""The invitation by e-mail: the one-time link to set a password, queued in the outbox in the caller's transaction.

The mail holds the user's own name, the organisation's name and the link: nothing about any child (a mailbox is
outside the organisation)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth.models import User
from huiskamer.config import Settings
from huiskamer.mail.service import enqueue

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

FIRST_SUBJECT = "Uw account voor Huiskamer"
AGAIN_SUBJECT = "Nieuwe link voor uw wachtwoord in Huiskamer"
FIRST_INTRO = "{who} een account voor u gemaakt in Huiskamer, als {role}. Kies via deze link uw wachtwoord:"
AGAIN_INTRO = "Via deze link kiest u een nieuw wachtwoord voor uw account in Huiskamer{of}:"
BODY = """Beste {name},

{intro}

{url}

De link werkt één keer en is geldig tot {until}. Is hij verlopen, vraag dan de beheerder om een nieuwe.

Had u deze e-mail niet verwacht? Dan kunt u hem negeren; er gebeurt niets.
{signature}"""


def _until(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_datetime(moment, "d MMMM y 'om' HH:mm", tzinfo=AMSTERDAM, locale="nl_NL")


def invitation_text(settings: Settings, user: User, url: str, expires_at: datetime) -> tuple[str, str]:
    """The subject and body: the first invitation (no password yet) or a new link for one who has a password."""
    organisation = settings.organisation_name
    if user.password_hash is None:
        subject = FIRST_SUBJECT
        who = f"{organisation} heeft" if organisation else "Er is"
        intro = FIRST_INTRO.format(who=who, role=user.role_name)
    else:
        subject = AGAIN_SUBJECT
        intro = AGAIN_INTRO.format(of=f" van {organisation}" if organisation else "")
    signature = f"\nMet vriendelijke groet,\n{organisation}\n" if organisation else ""
    body = BODY.format(name=user.name, intro=intro, url=url, until=_until(expires_at), signature=signature)
    return subject, body


def queue_invitation(db: AsyncSession, settings: Settings, user: User, url: str, expires_at: datetime) -> str:
    """Puts the invitation in the outbox (sent only when the caller's transaction commits); returns the address."""
    subject, body = invitation_text(settings, user, url, expires_at)
    enqueue(db, user.email, subject, body)
    return user.email
