"""Which tables the audit trail records is asked at every write statement: worked out once, and again when a model
is mapped later."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

import huiskamer.app  # noqa: F401  (every model of the app mapped)
from huiskamer.audit.hook import audited_table_names


def test_the_audited_tables_are_remembered_until_a_model_is_mapped() -> None:
    known = audited_table_names()
    assert {"children", "referrals", "attendance"} <= known
    assert audited_table_names() is known

    class Elsewhere(DeclarativeBase):
        pass

    class Scratch(Elsewhere):
        __tablename__ = "scratch"
        id: Mapped[int] = mapped_column(primary_key=True)

    again = audited_table_names()
    assert again is not known  # worked out afresh
    assert again == known  # a registry of its own: not one of the app's tables
