"""The organisation's settings: one row, kept by the beheerder; defaults apply until it is saved."""

from __future__ import annotations

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import false

from huiskamer.db import UUIDAuditBase

DEFAULT_UNEXCUSED_ABSENCE_THRESHOLD = 3
DEFAULT_UNEXCUSED_ABSENCE_WINDOW_DAYS = 30
DEFAULT_EVALUATION_INTERVAL_MONTHS = 3


class OrganisationSettings(UUIDAuditBase):
    """How many unexcused absences in how many days raise a concern; how often goals are evaluated."""

    __tablename__ = "organisation_settings"
    __audited__ = True

    unexcused_absence_threshold: Mapped[int] = mapped_column(Integer, default=DEFAULT_UNEXCUSED_ABSENCE_THRESHOLD)
    unexcused_absence_window_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_UNEXCUSED_ABSENCE_WINDOW_DAYS)
    evaluation_interval_months: Mapped[int] = mapped_column(Integer, default=DEFAULT_EVALUATION_INTERVAL_MONTHS)
    # The beheerder and coordinators always need a second factor; this asks it of kinderwerkers and referrers too.
    second_factor_for_everyone: Mapped[bool] = mapped_column(default=False, server_default=false())
