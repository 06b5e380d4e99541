"""Query parameters of the Xero reports: snake_case and camelCase in, Xero's spelling out."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal, Self, TypeVar

from pydantic import AliasChoices, BaseModel, ConfigDict, model_validator
from pydantic import Field as PydanticField
from pydantic import ValidationError as PydanticValidationError

from ledgerlink.errors import InputError
from ledgerlink.inputs import LedgerDate

__all__ = ["AgedByContactParams", "BalanceSheetParams", "ProfitAndLossParams", "ReportParams",
           "Timeframe", "TrialBalanceParams", "parse_params"]


def _opt(*names: str) -> Any:
    return PydanticField(default=None, validation_alias=AliasChoices(*names))


Timeframe = Literal["MONTH", "QUARTER", "YEAR"]


class ReportParams(BaseModel):
    """Report parameters: snake_case, camelCase and Xero's own spelling all accepted;
    `to_query()` gives Xero's names (WIRE maps field to wire name)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    WIRE: ClassVar[dict[str, str]] = {}

    @model_validator(mode="before")
    @classmethod
    def _upper_timeframe(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            return {k: v.upper() if k.lower() == "timeframe" and isinstance(v, str) else v
                    for k, v in data.items()}
        return data

    @model_validator(mode="after")
    def _range(self) -> Self:
        start, end = getattr(self, "from_date", None), getattr(self, "to_date", None)
        if start is not None and end is not None and start > end:
            raise ValueError("from_date must not be after to_date")
        return self

    def to_query(self) -> dict[str, str]:
        """The query string Xero expects."""
        out: dict[str, str] = {}
        for name, wire in self.WIRE.items():
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool):
                out[wire] = "true" if value else "false"
            elif isinstance(value, dt.date):
                out[wire] = value.isoformat()
            else:
                out[wire] = str(value)
        return out


Periods = Annotated[int, PydanticField(ge=1, le=12)]


class ProfitAndLossParams(ReportParams):
    """GET /Reports/ProfitAndLoss. Note `trackingOptionID`/`trackingOptionID2` (no 1)."""

    WIRE: ClassVar[dict[str, str]] = {
        "from_date": "fromDate", "to_date": "toDate", "periods": "periods",
        "timeframe": "timeframe", "tracking_category_id": "trackingCategoryID",
        "tracking_category_id_2": "trackingCategoryID2", "tracking_option_id": "trackingOptionID",
        "tracking_option_id_2": "trackingOptionID2", "standard_layout": "standardLayout",
        "payments_only": "paymentsOnly"}
    from_date: LedgerDate | None = _opt("from_date", "fromDate")
    to_date: LedgerDate | None = _opt("to_date", "toDate")
    periods: Periods | None = _opt("periods")
    timeframe: Timeframe | None = _opt("timeframe")
    tracking_category_id: uuid.UUID | None = _opt(
        "tracking_category_id", "trackingCategoryId", "trackingCategoryID")
    tracking_category_id_2: uuid.UUID | None = _opt(
        "tracking_category_id_2", "tracking_category_id2", "trackingCategoryId2",
        "trackingCategoryID2")
    tracking_option_id: uuid.UUID | None = _opt(
        "tracking_option_id", "trackingOptionId", "trackingOptionID")
    tracking_option_id_2: uuid.UUID | None = _opt(
        "tracking_option_id_2", "tracking_option_id2", "trackingOptionId2", "trackingOptionID2")
    standard_layout: bool | None = _opt("standard_layout", "standardLayout")
    payments_only: bool | None = _opt("payments_only", "paymentsOnly")


class BalanceSheetParams(ReportParams):
    """GET /Reports/BalanceSheet. Note `trackingOptionID1`/`trackingOptionID2`."""

    WIRE: ClassVar[dict[str, str]] = {
        "date": "date", "periods": "periods", "timeframe": "timeframe",
        "tracking_option_id_1": "trackingOptionID1", "tracking_option_id_2": "trackingOptionID2",
        "standard_layout": "standardLayout", "payments_only": "paymentsOnly"}
    date: LedgerDate | None = _opt("date")
    periods: Periods | None = _opt("periods")
    timeframe: Timeframe | None = _opt("timeframe")
    tracking_option_id_1: uuid.UUID | None = _opt(
        "tracking_option_id_1", "tracking_option_id1", "trackingOptionId1", "trackingOptionID1")
    tracking_option_id_2: uuid.UUID | None = _opt(
        "tracking_option_id_2", "tracking_option_id2", "trackingOptionId2", "trackingOptionID2")
    standard_layout: bool | None = _opt("standard_layout", "standardLayout")
    payments_only: bool | None = _opt("payments_only", "paymentsOnly")


class TrialBalanceParams(ReportParams):
    """GET /Reports/TrialBalance."""

    WIRE: ClassVar[dict[str, str]] = {"date": "date", "payments_only": "paymentsOnly"}
    date: LedgerDate | None = _opt("date")
    payments_only: bool | None = _opt("payments_only", "paymentsOnly")


class AgedByContactParams(ReportParams):
    """GET /Reports/Aged{Receivables,Payables}ByContact. `periods` and `timeframe` are
    accepted (the query API lists them) but Xero's aged reports take neither: not sent."""

    WIRE: ClassVar[dict[str, str]] = {"contact_id": "contactId", "date": "date",
                                      "from_date": "fromDate", "to_date": "toDate"}
    contact_id: uuid.UUID = PydanticField(validation_alias=AliasChoices(
        "contact_id", "contactId", "contactID", "ContactID"))
    date: LedgerDate | None = _opt("date")
    from_date: LedgerDate | None = _opt("from_date", "fromDate")
    to_date: LedgerDate | None = _opt("to_date", "toDate")
    periods: Periods | None = _opt("periods")
    timeframe: Timeframe | None = _opt("timeframe")


P = TypeVar("P", bound=BaseModel)


def parse_params(model: type[P], params: P | Mapping[str, Any] | None) -> P:
    """Validate query parameters, turning pydantic's complaint into an InputError."""
    if isinstance(params, model):
        return params
    try:
        return model.model_validate(dict(params or {}))
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or None
        message = str(first.get("msg", "invalid parameters"))
        raise InputError(f"{where}: {message}" if where else message, field=where) from None
