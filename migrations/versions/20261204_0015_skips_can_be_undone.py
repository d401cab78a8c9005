"""Done notes say, sealed, whether they were a skip, so that a skip can be undone while the round is open.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04

Reviewed: a skip was final like an answer, and a person who skipped a department by mistake could not take
it back. A done note now carries `note`, sealed like a ballot (AES-GCM, padded to one size), saying whether
it was a skip: the app can offer "undo the skip", while the database still cannot tell a skip from a
rating. Notes written before have no note (NULL) and stay final, as they were when written: nothing to move.
Downgrade drops the column (plain ALTER TABLE on both databases, so SQLite keeps the table WITHOUT ROWID and
rebuilds nothing); skips made since can then no longer be undone, and nothing else is lost.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('participations', sa.Column('note', sa.String(length=120), nullable=True))


def downgrade():
    op.execute("ALTER TABLE participations DROP COLUMN note")
