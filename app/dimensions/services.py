"""Rules for service dimensions: seeding, editing, ordering, retiring."""
import sqlalchemy as sa

from app.audit.services import record
from app.dimensions.defaults import DEFAULT_DIMENSIONS
from app.dimensions.models import Dimension
from app.extensions import db

TEXT_FIELDS = ("name_en", "name_ru", "description_en", "description_ru", "question_en", "question_ru")


class DimensionError(Exception):
    """A rule of dimensions was broken; the message is shown to the user."""


def ordered(include_retired: bool = True) -> list[Dimension]:
    query = sa.select(Dimension).order_by(Dimension.retired, Dimension.position, Dimension.id)
    if not include_retired:
        query = query.where(Dimension.retired.is_(False))
    return list(db.session.scalars(query))


def seed_default_dimensions() -> int:
    """Add the source's nine dimensions that are missing; safe to run again. Returns how many were added."""
    existing = set(db.session.scalars(sa.select(Dimension.key)))
    added = 0
    for position, values in enumerate(DEFAULT_DIMENSIONS, start=1):
        if values["key"] not in existing:
            db.session.add(Dimension(position=position, **values))
            added += 1
    db.session.flush()
    return added


def create_dimension(actor, key: str, texts: dict) -> Dimension:
    key = key.strip().lower()
    if db.session.scalar(sa.select(Dimension.id).where(Dimension.key == key)):
        raise DimensionError("key")
    last = db.session.scalar(sa.select(sa.func.max(Dimension.position))) or 0
    dimension = Dimension(key=key, position=last + 1, **{f: texts[f].strip() for f in TEXT_FIELDS})
    db.session.add(dimension)
    db.session.flush()
    record(actor, "dimension.create", dimension.name_en)
    return dimension


def update_dimension(actor, dimension: Dimension, texts: dict) -> None:
    for field in TEXT_FIELDS:
        setattr(dimension, field, texts[field].strip())
    record(actor, "dimension.update", dimension.name_en)


def move_dimension(actor, dimension: Dimension, step: int) -> None:
    """Swap places with the neighbour above (step -1) or below (step +1) among active dimensions."""
    active = ordered(include_retired=False)
    if dimension not in active:
        raise DimensionError("retired")
    for position, item in enumerate(active):  # renumber so positions are distinct
        item.position = position
    index = active.index(dimension)
    other = index + step
    if 0 <= other < len(active):
        active[index].position, active[other].position = other, index
        record(actor, "dimension.move", dimension.name_en, "up" if step < 0 else "down")


def set_retired(actor, dimension: Dimension, retired: bool) -> None:
    """Retire or restore; asking for the state it already has (a second tab, a double click) is a no-op."""
    if dimension.retired == retired:
        return
    if retired and len(ordered(include_retired=False)) <= 1:
        raise DimensionError("last")
    dimension.retired = retired
    if not retired:
        last = db.session.scalar(sa.select(sa.func.max(Dimension.position))) or 0
        dimension.position = last + 1
    record(actor, "dimension.retire" if retired else "dimension.restore", dimension.name_en)
