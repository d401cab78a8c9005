"""Improvement projects, their moves and check-ins, and the editable list of root-cause categories."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.dimensions.models import Dimension
from app.extensions import db
from app.metrics.models import Metric
from app.org.models import Department
from app.ratings.models import Round
from app.time import utcnow

STATUSES = ("proposed", "active", "completed", "cancelled")
CHECK_IN_STATUSES = ("on_track", "at_risk", "off_track")

project_members = sa.Table(
    "project_members",
    db.metadata,
    sa.Column("project_id", sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)

project_departments = sa.Table(
    "project_departments",
    db.metadata,
    sa.Column("project_id", sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("department_id", sa.ForeignKey("departments.id", ondelete="RESTRICT"), primary_key=True,
              index=True),
)


class RootCause(db.Model):
    """A category of root cause (people, systems…); admins edit the list, retired ones keep history."""

    __tablename__ = "root_causes"
    __table_args__ = (sa.CheckConstraint("length(key) BETWEEN 1 AND 40", name="key_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(80))
    name_ru: Mapped[str] = mapped_column(sa.String(80))
    position: Mapped[int] = mapped_column(default=0)
    retired: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    @property
    def name(self) -> str:
        return self.name_ru if str(get_locale() or "en") == "ru" else self.name_en

    def __str__(self) -> str:
        return self.name


class Project(db.Model):
    """A cross-department project meant to move one external-client metric."""

    __tablename__ = "projects"
    __table_args__ = (
        sa.CheckConstraint("status IN ('proposed', 'active', 'completed', 'cancelled')", name="status_known"),
        sa.CheckConstraint("length(title) BETWEEN 1 AND 160", name="title_length"),
        sa.CheckConstraint("expected_lag_days IS NULL OR expected_lag_days >= 0", name="lag_not_negative"),
        # an active or finished project has everything it needs to be judged by its metric
        sa.CheckConstraint("status = 'proposed' OR status = 'cancelled' OR (metric_id IS NOT NULL AND "
                           "baseline IS NOT NULL AND target_value IS NOT NULL AND target_date IS NOT NULL "
                           "AND started_on IS NOT NULL)", name="started_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(160))
    problem: Mapped[str] = mapped_column(sa.Text, default="")
    # People's own words. Never a rating figure: the page reads those through the gate for each reader.
    evidence: Mapped[str] = mapped_column(sa.Text, default="")
    owner_department_id: Mapped[int] = mapped_column(
        sa.ForeignKey("departments.id", ondelete="RESTRICT"), index=True)
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    source_round_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rounds.id", ondelete="SET NULL"))
    source_department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("departments.id", ondelete="SET NULL"))
    source_dimension_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("dimensions.id", ondelete="SET NULL"), index=True)
    root_cause_id: Mapped[int | None] = mapped_column(sa.ForeignKey("root_causes.id", ondelete="RESTRICT"))
    metric_id: Mapped[int | None] = mapped_column(sa.ForeignKey("metrics.id", ondelete="RESTRICT"),
                                                 index=True)
    baseline: Mapped[float | None]
    # How many readings before the start the baseline is the mean of: the rule it was taken by, worded in
    # the reader's language when shown (see the project page).
    baseline_window: Mapped[int | None]
    target_value: Mapped[float | None]
    target_date: Mapped[date | None]
    expected_lag_days: Mapped[int | None]
    status: Mapped[str] = mapped_column(sa.String(10), default="proposed", index=True)
    started_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The one-time value of the "new project" form it was made by: a second copy of that form finds it.
    form_token: Mapped[str | None] = mapped_column(sa.String(64), index=True, unique=True)

    owner_department: Mapped[Department] = relationship(foreign_keys=[owner_department_id])
    lead: Mapped[User | None] = relationship(foreign_keys=[lead_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    members: Mapped[list[User]] = relationship(secondary=project_members, order_by="User.name")
    departments: Mapped[list[Department]] = relationship(secondary=project_departments,
                                                         order_by="Department.name")
    source_round: Mapped[Round | None] = relationship()
    source_department: Mapped[Department | None] = relationship(foreign_keys=[source_department_id])
    source_dimension: Mapped[Dimension | None] = relationship()
    root_cause: Mapped[RootCause | None] = relationship()
    metric: Mapped[Metric | None] = relationship()
    events: Mapped[list[ProjectEvent]] = relationship(back_populates="project", order_by="ProjectEvent.id",
                                                      cascade="all, delete-orphan")
    baseline_readings: Mapped[list[BaselineReading]] = relationship(order_by="BaselineReading.taken_on",
                                                                    cascade="all, delete-orphan")
    check_ins: Mapped[list[CheckIn]] = relationship(back_populates="project",
                                                    order_by="(CheckIn.on.desc(), CheckIn.id.desc())",
                                                    cascade="all, delete-orphan")
    # open ones first, the soonest due on top
    tasks: Mapped[list[Task]] = relationship(
        back_populates="project", cascade="all, delete-orphan",
        order_by="(Task.done, Task.due_on.is_(None), Task.due_on, Task.id)")

    @property
    def member_ids(self) -> set[int]:
        return {member.id for member in self.members}

    def __str__(self) -> str:
        return self.title


class ProjectEvent(db.Model):
    """One move of a project's status: who, when, from what to what."""

    __tablename__ = "project_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    from_status: Mapped[str | None] = mapped_column(sa.String(10))
    to_status: Mapped[str] = mapped_column(sa.String(10))
    note: Mapped[str] = mapped_column(sa.Text, default="")

    project: Mapped[Project] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class CheckIn(db.Model):
    """A dated note of what was done and whether the project is on track."""

    __tablename__ = "check_ins"
    __table_args__ = (
        sa.CheckConstraint("status IN ('on_track', 'at_risk', 'off_track')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    on: Mapped[date]
    done: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(9))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship(back_populates="check_ins")
    author: Mapped[User | None] = relationship()


class Task(db.Model):
    """A piece of the project's work: who does it, by when, and whether it is done."""

    __tablename__ = "project_tasks"
    __table_args__ = (
        sa.CheckConstraint("length(title) BETWEEN 1 AND 200", name="title_length"),
        # done_at says when it was ticked: there exactly while it is done
        sa.CheckConstraint("(done AND done_at IS NOT NULL) OR (NOT done AND done_at IS NULL)",
                           name="done_when"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    # Required by the rules; a person's row going leaves the task without an owner, as a project's lead.
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    due_on: Mapped[date | None]
    done: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    done_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The one-time value of the "add a task" form it was made by: a second copy of that form finds it.
    form_token: Mapped[str | None] = mapped_column(sa.String(64), index=True, unique=True)

    project: Mapped[Project] = relationship(back_populates="tasks")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])

    def overdue(self, today: date) -> bool:
        return not self.done and self.due_on is not None and self.due_on < today

    def __str__(self) -> str:
        return self.title


class BaselineReading(db.Model):
    """A reading the project's baseline was taken from, as it was at the start: a reading changed or added
    later for those dates does not move the baseline, and the page shows what it was taken from."""

    __tablename__ = "project_baseline_readings"

    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"),
                                            primary_key=True)
    taken_on: Mapped[date] = mapped_column(primary_key=True)
    value: Mapped[float]
