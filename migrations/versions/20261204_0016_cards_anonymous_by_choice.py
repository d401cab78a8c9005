"""A card can be posted without its writer's name on a named workshop.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04

Reviewed: whether a card was anonymous followed from its workshop only, so on a named workshop a person
could not post one hard truth without their name. `workshop_cards.anonymous` says so per card, with a check
that an anonymous card has no author. Cards of anonymous workshops are marked anonymous; no other row
changes. Plain ALTER TABLE on both databases (the check is the new column's own, which SQLite accepts in
ADD COLUMN): SQLite rebuilds no table, so no foreign key cascades into votes or merged cards. Downgrade drops
the column; cards posted anonymously on named workshops then read as "unknown" author, as before.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

CHECK = "CONSTRAINT ck_workshop_cards_anonymous_without_author CHECK (NOT anonymous OR author_id IS NULL)"


def upgrade():
    false = "false" if op.get_bind().dialect.name == "postgresql" else "0"
    op.execute(f"ALTER TABLE workshop_cards ADD COLUMN anonymous BOOLEAN DEFAULT {false} NOT NULL {CHECK}")
    op.execute("UPDATE workshop_cards SET anonymous = true WHERE workshop_id IN "
               "(SELECT id FROM workshops WHERE anonymous_cards)")


def downgrade():
    op.execute("ALTER TABLE workshop_cards DROP COLUMN anonymous")
