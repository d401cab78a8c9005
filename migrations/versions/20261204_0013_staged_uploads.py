"""Checked CSV uploads waiting for their confirm.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04

Reviewed: an import's confirm step used to post the whole checked file back in a form field, which for a
file near the upload limit came back larger than the limit (413). The preview now keeps the file in
`staged_uploads` under a random key, with its uploader and when; the confirm sends the key, and the row is
deleted as it is taken (or, unconfirmed, after two hours). A new table: nothing to move. Downgrade drops it,
and with it any upload waiting for a confirm, which then has to be chosen again.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staged_uploads',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.CheckConstraint("kind IN ('people', 'readings')", name=op.f('ck_staged_uploads_kind_known')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staged_uploads_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_staged_uploads'))
    )
    with op.batch_alter_table('staged_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staged_uploads_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_staged_uploads_user_id'), ['user_id'], unique=False)


def downgrade():
    op.drop_table('staged_uploads')
