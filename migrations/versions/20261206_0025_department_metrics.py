"""Client-facing departments and the external-client metrics each drives (the service chain).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06

Issue 25: a department may be marked as facing external clients, and tied to the metrics it drives; the
chain of a metric walks the service map upstream from those departments. One row per (department,
metric): the primary key, so a mark sent twice at once stays one row. Both foreign keys cascade: a metric
or a department deleted takes its marks with it. Downgrade drops both.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTERs, not a batch: on SQLite a batch copies `departments`, and its children's cascades would
    # empty them.
    op.add_column('departments', sa.Column('faces_clients', sa.Boolean(), server_default=sa.false(),
                                           nullable=False))
    op.create_table(
        'department_metrics',
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('metric_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'],
                                name=op.f('fk_department_metrics_department_id_departments'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['metric_id'], ['metrics.id'],
                                name=op.f('fk_department_metrics_metric_id_metrics'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('department_id', 'metric_id', name=op.f('pk_department_metrics')),
    )
    op.create_index(op.f('ix_department_metrics_metric_id'), 'department_metrics', ['metric_id'])


def downgrade():
    op.drop_index(op.f('ix_department_metrics_metric_id'), table_name='department_metrics')
    op.drop_table('department_metrics')
    op.drop_column('departments', 'faces_clients')
