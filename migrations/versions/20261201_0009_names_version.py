"""The names version: a new random value whenever a department or a dimension is renamed, set by triggers.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

Reviewed: the results pages are kept per app process for everything they show that can change; the names
of departments and dimensions were read on every view to tell (a round of 200 departments: 200 rows).
Now one value says whether any name changed. Triggers, not the services, keep it, so that a rename made
straight in the database shows at once too; each upserts the one row, so a missing row (a table emptied by
hand) comes back at the next rename. The value is random: a restored backup never brings back a value that
an app process kept with other names. The row starts at 0; triggers fire only when a name really changes.
PostgreSQL: one plpgsql function for both tables. Downgrade drops the triggers, the function and the table.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

RENAMES = {  # table: (trigger, columns holding names)
    'departments': ('departments_renamed', ('name',)),
    'dimensions': ('dimensions_renamed', ('name_en', 'name_ru')),
}


def _changed(columns) -> str:
    return ' OR '.join(f'OLD.{column} IS DISTINCT FROM NEW.{column}' for column in columns)


def upgrade():
    op.create_table(
        'names_version',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.CheckConstraint('id = 1', name=op.f('ck_names_version_one_row')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_names_version')),
    )
    op.execute("INSERT INTO names_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("""
            CREATE FUNCTION names_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO names_version (id, version)
                VALUES (1, floor(random() * 9007199254740991)::bigint)
                ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;
                RETURN NULL;
            END $$""")
        for table, (trigger, columns) in RENAMES.items():
            op.execute(f"CREATE TRIGGER {trigger} AFTER UPDATE OF {', '.join(columns)} ON {table} "
                       f"FOR EACH ROW WHEN ({_changed(columns)}) EXECUTE FUNCTION names_renamed()")
        return
    for table, (trigger, columns) in RENAMES.items():
        op.execute(f"CREATE TRIGGER {trigger} AFTER UPDATE OF {', '.join(columns)} ON {table} "
                   f"WHEN {_changed(columns).replace('IS DISTINCT FROM', 'IS NOT')} BEGIN "
                   "INSERT INTO names_version (id, version) VALUES (1, random()) "
                   "ON CONFLICT (id) DO UPDATE SET version = excluded.version; END")


def downgrade():
    for table, (trigger, _columns) in RENAMES.items():
        op.execute(f"DROP TRIGGER {trigger} ON {table}" if op.get_bind().dialect.name == 'postgresql'
                   else f"DROP TRIGGER {trigger}")
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION names_renamed()")
    op.drop_table('names_version')
