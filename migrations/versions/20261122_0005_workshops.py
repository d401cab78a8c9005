"""Workshops: departments taking part, participants with their dot budget, cards, votes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

Reviewed: boolean defaults use sa.false(); anonymous cards have a NULL author (nothing else names one).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('workshops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('phase', sa.String(length=10), nullable=False),
    sa.Column('vote_budget', sa.Integer(), nullable=False),
    sa.Column('anonymous_cards', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('balanced_votes', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("phase IN ('scheduled', 'review', 'collect', 'group', 'vote', 'projects', 'wrapup')", name=op.f('ck_workshops_phase_known')),
    sa.CheckConstraint('length(title) BETWEEN 1 AND 120', name=op.f('ck_workshops_title_length')),
    sa.CheckConstraint('vote_budget BETWEEN 1 AND 20', name=op.f('ck_workshops_vote_budget_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_workshops_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_workshops_round_id_rounds'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshops'))
    )
    with op.batch_alter_table('workshops', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshops_round_id'), ['round_id'], unique=False)

    op.create_table('workshop_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('dimension_id', sa.Integer(), nullable=True),
    sa.Column('root_cause_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('length(text) BETWEEN 1 AND 500', name=op.f('ck_workshop_cards_text_length')),
    sa.CheckConstraint('merged_into_id IS NULL OR merged_into_id <> id', name=op.f('ck_workshop_cards_not_merged_into_itself')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_workshop_cards_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dimension_id'], ['dimensions.id'], name=op.f('fk_workshop_cards_dimension_id_dimensions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['workshop_cards.id'], name=op.f('fk_workshop_cards_merged_into_id_workshop_cards'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_workshop_cards_project_id_projects'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['root_cause_id'], ['root_causes.id'], name=op.f('fk_workshop_cards_root_cause_id_root_causes'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], name=op.f('fk_workshop_cards_workshop_id_workshops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_cards'))
    )
    with op.batch_alter_table('workshop_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_cards_merged_into_id'), ['merged_into_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_cards_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('workshop_departments',
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_workshop_departments_department_id_departments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], name=op.f('fk_workshop_departments_workshop_id_workshops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workshop_id', 'department_id', name=op.f('pk_workshop_departments'))
    )
    with op.batch_alter_table('workshop_departments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_departments_department_id'), ['department_id'], unique=False)

    op.create_table('workshop_participants',
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('votes_left', sa.Integer(), nullable=False),
    sa.CheckConstraint('votes_left >= 0', name=op.f('ck_workshop_participants_votes_left_not_negative')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_workshop_participants_department_id_departments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_workshop_participants_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], name=op.f('fk_workshop_participants_workshop_id_workshops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workshop_id', 'user_id', name=op.f('pk_workshop_participants'))
    )
    op.create_table('workshop_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['workshop_cards.id'], name=op.f('fk_workshop_votes_card_id_workshop_cards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_workshop_votes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_votes'))
    )
    with op.batch_alter_table('workshop_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_votes_card_id'), ['card_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_votes_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('workshop_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_votes_user_id'))
        batch_op.drop_index(batch_op.f('ix_workshop_votes_card_id'))

    op.drop_table('workshop_votes')
    op.drop_table('workshop_participants')
    with op.batch_alter_table('workshop_departments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_departments_department_id'))

    op.drop_table('workshop_departments')
    with op.batch_alter_table('workshop_cards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_cards_workshop_id'))
        batch_op.drop_index(batch_op.f('ix_workshop_cards_merged_into_id'))

    op.drop_table('workshop_cards')
    with op.batch_alter_table('workshops', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshops_round_id'))

    op.drop_table('workshops')
