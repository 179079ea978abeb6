"""Observations with a rating per goal, and the periodic evaluation of the goals with the parents."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from huiskamer.db import UUIDAuditBase
from huiskamer.progress.rules import EVALUATION_OUTCOMES, RATINGS

__all__ = ["EVALUATION_OUTCOMES", "RATINGS", "Evaluation", "GoalEvaluation", "ProgressNote"]


class ProgressNote(UUIDAuditBase):
    """A kinderwerker's short observation on one goal, with a rating from 1 (nog niet) to 4 (behaald)."""

    __tablename__ = "progress_notes"
    __audited__ = True

    goal_id: Mapped[UUID] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"))
    referral_id: Mapped[UUID] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    rating: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    observed_on: Mapped[date]
    recorded_by_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (
        Index("ix_progress_notes_goal_observed", "goal_id", "observed_on"),
        CheckConstraint("rating BETWEEN 1 AND 4", name="rating_one_to_four"),
    )


class Evaluation(UUIDAuditBase):
    """The periodic conversation with the parents about the goals; sets the next evaluation date."""

    __tablename__ = "evaluations"
    __audited__ = True

    referral_id: Mapped[UUID] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"))
    held_on: Mapped[date]
    held_by_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text, default=None)
    next_evaluation_on: Mapped[date | None] = mapped_column(default=None)

    __table_args__ = (Index("ix_evaluations_referral_held", "referral_id", "held_on"),)


class GoalEvaluation(UUIDAuditBase):
    """What one evaluation decided about one goal: continued, reached, adjusted (new wording) or stopped."""

    __tablename__ = "goal_evaluations"
    __audited__ = True

    evaluation_id: Mapped[UUID] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"), index=True)
    goal_id: Mapped[UUID] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text, default=None)
