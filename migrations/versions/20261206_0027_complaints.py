"""External complaints and their categories (the complaints up the service chain).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06

Issue 25: admins map each complaint category to a dimension and a root cause (both optional, RESTRICT: a
mapped dimension or root cause is retired, not deleted). A complaint is received by a client-facing
department on a day; `import_key` (unique) is the complaint system's id or a hash of the row, so the same
file imported twice, or twice at once, keeps one copy. A complaints file waits for its confirm among the
staged uploads, as people and readings files do. Downgrade drops both tables and staged complaint files.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'complaint_categories',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('dimension_id', sa.Integer(), nullable=True),
        sa.Column('root_cause_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('length(name) BETWEEN 1 AND 120',
                           name=op.f('ck_complaint_categories_name_length')),
        sa.ForeignKeyConstraint(['dimension_id'], ['dimensions.id'],
                                name=op.f('fk_complaint_categories_dimension_id_dimensions'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['root_cause_id'], ['root_causes.id'],
                                name=op.f('fk_complaint_categories_root_cause_id_root_causes'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_categories')),
        sa.UniqueConstraint('name', name=op.f('uq_complaint_categories_name')),
    )
    op.create_table(
        'complaints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('received_on', sa.Date(), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.String(length=1000), nullable=False),
        sa.Column('import_key', sa.String(length=64), nullable=False),
        sa.CheckConstraint('length(text) <= 1000', name=op.f('ck_complaints_text_length')),
        sa.ForeignKeyConstraint(['category_id'], ['complaint_categories.id'],
                                name=op.f('fk_complaints_category_id_complaint_categories'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'],
                                name=op.f('fk_complaints_department_id_departments'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints')),
        sa.UniqueConstraint('import_key', name=op.f('uq_complaints_import_key')),
    )
    op.create_index(op.f('ix_complaints_received_on'), 'complaints', ['received_on'])
    op.create_index(op.f('ix_complaints_category_id'), 'complaints', ['category_id'])
    op.create_index(op.f('ix_complaints_department_id'), 'complaints', ['department_id'])
    with op.batch_alter_table('staged_uploads') as batch:
        batch.drop_constraint(op.f('ck_staged_uploads_kind_known'), type_='check')
        batch.create_check_constraint(op.f('ck_staged_uploads_kind_known'),
                                      "kind IN ('people', 'readings', 'complaints')")


def downgrade():
    op.execute("DELETE FROM staged_uploads WHERE kind = 'complaints'")
    with op.batch_alter_table('staged_uploads') as batch:
        batch.drop_constraint(op.f('ck_staged_uploads_kind_known'), type_='check')
        batch.create_check_constraint(op.f('ck_staged_uploads_kind_known'), "kind IN ('people', 'readings')")
    op.drop_table('complaints')
    op.drop_table('complaint_categories')
