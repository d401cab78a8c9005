"""Rating rounds, participation records, the holding buffer, counters and sealed comments.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

Reviewed: the anonymous tables are WITHOUT ROWID on SQLite (ignored elsewhere), so their physical
order follows their keys, never the order in which rows were written.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("state IN ('draft', 'open', 'closed', 'published')", name=op.f('ck_rounds_state_known')),
    sa.CheckConstraint('closes_on >= opens_on', name=op.f('ck_rounds_closes_after_opening')),
    sa.CheckConstraint('length(name) BETWEEN 1 AND 120', name=op.f('ck_rounds_name_length')),
    sa.CheckConstraint('threshold >= 3', name=op.f('ck_rounds_threshold_at_least_3')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rounds'))
    )
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rounds_state'), ['state'], unique=False)

    op.create_table('ballot_counts',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('rater_department_id', sa.Integer(), nullable=False),
    sa.Column('target_kind', sa.String(length=10), nullable=False),
    sa.Column('target_department_id', sa.Integer(), nullable=False),
    sa.Column('ballots', sa.Integer(), nullable=False),
    sa.Column('judged', sa.Integer(), nullable=False),
    sa.Column('overall_sum', sa.Float(), nullable=False),
    sa.CheckConstraint("target_kind = 'service' OR target_department_id = rater_department_id", name=op.f('ck_ballot_counts_target_matches_kind')),
    sa.CheckConstraint("target_kind IN ('service', 'self', 'company')", name=op.f('ck_ballot_counts_kind_known')),
    sa.CheckConstraint('ballots > 0', name=op.f('ck_ballot_counts_ballots_positive')),
    sa.CheckConstraint('judged BETWEEN 0 AND ballots', name=op.f('ck_ballot_counts_judged_range')),
    sa.ForeignKeyConstraint(['rater_department_id'], ['departments.id'], name=op.f('fk_ballot_counts_rater_department_id_departments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_ballot_counts_round_id_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_department_id'], ['departments.id'], name=op.f('fk_ballot_counts_target_department_id_departments'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('round_id', 'rater_department_id', 'target_kind', 'target_department_id', name=op.f('pk_ballot_counts')),
    sqlite_with_rowid=False
    )
    op.create_table('comments',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('target_department_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_comments_round_id_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_department_id'], ['departments.id'], name=op.f('fk_comments_target_department_id_departments'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comments')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comments_round_id'), ['round_id'], unique=False)

    op.create_table('pending_ballots',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('rater_department_id', sa.Integer(), nullable=False),
    sa.Column('target_kind', sa.String(length=10), nullable=False),
    sa.Column('target_department_id', sa.Integer(), nullable=False),
    sa.Column('scores', sa.Text(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.CheckConstraint("(target_kind = 'service') = (target_department_id <> rater_department_id)", name=op.f('ck_pending_ballots_target_matches_kind')),
    sa.CheckConstraint("target_kind IN ('service', 'self', 'company')", name=op.f('ck_pending_ballots_kind_known')),
    sa.ForeignKeyConstraint(['rater_department_id'], ['departments.id'], name=op.f('fk_pending_ballots_rater_department_id_departments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_pending_ballots_round_id_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_department_id'], ['departments.id'], name=op.f('fk_pending_ballots_target_department_id_departments'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_ballots')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('pending_ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_ballots_round_id'), ['round_id'], unique=False)

    op.create_table('round_departments',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_round_departments_department_id_departments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_round_departments_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', 'department_id', name=op.f('pk_round_departments'))
    )
    with op.batch_alter_table('round_departments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_departments_department_id'), ['department_id'], unique=False)

    op.create_table('round_dimensions',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('dimension_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['dimension_id'], ['dimensions.id'], name=op.f('fk_round_dimensions_dimension_id_dimensions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_round_dimensions_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', 'dimension_id', name=op.f('pk_round_dimensions'))
    )
    op.create_table('tallies',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('rater_department_id', sa.Integer(), nullable=False),
    sa.Column('target_kind', sa.String(length=10), nullable=False),
    sa.Column('target_department_id', sa.Integer(), nullable=False),
    sa.Column('dimension_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.CheckConstraint("target_kind = 'service' OR target_department_id = rater_department_id", name=op.f('ck_tallies_target_matches_kind')),
    sa.CheckConstraint("target_kind IN ('service', 'self', 'company')", name=op.f('ck_tallies_kind_known')),
    sa.CheckConstraint('count > 0', name=op.f('ck_tallies_count_positive')),
    sa.CheckConstraint('score BETWEEN 0 AND 5', name=op.f('ck_tallies_score_range')),
    sa.ForeignKeyConstraint(['dimension_id'], ['dimensions.id'], name=op.f('fk_tallies_dimension_id_dimensions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['rater_department_id'], ['departments.id'], name=op.f('fk_tallies_rater_department_id_departments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_tallies_round_id_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_department_id'], ['departments.id'], name=op.f('fk_tallies_target_department_id_departments'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('round_id', 'rater_department_id', 'target_kind', 'target_department_id', 'dimension_id', 'score', name=op.f('pk_tallies')),
    sqlite_with_rowid=False
    )
    op.create_table('completions',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('expected', sa.Integer(), nullable=False),
    sa.CheckConstraint('done BETWEEN 0 AND expected', name=op.f('ck_completions_done_range')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_completions_department_id_departments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_completions_round_id_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_completions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', 'user_id', name=op.f('pk_completions')),
    sqlite_with_rowid=False
    )
    op.create_table('participations',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_participations_round_id_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_participations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', 'user_id', 'target', name=op.f('pk_participations')),
    sqlite_with_rowid=False
    )


def downgrade():
    op.drop_table('participations')
    op.drop_table('completions')
    op.drop_table('tallies')
    op.drop_table('round_dimensions')
    with op.batch_alter_table('round_departments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_departments_department_id'))

    op.drop_table('round_departments')
    with op.batch_alter_table('pending_ballots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_ballots_round_id'))

    op.drop_table('pending_ballots')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comments_round_id'))

    op.drop_table('comments')
    op.drop_table('ballot_counts')
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rounds_state'))

    op.drop_table('rounds')
