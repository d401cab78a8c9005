"""One-time form tokens on projects and workshops; department names unique whatever their letter case.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05

Reviewed: the "new project" and "new workshop" forms posted twice (a double-click, a form sent again) made
two. Each form now carries a one-time value, kept on what it makes in `form_token` (unique, NULL for
everything made before, by the demo or from a workshop card): a second copy of the form finds the first
one's row. `departments.name_key` is the name stripped and case-folded as app.org.models.name_key folds it
(Unicode, so "ФИНАНСЫ" and "финансы" are one name), unique: "Finance" and "finance" can no longer both exist.

Departments that already differ only in letter case cannot both keep their names, and the migration does not
choose for the admin: it stops before changing anything and names them; rename one of each (on the
Departments page, or in the database), then upgrade again.

SQLite adds a NOT NULL column only with a default, and drops a default only by copying the table (which the
names-version trigger of 0009 on `departments` forbids): there `name_key` keeps a default of ''. The app sets
it with every name, so the default fills nothing; a row written by hand without it gets '', and a second such
row is refused. Downgrade drops the three columns; every row stays.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

TOKENS = ('projects', 'workshops')


def name_key(name: str) -> str:
    """app.org.models.name_key as it is at this revision."""
    return name.strip().casefold()


def upgrade():
    connection = op.get_bind()
    departments = connection.execute(sa.text("SELECT id, name, code FROM departments ORDER BY id")).all()
    by_key = {}
    for department in departments:
        by_key.setdefault(name_key(department.name), []).append(department)
    twins = [group for group in by_key.values() if len(group) > 1]
    if twins:
        named = '; '.join(' and '.join(f'"{d.name}" ({d.code})' for d in group) for group in twins)
        raise RuntimeError(f'Department names must now differ by more than letter case, and these do not: '
                           f'{named}. Rename one of each, then upgrade again; nothing was changed.')

    for table in TOKENS:
        op.add_column(table, sa.Column('form_token', sa.String(length=64), nullable=True))
        op.create_index(op.f(f'ix_{table}_form_token'), table, ['form_token'], unique=True)

    sqlite = connection.dialect.name == 'sqlite'
    op.add_column('departments', sa.Column('name_key', sa.Text(), nullable=not sqlite,
                                           server_default='' if sqlite else None))
    if departments:
        connection.execute(sa.text("UPDATE departments SET name_key = :key WHERE id = :id"),
                           [{"key": key, "id": d.id} for key, group in by_key.items() for d in group])
    if not sqlite:
        op.alter_column('departments', 'name_key', nullable=False)
    op.create_index(op.f('ix_departments_name_key'), 'departments', ['name_key'], unique=True)


def downgrade():
    op.drop_index(op.f('ix_departments_name_key'), table_name='departments')
    op.drop_column('departments', 'name_key')
    for table in TOKENS:
        op.drop_index(op.f(f'ix_{table}_form_token'), table_name=table)
        op.drop_column(table, 'form_token')
