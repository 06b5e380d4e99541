"""What every CRM route shares: paging parameters and the documented error responses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from ledgerlink.api.responses import ErrorResponse
from ledgerlink.crm.types import Pagination
from ledgerlink.inputs import NOT_NULL, SINGLE_LINE, QueryBool, Uuid

Limit = Annotated[int, Query(ge=1, le=200, description="Page size (1-200)")]
Offset = Annotated[int, Query(ge=0, le=2**31 - 1,
                               description="How many matching records to skip")]
# Free text in a query string: bounded, and without control characters (NUL cannot even reach
# PostgreSQL); an over-long or bad value is a 422 naming the parameter.
# Optional parameters are published without `null` (NOT_NULL): a query string cannot say it.
Search = Annotated[Annotated[str, SINGLE_LINE] | None,
                   Query(max_length=200, description="Case-insensitive substring match"),
                   NOT_NULL]
Filter = Annotated[Annotated[str, SINGLE_LINE] | None,
                   Query(max_length=255, description="Exact match"), NOT_NULL]
# true or false only: FastAPI's bool also read 1, 0, yes, off ... which the schema does not say.
Flag = Annotated[QueryBool | None, NOT_NULL]
IdFilter = Annotated[Uuid | None, NOT_NULL]


def pagination(total: int, limit: int, offset: int) -> Pagination:
    """The pagination object of a list answer."""
    return Pagination(total=total, limit=limit, offset=offset)


ErrorBody = ErrorResponse  # one error envelope for the whole API


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("The body is not valid JSON"),
    401: _error("No valid API key"),
    403: _error("The key lacks the scope this route needs"),
    422: _error("Invalid input; `error.field` names the field"),
}
READ_ERRORS: dict[int | str, dict[str, Any]] = {
    **AUTH_ERRORS, 404: _error("No record with this id")}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **READ_ERRORS, 409: _error("A concurrent change conflicted; retry")}
