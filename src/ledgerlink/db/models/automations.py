"""Partner functions (IMPORT/EXPORT data operations) and the automations that run them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledgerlink.db.base import Base, Timestamped, UuidPk


class PartnerFunction(UuidPk, Timestamped, Base):
    """One data operation an integration can perform, e.g. import suppliers from Xero."""

    __tablename__ = "partner_functions"

    integration_id: Mapped[str] = mapped_column(ForeignKey("integrations.id",
                                                           ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    direction: Mapped[str] = mapped_column(String(10))  # IMPORT or EXPORT
    event_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    provider_name: Mapped[str] = mapped_column(String(32))
    object_name: Mapped[str] = mapped_column(String(100))
    mapping_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    pre_run_script_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    post_run_script_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    tag: Mapped[str | None] = mapped_column(String(100), nullable=True)
    object_mapping: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Automation(UuidPk, Timestamped, Base):
    """A timer- or event-driven rule that performs one partner function of its integration."""

    __tablename__ = "integration_automations"
    __table_args__ = (UniqueConstraint("integration_id", "code",
                                       name="uq_integration_automations_code"),)

    integration_id: Mapped[str] = mapped_column(ForeignKey("integrations.id",
                                                           ondelete="CASCADE"), index=True)
    # RESTRICT: a partner function that an automation performs cannot be deleted under it.
    partner_function_id: Mapped[str] = mapped_column(
        ForeignKey("partner_functions.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    automation_type: Mapped[str] = mapped_column(String(20))  # timerBased or eventBased
    direction: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="ACTIVE")
    provider: Mapped[str] = mapped_column(String(32))
    applies_to: Mapped[str | None] = mapped_column(String(100), nullable=True)
    applies_to_function: Mapped[str | None] = mapped_column(String(100), nullable=True)
    additional_criteria: Mapped[bool] = mapped_column(Boolean, default=False)
    check_on: Mapped[str | None] = mapped_column(String(10), nullable=True)
    check_on_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    custom_day: Mapped[str | None] = mapped_column(String(10), nullable=True)
    custom_day_time: Mapped[str | None] = mapped_column(String(5), nullable=True)
    custom_time: Mapped[str | None] = mapped_column(String(5), nullable=True)
    trigger_condition_text: Mapped[str | None] = mapped_column(Text, nullable=True)

    partner_function: Mapped[PartnerFunction] = relationship(lazy="raise")
