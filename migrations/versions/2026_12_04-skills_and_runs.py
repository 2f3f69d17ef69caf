"""skills and runs: a shift type's least and most days in a row, coverage requirements'
needs of single skills, and the skill an assignment covers

Existing rows get no limits, no skill needs and no skill: what they meant before.

Revision ID: 83e3a5c7f120
Revises: c14b2c44d1a3
Create Date: 2026-12-04 18:43:52.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '83e3a5c7f120'
down_revision: str | None = 'c14b2c44d1a3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A batch that rebuilds a SQLite table must keep its AUTOINCREMENT (see env.py).
IDS_NEVER_REUSED = {'sqlite_autoincrement': True}


def upgrade() -> None:
    with op.batch_alter_table('shift_types', schema=None, table_kwargs=IDS_NEVER_REUSED) as batch_op:
        batch_op.add_column(sa.Column('min_consecutive', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('max_consecutive', sa.Integer(), nullable=True))

    with op.batch_alter_table('coverage_requirements', schema=None, table_kwargs=IDS_NEVER_REUSED) as batch_op:
        batch_op.add_column(sa.Column('skills', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False, server_default=sa.text("'[]'")))

    with op.batch_alter_table('assignments', schema=None, table_kwargs=IDS_NEVER_REUSED) as batch_op:
        batch_op.add_column(sa.Column('skill', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('assignments', schema=None, table_kwargs=IDS_NEVER_REUSED) as batch_op:
        batch_op.drop_column('skill')

    with op.batch_alter_table('coverage_requirements', schema=None, table_kwargs=IDS_NEVER_REUSED) as batch_op:
        batch_op.drop_column('skills')

    with op.batch_alter_table('shift_types', schema=None, table_kwargs=IDS_NEVER_REUSED) as batch_op:
        batch_op.drop_column('max_consecutive')
        batch_op.drop_column('min_consecutive')
