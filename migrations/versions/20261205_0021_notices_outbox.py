"""The notices' outbox, and how each person wants them.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05

Issue 23: a change that people should hear of (a round opened, a reminder, results published) writes rows
into `notices` in its own transaction; `flask tick` sends them later, with retries, by e-mail and/or a chat
webhook, as each person chose (`users.notify_by_email`, `chat_webhook`, `chat_format`; e-mail on for
everyone there is). `(once_key, user_id)` is unique so a day's reminder is written once however many ticks
or buttons ask. Downgrade drops the table (notices not sent yet are lost) and the three columns.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('notify_by_email', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch.add_column(sa.Column('chat_webhook', sa.String(length=500), nullable=True))
        batch.add_column(sa.Column('chat_format', sa.String(length=5), server_default='slack', nullable=False))
        batch.create_check_constraint(op.f('ck_users_chat_format_known'), "chat_format IN ('slack', 'teams')")
    op.create_table(
        'notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('parameters', sa.JSON(), nullable=False),
        sa.Column('link', sa.String(length=300), nullable=False),
        sa.Column('once_key', sa.String(length=60), nullable=True),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.String(length=200), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'sent', 'failed')", name=op.f('ck_notices_state_known')),
        sa.CheckConstraint('attempts >= 0', name=op.f('ck_notices_attempts_counted')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notices_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notices')),
        sa.UniqueConstraint('once_key', 'user_id', name='uq_notices_once'),
    )
    op.create_index('ix_notices_due', 'notices', ['state', 'next_attempt_at'])
    op.create_index(op.f('ix_notices_user_id'), 'notices', ['user_id'])


def downgrade():
    op.drop_table('notices')
    with op.batch_alter_table('users') as batch:
        batch.drop_constraint(op.f('ck_users_chat_format_known'), type_='check')
        batch.drop_column('chat_format')
        batch.drop_column('chat_webhook')
        batch.drop_column('notify_by_email')
