"""domain rules: absence versions, the four-eyes setting

Existing absences start at version 1, as new ones do; existing organizations get the
four-eyes rule switched on, the default for new ones.

Revision ID: d0a1b2c3d4e5
Revises: d10b2c15d125
Create Date: 2026-12-02 12:27:42.633428+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'd0a1b2c3d4e5'
down_revision: str | None = 'd10b2c15d125'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A batch that rebuilds a SQLite table must keep its AUTOINCREMENT (see env.py).
IDS_NEVER_REUSED = {'sqlite_autoincrement': True}


def upgrade() -> None:
    with op.batch_alter_table('absences', schema=None, table_kwargs=IDS_NEVER_REUSED) as batch_op:
        batch_op.add_column(
            sa.Column('version', sa.Integer(), nullable=False, server_default=sa.text('1'))
        )

    with op.batch_alter_table('organizations', schema=None, table_kwargs=IDS_NEVER_REUSED) as batch_op:
        batch_op.add_column(
            sa.Column('four_eyes', sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table('organizations', schema=None, table_kwargs=IDS_NEVER_REUSED) as batch_op:
        batch_op.drop_column('four_eyes')

    with op.batch_alter_table('absences', schema=None, table_kwargs=IDS_NEVER_REUSED) as batch_op:
        batch_op.drop_column('version')
