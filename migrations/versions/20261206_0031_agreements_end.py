"""Agreements can end: an agreement in force is ended, or a draft nobody will confirm withdrawn.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06

A head of either department (or a facilitator or an admin) ends an agreement: its state becomes 'ended',
with `ended_at` and `ended_by_id` (SET NULL: the person may be deleted, the end stays), and from then on no
round asks about its promises; what the rounds before found stays. A check ties the state to `ended_at`, and
`confirmed_when_in_force` lets an ended agreement be either confirmed or not (a withdrawn draft). The
agreements are rebuilt on SQLite (batch; foreign keys are off during migrations, env.py), keeping their
promises and counts. Downgrade turns each ended agreement back into what it was before it ended (in force
if it was confirmed, else a draft), since nothing below 0031 can be ended, and drops the two columns: the
rows stay, and the rounds ask about those in force again.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agreements') as batch:
        batch.add_column(sa.Column('ended_by_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('ended_at', sa.DateTime(), nullable=True))
        batch.create_foreign_key(op.f('fk_agreements_ended_by_id_users'), 'users', ['ended_by_id'], ['id'],
                                 ondelete='SET NULL')
        batch.drop_constraint(op.f('ck_agreements_state_known'), type_='check')
        batch.create_check_constraint(op.f('ck_agreements_state_known'),
                                      "state IN ('draft', 'in_force', 'ended')")
        batch.drop_constraint(op.f('ck_agreements_confirmed_when_in_force'), type_='check')
        batch.create_check_constraint(op.f('ck_agreements_confirmed_when_in_force'),
                                      "state = 'ended' OR (state = 'in_force') = (confirmed_at IS NOT NULL)")
        batch.create_check_constraint(op.f('ck_agreements_ended_when_ended_at'),
                                      "(state = 'ended') = (ended_at IS NOT NULL)")


def downgrade():
    op.execute("UPDATE agreements SET ended_at = NULL, ended_by_id = NULL, "
               "state = CASE WHEN confirmed_at IS NULL THEN 'draft' ELSE 'in_force' END "
               "WHERE state = 'ended'")
    with op.batch_alter_table('agreements') as batch:
        batch.drop_constraint(op.f('ck_agreements_ended_when_ended_at'), type_='check')
        batch.drop_constraint(op.f('ck_agreements_confirmed_when_in_force'), type_='check')
        batch.create_check_constraint(op.f('ck_agreements_confirmed_when_in_force'),
                                      "(state = 'in_force') = (confirmed_at IS NOT NULL)")
        batch.drop_constraint(op.f('ck_agreements_state_known'), type_='check')
        batch.create_check_constraint(op.f('ck_agreements_state_known'), "state IN ('draft', 'in_force')")
        batch.drop_constraint(op.f('fk_agreements_ended_by_id_users'), type_='foreignkey')
        batch.drop_column('ended_at')
        batch.drop_column('ended_by_id')
