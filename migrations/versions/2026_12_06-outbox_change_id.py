"""outbox events name the transaction that wrote them: a change's events go out together
by it, not by the request id (a job runs under its request's id, and a client may send one
X-Request-ID twice)

Revision ID: 9d4e2b7c1a60
Revises: 5b1f0c7e9a24
Create Date: 2026-12-06 04:20:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '9d4e2b7c1a60'
down_revision: str | None = '5b1f0c7e9a24'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A batch that rebuilds a SQLite table must keep its AUTOINCREMENT (see env.py).
IDS_NEVER_REUSED = {'sqlite_autoincrement': True}


def upgrade() -> None:
    with op.batch_alter_table('outbox_events', schema=None, table_kwargs=IDS_NEVER_REUSED) as batch_op:
        batch_op.add_column(sa.Column('change_id', sa.String(length=128), nullable=True))
    # Events written before go together as they did: by their request.
    op.execute("UPDATE outbox_events SET change_id = request_id")


def downgrade() -> None:
    with op.batch_alter_table('outbox_events', schema=None, table_kwargs=IDS_NEVER_REUSED) as batch_op:
        batch_op.drop_column('change_id')
