"""Tasks inside a project.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06

Issue 23, follow-through: a project's work as tasks, each with an owner, an optional due date and whether
it is done (`done_at` exactly while done). Deleted with their project; a person's row going leaves their
tasks without an owner. `form_token` (unique) keeps a form sent twice from adding a task twice. Downgrade
drops the table and its tasks.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'project_tasks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('done', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('done_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('form_token', sa.String(length=64), nullable=True),
        sa.CheckConstraint('length(title) BETWEEN 1 AND 200', name=op.f('ck_project_tasks_title_length')),
        sa.CheckConstraint('(done AND done_at IS NOT NULL) OR (NOT done AND done_at IS NULL)',
                           name=op.f('ck_project_tasks_done_when')),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_tasks_project_id_projects'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_project_tasks_owner_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_project_tasks_created_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_project_tasks')),
    )
    op.create_index(op.f('ix_project_tasks_project_id'), 'project_tasks', ['project_id'])
    op.create_index(op.f('ix_project_tasks_owner_id'), 'project_tasks', ['owner_id'])
    op.create_index(op.f('ix_project_tasks_form_token'), 'project_tasks', ['form_token'], unique=True)


def downgrade():
    op.drop_table('project_tasks')
