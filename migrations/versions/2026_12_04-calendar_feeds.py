"""calendar feeds: secret iCalendar URLs of an analyst's or a team's schedule, stored as
a SHA-256 of their token, revocable

Revision ID: c14b2c44d1a3
Revises: 0e72876043f6
Create Date: 2026-12-04 15:41:39.717755+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c14b2c44d1a3'
down_revision: str | None = '0e72876043f6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('calendar_feeds',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('org_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('analyst_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('team_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('token_prefix', sa.String(length=8), nullable=False),
    sa.Column('created_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_fetched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(analyst_id IS NULL AND team_id IS NOT NULL) OR (analyst_id IS NOT NULL AND team_id IS NULL)', name=op.f('ck_calendar_feeds_one_subject')),
    sa.ForeignKeyConstraint(['analyst_id'], ['analysts.id'], name=op.f('fk_calendar_feeds_analyst_id_analysts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_calendar_feeds_created_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_calendar_feeds_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_calendar_feeds_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feeds_token_hash')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('calendar_feeds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_feeds_analyst_id'), ['analyst_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calendar_feeds_created_by_user_id'), ['created_by_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calendar_feeds_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calendar_feeds_team_id'), ['team_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('calendar_feeds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_feeds_team_id'))
        batch_op.drop_index(batch_op.f('ix_calendar_feeds_org_id'))
        batch_op.drop_index(batch_op.f('ix_calendar_feeds_created_by_user_id'))
        batch_op.drop_index(batch_op.f('ix_calendar_feeds_analyst_id'))

    op.drop_table('calendar_feeds')
