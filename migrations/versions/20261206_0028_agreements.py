"""Trading-zone agreements, their promises, and the anonymous counts of "did you get what was agreed?".

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06

Issue 25: a head writes an agreement between a providing and a receiving department (different; the other
side's head confirms it) with one to three promises, each a short text tagged with a dimension and an
external metric. `form_token` (unique) keeps one agreement for a form sent twice. `promise_counts` is an
anonymous counter table like `tallies`: per round × promise, the exact number asked and each answer's noisy
count, no person, no time, WITHOUT ROWID on SQLite. Downgrade drops the three tables.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'agreements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('provider_id', sa.Integer(), nullable=False),
        sa.Column('receiver_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('drafted_by_id', sa.Integer(), nullable=True),
        sa.Column('drafted_at', sa.DateTime(), nullable=False),
        sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
        sa.Column('confirmed_at', sa.DateTime(), nullable=True),
        sa.Column('round_id', sa.Integer(), nullable=True),
        sa.Column('card_id', sa.Integer(), nullable=True),
        sa.Column('form_token', sa.String(length=64), nullable=True),
        sa.CheckConstraint('provider_id <> receiver_id', name=op.f('ck_agreements_two_departments')),
        sa.CheckConstraint("state IN ('draft', 'in_force')", name=op.f('ck_agreements_state_known')),
        sa.CheckConstraint("(state = 'in_force') = (confirmed_at IS NOT NULL)",
                           name=op.f('ck_agreements_confirmed_when_in_force')),
        sa.ForeignKeyConstraint(['provider_id'], ['departments.id'],
                                name=op.f('fk_agreements_provider_id_departments'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['receiver_id'], ['departments.id'],
                                name=op.f('fk_agreements_receiver_id_departments'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['drafted_by_id'], ['users.id'], name=op.f('fk_agreements_drafted_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'],
                                name=op.f('fk_agreements_confirmed_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_agreements_round_id_rounds'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['card_id'], ['workshop_cards.id'],
                                name=op.f('fk_agreements_card_id_workshop_cards'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agreements')),
        sa.UniqueConstraint('form_token', name=op.f('uq_agreements_form_token')),
    )
    op.create_index(op.f('ix_agreements_provider_id'), 'agreements', ['provider_id'])
    op.create_index(op.f('ix_agreements_receiver_id'), 'agreements', ['receiver_id'])
    op.create_table(
        'promises',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agreement_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('text', sa.String(length=300), nullable=False),
        sa.Column('dimension_id', sa.Integer(), nullable=False),
        sa.Column('metric_id', sa.Integer(), nullable=False),
        sa.CheckConstraint('length(text) BETWEEN 1 AND 300', name=op.f('ck_promises_text_length')),
        sa.CheckConstraint('position BETWEEN 1 AND 3', name=op.f('ck_promises_position_range')),
        sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'],
                                name=op.f('fk_promises_agreement_id_agreements'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['dimension_id'], ['dimensions.id'],
                                name=op.f('fk_promises_dimension_id_dimensions'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['metric_id'], ['metrics.id'], name=op.f('fk_promises_metric_id_metrics'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_promises')),
        sa.UniqueConstraint('agreement_id', 'position', name='uq_promises_agreement_position'),
    )
    op.create_index(op.f('ix_promises_metric_id'), 'promises', ['metric_id'])
    op.create_table(
        'promise_counts',
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('promise_id', sa.Integer(), nullable=False),
        sa.Column('asked', sa.Integer(), nullable=False),
        sa.Column('answered_yes', sa.Integer(), nullable=False),
        sa.Column('answered_partly', sa.Integer(), nullable=False),
        sa.Column('answered_no', sa.Integer(), nullable=False),
        sa.Column('cant_say', sa.Integer(), nullable=False),
        sa.CheckConstraint('asked > 0', name=op.f('ck_promise_counts_asked_positive')),
        sa.CheckConstraint('answered_yes >= 0 AND answered_partly >= 0 AND answered_no >= 0 '
                           'AND cant_say BETWEEN 0 AND asked', name=op.f('ck_promise_counts_counts_range')),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_promise_counts_round_id_rounds'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['promise_id'], ['promises.id'],
                                name=op.f('fk_promise_counts_promise_id_promises'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('round_id', 'promise_id', name=op.f('pk_promise_counts')),
        sqlite_with_rowid=False,
    )


def downgrade():
    op.drop_table('promise_counts')
    op.drop_table('promises')
    op.drop_index(op.f('ix_agreements_receiver_id'), table_name='agreements')
    op.drop_index(op.f('ix_agreements_provider_id'), table_name='agreements')
    op.drop_table('agreements')
