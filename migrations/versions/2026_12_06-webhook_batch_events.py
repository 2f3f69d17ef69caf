"""webhook batches name the events they carry, so that a change's later events (written
by a job its request queued) are sent rather than taken as carried

Revision ID: 5b1f0c7e9a24
Revises: 83e3a5c7f120
Create Date: 2026-12-06 01:50:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '5b1f0c7e9a24'
down_revision: str | None = '83e3a5c7f120'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A batch that rebuilds a SQLite table must keep its AUTOINCREMENT (see env.py).
IDS_NEVER_REUSED = {'sqlite_autoincrement': True}


def upgrade() -> None:
    with op.batch_alter_table('webhook_messages', schema=None, table_kwargs=IDS_NEVER_REUSED) as batch_op:
        batch_op.add_column(sa.Column('carried_event_ids', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('webhook_messages', schema=None, table_kwargs=IDS_NEVER_REUSED) as batch_op:
        batch_op.drop_column('carried_event_ids')
