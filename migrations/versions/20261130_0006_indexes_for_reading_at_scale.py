"""Indexes for reading at scale: a department's comments of a round; a group's waiting ballots.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

Reviewed: each new index starts with round_id, so it replaces the round_id index of its table. Plain
CREATE/DROP INDEX (no batch mode): SQLite would otherwise rebuild the WITHOUT ROWID tables. The index
on pending_ballots holds only the group's columns and the random key: no person, no time, no order.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_comments_round_target', 'comments', ['round_id', 'target_department_id'])
    op.drop_index('ix_comments_round_id', table_name='comments')
    op.create_index('ix_pending_ballots_group', 'pending_ballots',
                    ['round_id', 'rater_department_id', 'target_kind', 'target_department_id'])
    op.drop_index('ix_pending_ballots_round_id', table_name='pending_ballots')


def downgrade():
    op.create_index('ix_pending_ballots_round_id', 'pending_ballots', ['round_id'])
    op.drop_index('ix_pending_ballots_group', table_name='pending_ballots')
    op.create_index('ix_comments_round_id', 'comments', ['round_id'])
    op.drop_index('ix_comments_round_target', table_name='comments')
