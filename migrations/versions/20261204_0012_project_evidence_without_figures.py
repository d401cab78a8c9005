"""Projects' evidence without rating figures: the texts the app wrote there are cleared.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04

Reviewed: a project started from a weak spot, or from a workshop card, had the source's figures (others'
mean and raters, the department's own view) written into its free-text evidence, which every signed-in
person reads. The page now reads those figures through the publishing gate for readers who may see that
department's results; evidence is for people's own words. Only projects with a source round got such a
text, and it always began in one of four ways, in English or Russian:
"<round>: others rate …" / "<round>: оценка отдела «…" (a weak spot), "From the workshop …" /
"Из воркшопа «…" (a card; the weak spot's text followed it). A round renamed since leaves the round's part
unlike its name now, so the weak spot's text is known by its marker after the colon, with the marker of
its second half ("; the department's own view: " / "; самооценка отдела — ") beside it. Such a text is
cleared whole, words someone added to it too: the figures sat inside it. Any other text is kept.
Downgrade changes no data: the figures are not put back.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# (marker after "<round>: ", marker of the text's second half) of a weak spot's text, per language
WEAK_SPOT = ((': others rate ', "; the department's own view: "), (': оценка отдела «', '; самооценка отдела — '))
WORKSHOP = ('From the workshop ', 'Из воркшопа «')


def generated(evidence: str) -> bool:
    """Whether the app wrote this evidence text (and with it the source's figures)."""
    return evidence.startswith(WORKSHOP) or any(
        first in evidence and second in evidence.split(first, 1)[1] for first, second in WEAK_SPOT)


def upgrade():
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT id, evidence FROM projects WHERE source_round_id IS NOT NULL AND evidence <> ''")).all()
    cleared = [id_ for id_, evidence in rows if generated(evidence)]
    if cleared:
        bind.execute(sa.text("UPDATE projects SET evidence = '' WHERE id IN :ids")
                     .bindparams(sa.bindparam('ids', expanding=True)), {'ids': cleared})


def downgrade():
    pass  # no data changes: the cleared figures are not written back
