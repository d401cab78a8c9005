"""What the features share in the database: a checked upload waiting for its confirm."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class StagedUpload(db.Model):
    """A CSV file checked at an import's preview, kept until its uploader confirms it (app.web.csvfile):
    the confirm sends back this random key, not the file."""

    __tablename__ = "staged_uploads"
    __table_args__ = (sa.CheckConstraint("kind IN ('people', 'readings', 'complaints')", name="kind_known"),)

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))  # which import: people, readings or complaints
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    text: Mapped[str] = mapped_column(sa.Text)
