"""A project's baseline rule kept as what it is (how many readings it averages), not as words.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05

Reviewed: starting a project wrote the baseline's rule into `projects.baseline_rule` as a sentence in the
language of whoever pressed "Start" ("mean of the last 3 readings before the start" / "среднее последних
замеров до начала (учтено замеров: 3)"), and every reader then saw that language. `baseline_window` keeps
the number of readings before the start the baseline is the mean of; the page words it in the reader's
language. The sentences the app wrote, in English or Russian, give their number. A started project with
any other text (none is known) gets 3: the only rule there has been. Projects not started keep NULL.
Downgrade writes the English sentence back.
"""
import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

WORDINGS = (re.compile(r"^mean of the last (\d+) readings before the start$"),
            re.compile(r"^среднее последних замеров до начала \(учтено замеров: (\d+)\)$"))
ONLY_RULE = 3
ENGLISH = "mean of the last {n} readings before the start"


def window_of(text: str) -> int:
    for wording in WORDINGS:
        match = wording.match(text.strip())
        if match:
            return int(match.group(1))
    return ONLY_RULE


def upgrade():
    # Plain ALTERs, not a batch: SQLite's batch mode copies the table, which the triggers on its lists
    # (0010) name, and they would break.
    op.add_column('projects', sa.Column('baseline_window', sa.Integer(), nullable=True))
    connection = op.get_bind()
    texts = connection.execute(sa.text(
        "SELECT DISTINCT baseline_rule FROM projects WHERE baseline IS NOT NULL")).scalars().all()
    for text in texts:
        connection.execute(sa.text("UPDATE projects SET baseline_window = :n "
                                   "WHERE baseline IS NOT NULL AND baseline_rule = :text"),
                           {"n": window_of(text), "text": text})
    op.drop_column('projects', 'baseline_rule')


def downgrade():
    op.add_column('projects', sa.Column('baseline_rule', sa.Text(), nullable=False, server_default=''))
    connection = op.get_bind()
    windows = connection.execute(sa.text(
        "SELECT DISTINCT baseline_window FROM projects WHERE baseline_window IS NOT NULL")).scalars().all()
    for n in windows:
        connection.execute(sa.text("UPDATE projects SET baseline_rule = :text WHERE baseline_window = :n"),
                           {"n": n, "text": ENGLISH.format(n=n)})
    if connection.dialect.name != "sqlite":  # SQLite cannot drop a default without copying the table
        op.alter_column('projects', 'baseline_rule', server_default=None)
    op.drop_column('projects', 'baseline_window')
