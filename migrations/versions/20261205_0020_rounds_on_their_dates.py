"""Rounds that move on their dates: whether a round publishes itself, the scheduler's lease, and audit
entries made by the schedule.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05

Issue 23 ("Rounds that run themselves"): `flask tick`, run every minute on each host, opens and closes
rounds on their dates and publishes those whose facilitator chose so (`rounds.publish_when_closed`, false
for every round there is). `scheduler_leases` holds one row per kind of scheduled work: the tick that holds
it until `held_until` is the only one acting, so two hosts running it at once act once
(app.database.take_lease). `audit_entries.by_schedule` marks what the tick did, so the audit log says "the
schedule" rather than "someone not signed in". Downgrade drops the three; no row is lost but the leases,
which live five minutes.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('rounds', sa.Column('publish_when_closed', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    op.add_column('audit_entries', sa.Column('by_schedule', sa.Boolean(), server_default=sa.false(),
                                             nullable=False))
    op.create_table(
        'scheduler_leases',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('holder', sa.String(length=200), nullable=False),
        sa.Column('held_until', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade():
    op.drop_table('scheduler_leases')
    # Plain drops (SQLite 3.35+), not a batch: nothing else names these columns.
    op.drop_column('audit_entries', 'by_schedule')
    op.drop_column('rounds', 'publish_when_closed')
