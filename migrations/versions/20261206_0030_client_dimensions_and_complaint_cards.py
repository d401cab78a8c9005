"""Readings on a service dimension (the external mirror), and workshop cards loaded from complaints.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06

Issue 25: client feedback is recorded on the same dimensions as the rounds: a reading may carry one
(RESTRICT: a dimension is retired, not deleted), and then its value is on the scale 1 to 5 (a check). The
cards a workshop's review loaded from complaints are kept in `workshop_complaint_cards`, whose key
(workshop, category) holds one card per category, so loading them twice, or twice at once, adds them once;
a withdrawn card takes its row with it. A table of its own rather than a column: a SQLite rebuild of
`workshop_cards` would turn 0016's column check into a table check, and 0016's downgrade could no longer
drop its column. The readings are rebuilt on SQLite (batch; foreign keys are off during migrations, env.py).
Downgrade drops the table and the column: the readings keep their values, the loaded cards stay as cards.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('readings') as batch:
        batch.add_column(sa.Column('dimension_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_readings_dimension_id_dimensions'), 'dimensions', ['dimension_id'],
                                 ['id'], ondelete='RESTRICT')
        batch.create_check_constraint(op.f('ck_readings_dimension_on_the_scale'),
                                      'dimension_id IS NULL OR value BETWEEN 1 AND 5')
        batch.create_index(op.f('ix_readings_dimension_id'), ['dimension_id'])
    op.create_table(
        'workshop_complaint_cards',
        sa.Column('workshop_id', sa.Integer(), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.Column('card_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'],
                                name=op.f('fk_workshop_complaint_cards_workshop_id_workshops'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['category_id'], ['complaint_categories.id'],
                                name=op.f('fk_workshop_complaint_cards_category_id_complaint_categories'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['card_id'], ['workshop_cards.id'],
                                name=op.f('fk_workshop_complaint_cards_card_id_workshop_cards'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('workshop_id', 'category_id', name=op.f('pk_workshop_complaint_cards')),
        sa.UniqueConstraint('card_id', name=op.f('uq_workshop_complaint_cards_card_id')),
    )


def downgrade():
    op.drop_table('workshop_complaint_cards')
    with op.batch_alter_table('readings') as batch:
        batch.drop_index(op.f('ix_readings_dimension_id'))
        batch.drop_constraint(op.f('ck_readings_dimension_on_the_scale'), type_='check')
        batch.drop_constraint(op.f('fk_readings_dimension_id_dimensions'), type_='foreignkey')
        batch.drop_column('dimension_id')
