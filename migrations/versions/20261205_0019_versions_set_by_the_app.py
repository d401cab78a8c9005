"""The names version set by the app, not by triggers; a project's lists version gone.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05

Reviewed (issue 22, "a simpler house"): what gives which version a new value is now listed in one module,
app/versions.py, as ORM hooks. The triggers of 0009 and 0010 go with their functions: a rename made straight
in the database no longer gives the names version a new value (docs/DEPLOYMENT.md: restart the app after
one). The project page is rendered afresh on every view (docs/BENCHMARKS.md, eleventh pass), so nothing is kept
under `projects.lists_version` any more: the column goes too. The names_version table stays.
Downgrade recreates the column (every project at 0, as 0010 left them), the triggers and the functions
exactly as 0009 and 0010 made them.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

# As 0009 and 0010 made them.
RENAMES = {  # table: (trigger, columns holding names)
    'departments': ('departments_renamed', ('name',)),
    'dimensions': ('dimensions_renamed', ('name_en', 'name_ru')),
    'users': ('users_renamed', ('name',)),
    'rounds': ('rounds_renamed', ('name',)),
}
LISTS = ('project_departments', 'project_members', 'check_ins', 'project_events')
EVENTS = {'insert': ('NEW',), 'update': ('OLD', 'NEW'), 'delete': ('OLD',)}  # the rows each event has
PG_RANDOM = 'floor(random() * 9007199254740991)::bigint'


def _postgresql() -> bool:
    return op.get_bind().dialect.name == 'postgresql'


def _changed(columns) -> str:
    return ' OR '.join(f'OLD.{column} IS DISTINCT FROM NEW.{column}' for column in columns)


def upgrade():
    postgresql = _postgresql()
    for table, (trigger, _columns) in RENAMES.items():
        op.execute(f"DROP TRIGGER {trigger} ON {table}" if postgresql else f"DROP TRIGGER {trigger}")
    if postgresql:
        for table in LISTS:
            op.execute(f"DROP TRIGGER {table}_changed ON {table}")
        op.execute("DROP FUNCTION project_lists_changed()")
        op.execute("DROP FUNCTION names_renamed()")
    else:
        for table in LISTS:
            for event in EVENTS:
                op.execute(f"DROP TRIGGER {table}_{event}")
    op.drop_column('projects', 'lists_version')


def downgrade():
    op.add_column('projects', sa.Column('lists_version', sa.BigInteger(), server_default='0', nullable=False))
    if _postgresql():
        op.execute("""
            CREATE FUNCTION names_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO names_version (id, version)
                VALUES (1, floor(random() * 9007199254740991)::bigint)
                ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;
                RETURN NULL;
            END $$""")
        op.execute(f"""
            CREATE FUNCTION project_lists_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN
                    UPDATE projects SET lists_version = {PG_RANDOM} WHERE id = OLD.project_id;
                END IF;
                IF TG_OP <> 'DELETE' THEN
                    UPDATE projects SET lists_version = {PG_RANDOM} WHERE id = NEW.project_id;
                END IF;
                RETURN NULL;
            END $$""")
        for table, (trigger, columns) in RENAMES.items():
            op.execute(f"CREATE TRIGGER {trigger} AFTER UPDATE OF {', '.join(columns)} ON {table} "
                       f"FOR EACH ROW WHEN ({_changed(columns)}) EXECUTE FUNCTION names_renamed()")
        for table in LISTS:
            op.execute(f"CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION project_lists_changed()")
        return
    for table, (trigger, columns) in RENAMES.items():
        op.execute(f"CREATE TRIGGER {trigger} AFTER UPDATE OF {', '.join(columns)} ON {table} "
                   f"WHEN {_changed(columns).replace('IS DISTINCT FROM', 'IS NOT')} BEGIN "
                   "INSERT INTO names_version (id, version) VALUES (1, random()) "
                   "ON CONFLICT (id) DO UPDATE SET version = excluded.version; END")
    for table in LISTS:
        for event, rows in EVENTS.items():
            projects = ', '.join(f'{row}.project_id' for row in rows)
            op.execute(f"CREATE TRIGGER {table}_{event} AFTER {event.upper()} ON {table} BEGIN "
                       f"UPDATE projects SET lists_version = random() WHERE id IN ({projects}); END")
