"""A head's public response to one of their department's three weakest dimensions in a published round."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.time import utcnow

MAX_RESPONSE = 500


class WeaknessResponse(db.Model):
    """What a department says, through its heads, about a weakness its raters showed: one per round,
    department and dimension. It names the department, never the head (the audit log keeps who wrote it)."""

    __tablename__ = "weakness_responses"
    __table_args__ = (sa.CheckConstraint(f"length(text) BETWEEN 1 AND {MAX_RESPONSE}", name="text_length"),)

    round_id: Mapped[int] = mapped_column(sa.ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id", ondelete="RESTRICT"),
                                               primary_key=True)
    dimension_id: Mapped[int] = mapped_column(sa.ForeignKey("dimensions.id", ondelete="RESTRICT"),
                                              primary_key=True)
    text: Mapped[str] = mapped_column(sa.String(MAX_RESPONSE))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
