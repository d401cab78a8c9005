"""Rounds that repeat: a round's cadence, and the next round the schedule prepares from it.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06

Issue 23: a round may repeat every month, quarter, half-year or year (`rounds.cadence`, 'none' for every
round there is). Once a repeating round is published, `flask tick` prepares the next as a draft
(`prepared_from_id`, unique, so two ticks prepare one) that stays unconfirmed (`confirmed` false; true for
every round there is) and does not open until a facilitator confirms it. Downgrade drops the three columns:
a prepared draft then reads as an ordinary draft.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rounds') as batch:
        batch.add_column(sa.Column('cadence', sa.String(length=10), server_default='none', nullable=False))
        batch.add_column(sa.Column('prepared_from_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('confirmed', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch.create_check_constraint(op.f('ck_rounds_cadence_known'),
                                      "cadence IN ('none', 'month', 'quarter', 'half_year', 'year')")
        batch.create_check_constraint(op.f('ck_rounds_confirmed_before_opening'), "confirmed OR state = 'draft'")
        batch.create_unique_constraint(op.f('uq_rounds_prepared_from_id'), ['prepared_from_id'])
        batch.create_foreign_key(op.f('fk_rounds_prepared_from_id_rounds'), 'rounds', ['prepared_from_id'],
                                 ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('rounds') as batch:
        batch.drop_constraint(op.f('fk_rounds_prepared_from_id_rounds'), type_='foreignkey')
        batch.drop_constraint(op.f('uq_rounds_prepared_from_id'), type_='unique')
        batch.drop_constraint(op.f('ck_rounds_confirmed_before_opening'), type_='check')
        batch.drop_constraint(op.f('ck_rounds_cadence_known'), type_='check')
        batch.drop_column('confirmed')
        batch.drop_column('prepared_from_id')
        batch.drop_column('cadence')
