"""A metric's readings version: one more on every write of its readings.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

Reviewed: the project page keeps the chart it draws from a metric's readings until they change; this
counter says when they did, in every app process alike. Existing metrics start at 0 (server default):
no process has kept anything of them yet after an upgrade, since processes restart with it. A plain
ADD COLUMN with a constant default, no batch mode: SQLite and PostgreSQL add it without a rewrite.
Changed (reliability): downgrade drops the column with a plain ALTER TABLE too; batch mode copied the
table anew, and on SQLite dropping the old one deleted every reading (foreign keys, app.database).
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('metrics', sa.Column('readings_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    op.drop_column('metrics', 'readings_version')
