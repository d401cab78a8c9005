"""The readings a project's baseline was taken from, kept as they were at the start.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04

Reviewed: "Did it move?" showed a project's baseline beside the readings it was taken from, read again from
the metric's readings on every view; a reading replaced or added later for those dates left the page showing
a baseline its own readings no longer averaged to. `project_baseline_readings` keeps them as they were when
the project started. Projects already started are filled from the readings as they are now (the last three
before the start, the rule the baseline used): the best that is known. Downgrade drops the table; the
baseline itself stays on the project.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('project_baseline_readings',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('taken_on', sa.Date(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                            name=op.f('fk_project_baseline_readings_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'taken_on', name=op.f('pk_project_baseline_readings'))
    )
    op.execute("""
        INSERT INTO project_baseline_readings (project_id, taken_on, value)
        SELECT project_id, taken_on, value FROM (
            SELECT p.id AS project_id, r.taken_on, r.value,
                   ROW_NUMBER() OVER (PARTITION BY p.id ORDER BY r.taken_on DESC) AS n
            FROM projects p JOIN readings r ON r.metric_id = p.metric_id AND r.taken_on < p.started_on
            WHERE p.started_on IS NOT NULL
        ) last_ones WHERE n <= 3
    """)


def downgrade():
    op.drop_table('project_baseline_readings')
