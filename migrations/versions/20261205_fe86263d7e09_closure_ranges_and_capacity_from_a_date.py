"""closure ranges and capacity from a date

Revision ID: fe86263d7e09
Revises: a46bf93f82e2
Create Date: 2026-12-05 23:41:15.627060+00:00
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op


revision: str = 'fe86263d7e09'
down_revision: str | None = 'a46bf93f82e2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A closure becomes a range: every existing closure day is a one-day range (last day = first day).
    with op.batch_alter_table('closure_days', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_day', sa.Date(), nullable=True))
    op.execute('UPDATE closure_days SET last_day = day')
    with op.batch_alter_table('closure_days', schema=None) as batch_op:
        batch_op.alter_column('last_day', existing_type=sa.Date(), nullable=False)
        batch_op.create_check_constraint(op.f('ck_closure_days_range_order'), 'last_day >= day')

    # Capacity gets a date from which it counts; the capacities there are count from the start.
    with op.batch_alter_table('location_capacities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_from', sa.Date(), server_default='2000-01-01', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_location_capacities_location_id'), type_='unique')
        batch_op.create_unique_constraint('uq_location_capacities_valid_from', ['location_id', 'weekday', 'valid_from'])


def downgrade() -> None:
    # Back to one capacity per weekday (the earliest) and one closure day per range (its first day).
    op.execute(
        'DELETE FROM location_capacities WHERE valid_from > (SELECT min(c.valid_from) FROM location_capacities c '
        'WHERE c.location_id = location_capacities.location_id AND c.weekday = location_capacities.weekday)'
    )
    with op.batch_alter_table('location_capacities', schema=None) as batch_op:
        batch_op.drop_constraint('uq_location_capacities_valid_from', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_location_capacities_location_id'), ['location_id', 'weekday'])
        batch_op.drop_column('valid_from')

    with op.batch_alter_table('closure_days', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_closure_days_range_order'), type_='check')
        batch_op.drop_column('last_day')
