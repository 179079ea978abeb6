"""sessions end when idle

A session's ``used_at`` is the last request, to the minute; a session unused for ``session_idle_seconds`` has ended
(``auth.service.find_session``). The sessions there are count from their start.

Revision ID: e4612930c46e
Revises: 1662856a3d48
Create Date: 2026-12-05 12:25:00.000000+00:00
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "e4612930c46e"
down_revision: str | None = "1662856a3d48"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOMENT = advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("used_at", MOMENT, nullable=True))
    sessions = sa.table("user_sessions", sa.column("used_at", MOMENT), sa.column("created_at", MOMENT))
    op.execute(sessions.update().values(used_at=sessions.c.created_at))
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.alter_column("used_at", existing_type=MOMENT, nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_column("used_at")
