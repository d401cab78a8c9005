"""Heads' public responses to their department's weakest dimensions ("you said — we did").

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06

Issue 23: after a round is published, a head may answer each of their department's three weakest dimensions
with a short public text (at most 500 characters), shown to the people who took part beside the summary.
One per (round, department, dimension): the primary key. Downgrade drops the table and the responses.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'weakness_responses',
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('dimension_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.String(length=500), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('length(text) BETWEEN 1 AND 500', name=op.f('ck_weakness_responses_text_length')),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_weakness_responses_round_id_rounds'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'],
                                name=op.f('fk_weakness_responses_department_id_departments'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['dimension_id'], ['dimensions.id'],
                                name=op.f('fk_weakness_responses_dimension_id_dimensions'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('round_id', 'department_id', 'dimension_id', name=op.f('pk_weakness_responses')),
    )


def downgrade():
    op.drop_table('weakness_responses')
