"""A project's lists version, and people's and rounds' names in the names version: all set by triggers.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

Reviewed: a project's page is kept per app process under everything it shows. Its departments, members,
check-ins and moves were read on every view to tell (three statements, round trips on PostgreSQL); now the
project's row says whether any of them changed: `projects.lists_version` takes a new random value on every
insert, update or delete in those four tables, set by triggers so that a change made straight in the
database counts too. The names those lists show are people's and departments' names, and the page names
the published rounds it draws the source's scores from: people's and rounds' renames now also give the
names version (0009) a new value. Existing projects start at 0 (server default): no process
has kept anything of them yet after an upgrade, since processes restart with it. The value is random, as
in 0009, so a restored backup never brings back a value kept with other lists.
Downgrade drops the triggers, the function and the column.
Changed (reliability): downgrade drops the column with a plain ALTER TABLE; batch mode copied the table
anew, and on SQLite dropping the old one deleted the projects' check-ins, departments, members and events
and cleared the cards' links to them (foreign keys, app.database).
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

LISTS = ('project_departments', 'project_members', 'check_ins', 'project_events')
EVENTS = {'insert': ('NEW',), 'update': ('OLD', 'NEW'), 'delete': ('OLD',)}  # the rows each event has
PG_RANDOM = 'floor(random() * 9007199254740991)::bigint'
RENAMED = ('users', 'rounds')  # tables whose "name" now counts in the names version too


def upgrade():
    op.add_column('projects', sa.Column('lists_version', sa.BigInteger(), server_default='0', nullable=False))
    if op.get_bind().dialect.name == 'postgresql':
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
        for table in LISTS:
            op.execute(f"CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION project_lists_changed()")
        for table in RENAMED:
            op.execute(f"CREATE TRIGGER {table}_renamed AFTER UPDATE OF name ON {table} FOR EACH ROW "
                       "WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION names_renamed()")
        return
    for table in LISTS:
        for event, rows in EVENTS.items():
            projects = ', '.join(f'{row}.project_id' for row in rows)
            op.execute(f"CREATE TRIGGER {table}_{event} AFTER {event.upper()} ON {table} BEGIN "
                       f"UPDATE projects SET lists_version = random() WHERE id IN ({projects}); END")
    for table in RENAMED:
        op.execute(f"CREATE TRIGGER {table}_renamed AFTER UPDATE OF name ON {table} "
                   "WHEN OLD.name IS NOT NEW.name BEGIN "
                   "INSERT INTO names_version (id, version) VALUES (1, random()) "
                   "ON CONFLICT (id) DO UPDATE SET version = excluded.version; END")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table in RENAMED:
            op.execute(f"DROP TRIGGER {table}_renamed ON {table}")
        for table in LISTS:
            op.execute(f"DROP TRIGGER {table}_changed ON {table}")
        op.execute("DROP FUNCTION project_lists_changed()")
    else:
        for table in RENAMED:
            op.execute(f"DROP TRIGGER {table}_renamed")
        for table in LISTS:
            for event in EVENTS:
                op.execute(f"DROP TRIGGER {table}_{event}")
    op.drop_column('projects', 'lists_version')
