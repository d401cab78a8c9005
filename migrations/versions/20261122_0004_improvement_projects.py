"""Improvement projects: root-cause categories, projects, their departments and members, moves, check-ins.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

Reviewed: a CHECK keeps an active or finished project from lacking its metric, baseline, target, target
date or start date; the five root-cause categories of the source are seeded (admins edit them later).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

ROOT_CAUSES = [
    ('people', 'People', 'Люди'),
    ('systems', 'Systems', 'Системы'),
    ('processes', 'Processes & procedures', 'Процессы и процедуры'),
    ('products', 'Products', 'Продукты'),
    ('clients', 'Clients', 'Клиенты'),
]


def upgrade():
    op.create_table('root_causes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('name_ru', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('retired', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.CheckConstraint('length(key) BETWEEN 1 AND 40', name=op.f('ck_root_causes_key_length')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_root_causes')),
    sa.UniqueConstraint('key', name=op.f('uq_root_causes_key'))
    )
    op.bulk_insert(sa.table('root_causes', sa.column('key', sa.String), sa.column('name_en', sa.String),
                            sa.column('name_ru', sa.String), sa.column('position', sa.Integer),
                            sa.column('retired', sa.Boolean)), [
        {'key': key, 'name_en': en, 'name_ru': ru, 'position': i, 'retired': False}
        for i, (key, en, ru) in enumerate(ROOT_CAUSES)
    ])
    op.create_table('projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('owner_department_id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=True),
    sa.Column('source_round_id', sa.Integer(), nullable=True),
    sa.Column('source_department_id', sa.Integer(), nullable=True),
    sa.Column('source_dimension_id', sa.Integer(), nullable=True),
    sa.Column('root_cause_id', sa.Integer(), nullable=True),
    sa.Column('metric_id', sa.Integer(), nullable=True),
    sa.Column('baseline', sa.Float(), nullable=True),
    sa.Column('baseline_rule', sa.Text(), nullable=False),
    sa.Column('target_value', sa.Float(), nullable=True),
    sa.Column('target_date', sa.Date(), nullable=True),
    sa.Column('expected_lag_days', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status = 'proposed' OR status = 'cancelled' OR (metric_id IS NOT NULL AND baseline IS NOT NULL AND target_value IS NOT NULL AND target_date IS NOT NULL AND started_on IS NOT NULL)", name=op.f('ck_projects_started_complete')),
    sa.CheckConstraint("status IN ('proposed', 'active', 'completed', 'cancelled')", name=op.f('ck_projects_status_known')),
    sa.CheckConstraint('expected_lag_days IS NULL OR expected_lag_days >= 0', name=op.f('ck_projects_lag_not_negative')),
    sa.CheckConstraint('length(title) BETWEEN 1 AND 160', name=op.f('ck_projects_title_length')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_projects_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lead_id'], ['users.id'], name=op.f('fk_projects_lead_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['metric_id'], ['metrics.id'], name=op.f('fk_projects_metric_id_metrics'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['owner_department_id'], ['departments.id'], name=op.f('fk_projects_owner_department_id_departments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['root_cause_id'], ['root_causes.id'], name=op.f('fk_projects_root_cause_id_root_causes'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['source_department_id'], ['departments.id'], name=op.f('fk_projects_source_department_id_departments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_dimension_id'], ['dimensions.id'], name=op.f('fk_projects_source_dimension_id_dimensions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_round_id'], ['rounds.id'], name=op.f('fk_projects_source_round_id_rounds'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects'))
    )
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_projects_lead_id'), ['lead_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_metric_id'), ['metric_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_owner_department_id'), ['owner_department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_source_dimension_id'), ['source_dimension_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_status'), ['status'], unique=False)

    op.create_table('check_ins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('done', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=9), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('on_track', 'at_risk', 'off_track')", name=op.f('ck_check_ins_status_known')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_check_ins_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_check_ins_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_ins'))
    )
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_ins_project_id'), ['project_id'], unique=False)

    op.create_table('project_departments',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_project_departments_department_id_departments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_departments_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'department_id', name=op.f('pk_project_departments'))
    )
    with op.batch_alter_table('project_departments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_departments_department_id'), ['department_id'], unique=False)

    op.create_table('project_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('from_status', sa.String(length=10), nullable=True),
    sa.Column('to_status', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_project_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_events_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_events'))
    )
    with op.batch_alter_table('project_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_events_project_id'), ['project_id'], unique=False)

    op.create_table('project_members',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_members_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_project_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'user_id', name=op.f('pk_project_members'))
    )
    with op.batch_alter_table('project_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_members_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('project_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_members_user_id'))

    op.drop_table('project_members')
    with op.batch_alter_table('project_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_events_project_id'))

    op.drop_table('project_events')
    with op.batch_alter_table('project_departments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_departments_department_id'))

    op.drop_table('project_departments')
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_ins_project_id'))

    op.drop_table('check_ins')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_status'))
        batch_op.drop_index(batch_op.f('ix_projects_source_dimension_id'))
        batch_op.drop_index(batch_op.f('ix_projects_owner_department_id'))
        batch_op.drop_index(batch_op.f('ix_projects_metric_id'))
        batch_op.drop_index(batch_op.f('ix_projects_lead_id'))

    op.drop_table('projects')
    op.drop_table('root_causes')
