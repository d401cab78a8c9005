import logging
from contextlib import contextmanager
from logging.config import fileConfig

from flask import current_app

from alembic import context

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger('alembic.env')


def get_engine():
    return current_app.extensions['migrate'].db.engine


def get_engine_url():
    try:
        return get_engine().url.render_as_string(hide_password=False).replace(
            '%', '%%')
    except AttributeError:
        return str(get_engine().url).replace('%', '%%')


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option('sqlalchemy.url', get_engine_url())
target_db = current_app.extensions['migrate'].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, 'metadatas'):
        return target_db.metadatas[None]
    return target_db.metadata


@contextmanager
def sqlite_foreign_keys_off(connection):
    """SQLite: batch operations copy a table anew, drop the old one and rename the copy; with foreign keys
    enforced (app.database turns them on for every connection), dropping the old table deletes, or sets to
    NULL, every row that refers to it. So they are off while migrations run, and each migration checks
    before it commits that no row refers to nothing (check_foreign_keys). The pragma does nothing inside a
    transaction: it is sent on the driver's connection before the first one begins (on SQLite, Alembic
    gives each migration its own transaction)."""
    if connection.dialect.name != 'sqlite':
        yield {}
        return
    driver = connection.connection.driver_connection
    driver.execute('PRAGMA foreign_keys=OFF')
    try:
        yield {'on_version_apply': check_foreign_keys}
    finally:
        connection.rollback()  # after a whole run nothing is left open; after a failed one, undone
        driver.execute('PRAGMA foreign_keys=ON')  # the connection goes back to the app's pool


def check_foreign_keys(ctx, step, heads, run_args):
    broken = ctx.connection.exec_driver_sql('PRAGMA foreign_key_check').all()
    if broken:
        moving = ' → '.join('+'.join(ids) or 'base'
                            for ids in (step.source_revision_ids, step.destination_revision_ids))
        raise RuntimeError(f'Migrating {moving} would leave rows referring to nothing; nothing of it is '
                           f'kept. (table, rowid, table referred to, foreign key number): {broken[:10]}')


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url, target_metadata=get_metadata(), literal_binds=True
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, 'autogenerate', False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info('No changes in schema detected.')

    conf_args = current_app.extensions['migrate'].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()

    with connectable.connect() as connection, sqlite_foreign_keys_off(connection) as checks:
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            **conf_args,
            **checks
        )

        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
