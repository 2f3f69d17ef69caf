"""webhook batches no longer list their events: a batch is one transaction's events
(outbox_events.change_id), all committed together, so the first event's batch carries
them all

Revision ID: 3e8a6c2f5b17
Revises: 9d4e2b7c1a60
Create Date: 2026-12-06 05:20:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '3e8a6c2f5b17'
down_revision: str | None = '9d4e2b7c1a60'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A batch that rebuilds a SQLite table must keep its AUTOINCREMENT (see env.py).
IDS_NEVER_REUSED = {'sqlite_autoincrement': True}


def upgrade() -> None:
    with op.batch_alter_table('webhook_messages', schema=None, table_kwargs=IDS_NEVER_REUSED) as batch_op:
        batch_op.drop_column('carried_event_ids')


def downgrade() -> None:
    with op.batch_alter_table('webhook_messages', schema=None, table_kwargs=IDS_NEVER_REUSED) as batch_op:
        batch_op.add_column(sa.Column('carried_event_ids', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True))
