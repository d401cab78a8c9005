"""Waiting ballots sealed whole; the noise scale a round's results were published with.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

Reviewed: answers are no longer folded while a round is open, so the holding buffer needs no group columns
in the clear. A waiting ballot becomes (random id, round, one sealed text) that holds the rater's
department, the target, the scores and the comment, padded to a common size (app.ratings.sealing).
Ballots waiting at upgrade time are opened with the server's SECRET_KEY and sealed again in the new form;
one that cannot be opened (sealed under an older key) could never have been counted and is dropped, as
the fold dropped it. Downgrade does the reverse; skips, which the old buffer never held, are dropped.
`rounds.noise_scale` records the noise scale (app.ratings.noise) used when the round closed; rounds
closed before this revision have exact counts and keep NULL.
"""
import base64
import json
import secrets

import sqlalchemy as sa
from alembic import op
from cryptography.exceptions import InvalidTag

from app.ratings import sealing

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

OLD_COLUMNS = ('id', 'round_id', 'rater_department_id', 'target_kind', 'target_department_id', 'scores',
               'comment')


def _unseal_text(sealed_text):
    """A value sealed the way 0010's app sealed scores and comments, as plain text."""
    raw = base64.b64decode(sealed_text)
    return sealing._cipher().decrypt(raw[:12], raw[12:], None).decode()


def _seal_text(text):
    nonce = secrets.token_bytes(12)
    return base64.b64encode(nonce + sealing._cipher().encrypt(nonce, text.encode(), None)).decode()


def _take_all(columns):
    """Every waiting ballot, read before its table is dropped (the table is written anew, not altered)."""
    table = sa.table('pending_ballots', *(sa.column(c) for c in columns))
    rows = list(op.get_bind().execute(sa.select(table)))
    op.drop_table('pending_ballots')
    return rows


def _put_all(rows):
    if rows:
        op.get_bind().execute(sa.insert(sa.table('pending_ballots', *(sa.column(c) for c in rows[0]))), rows)


def _create_new():
    op.create_table(
        'pending_ballots',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('sealed', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_pending_ballots_round_id_rounds'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_ballots')),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f('ix_pending_ballots_round_id'), 'pending_ballots', ['round_id'])


def _create_old():
    op.create_table(
        'pending_ballots',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('rater_department_id', sa.Integer(), nullable=False),
        sa.Column('target_kind', sa.String(length=10), nullable=False),
        sa.Column('target_department_id', sa.Integer(), nullable=False),
        sa.Column('scores', sa.Text(), nullable=False),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.CheckConstraint("(target_kind = 'service') = (target_department_id <> rater_department_id)",
                           name=op.f('ck_pending_ballots_target_matches_kind')),
        sa.CheckConstraint("target_kind IN ('service', 'self', 'company')",
                           name=op.f('ck_pending_ballots_kind_known')),
        sa.ForeignKeyConstraint(['rater_department_id'], ['departments.id'],
                                name=op.f('fk_pending_ballots_rater_department_id_departments'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_pending_ballots_round_id_rounds'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['target_department_id'], ['departments.id'],
                                name=op.f('fk_pending_ballots_target_department_id_departments'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_ballots')),
        sqlite_with_rowid=False,
    )
    op.create_index('ix_pending_ballots_group', 'pending_ballots',
                    ['round_id', 'rater_department_id', 'target_kind', 'target_department_id'])


def upgrade():
    # Not batch mode: on SQLite that copies `rounds` anew, and its children's cascades would empty them.
    op.add_column('rounds', sa.Column('noise_scale', sa.Float(), nullable=True))
    rows = []
    for old in _take_all(OLD_COLUMNS):
        try:
            scores = json.loads(_unseal_text(old.scores))
            comment = _unseal_text(old.comment) if old.comment else ''
        except InvalidTag:  # sealed under an older SECRET_KEY: it could never be counted
            continue
        rows.append({'id': old.id, 'round_id': old.round_id, 'sealed': sealing.seal({
            'rater': old.rater_department_id, 'kind': old.target_kind, 'target': old.target_department_id,
            'scores': scores, 'comment': comment})})
    _create_new()
    _put_all(rows)


def downgrade():
    rows = []
    for new in _take_all(('id', 'round_id', 'sealed')):
        try:
            ballot = sealing.unseal(new.sealed)
        except sealing.BrokenSeal:
            continue
        if ballot.get('skip'):
            continue
        rows.append({'id': new.id, 'round_id': new.round_id, 'rater_department_id': ballot['rater'],
                     'target_kind': ballot['kind'], 'target_department_id': ballot['target'],
                     'scores': _seal_text(json.dumps(ballot['scores'])),
                     'comment': _seal_text(ballot['comment']) if ballot['comment'] else None})
    _create_old()
    _put_all(rows)
    op.drop_column('rounds', 'noise_scale')
