"""Index the workshop cards by the project they became: the project page finds its workshop by it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30

Reviewed: without it the project page scanned every card of every workshop ever held, a cost that grew
with history. Plain CREATE/DROP INDEX, no batch mode: nothing else of the table changes.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_workshop_cards_project_id', 'workshop_cards', ['project_id'])


def downgrade():
    op.drop_index('ix_workshop_cards_project_id', table_name='workshop_cards')
