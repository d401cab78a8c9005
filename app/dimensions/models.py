"""Service dimensions: what employees rate each department on."""
import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class Dimension(db.Model):
    """Texts are kept in both languages because admins edit them; retired ones keep their history."""

    __tablename__ = "dimensions"
    __table_args__ = (sa.CheckConstraint("length(key) BETWEEN 1 AND 40", name="key_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(40), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    retired: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    name_en: Mapped[str] = mapped_column(sa.String(80))
    name_ru: Mapped[str] = mapped_column(sa.String(80))
    description_en: Mapped[str] = mapped_column(sa.Text)
    description_ru: Mapped[str] = mapped_column(sa.Text)
    question_en: Mapped[str] = mapped_column(sa.Text)
    question_ru: Mapped[str] = mapped_column(sa.Text)

    @staticmethod
    def column_of(field: str, locale: str) -> str:
        """The column holding `field` ("name", "question"…) in `locale`: English unless it is Russian."""
        return f"{field}_ru" if locale == "ru" else f"{field}_en"

    def _text(self, field: str) -> str:
        return getattr(self, self.column_of(field, str(get_locale() or "en")))

    @property
    def name(self) -> str:
        return self._text("name")

    @property
    def description(self) -> str:
        return self._text("description")

    @property
    def question(self) -> str:
        return self._text("question")
