"""Replies to released comments, read by their anonymous authors with a code.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06

Issue 23: every answer gets a reply code; the hash of it travels sealed in the ballot and lands on the released
comment (`comments.reply_key`, unique, NULL for comments released before). A head replies once per comment
(`comment_replies`, keyed by the comment); its author answers once. Only days are kept, never times.
Downgrade drops the replies and the keys.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('comments', sa.Column('reply_key', sa.String(length=64), nullable=True))
    op.create_index('ix_comments_reply_key', 'comments', ['reply_key'], unique=True)
    op.create_table(
        'comment_replies',
        sa.Column('comment_id', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('text', sa.String(length=1000), nullable=False),
        sa.Column('written_on', sa.Date(), nullable=False),
        sa.Column('answer', sa.String(length=1000), nullable=True),
        sa.Column('answered_on', sa.Date(), nullable=True),
        sa.CheckConstraint("kind IN ('acknowledged', 'will_act', 'fixed')",
                           name=op.f('ck_comment_replies_kind_known')),
        sa.CheckConstraint('length(text) <= 1000', name=op.f('ck_comment_replies_text_length')),
        sa.CheckConstraint('answer IS NULL OR length(answer) BETWEEN 1 AND 1000',
                           name=op.f('ck_comment_replies_answer_length')),
        sa.CheckConstraint('(answer IS NULL) = (answered_on IS NULL)',
                           name=op.f('ck_comment_replies_answered_with_date')),
        sa.ForeignKeyConstraint(['comment_id'], ['comments.id'],
                                name=op.f('fk_comment_replies_comment_id_comments'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('comment_id', name=op.f('pk_comment_replies')),
    )


def downgrade():
    op.drop_table('comment_replies')
    op.drop_index('ix_comments_reply_key', table_name='comments')
    op.drop_column('comments', 'reply_key')
