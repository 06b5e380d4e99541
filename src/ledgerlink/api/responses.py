"""The error envelope every route documents in OpenAPI, and the `responses=` helper for it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ErrorDetail(BaseModel):
    """What went wrong: a machine-readable code, a message, and the offending field."""

    code: str = Field(description="e.g. invalid_request, invalid_json, invalid_input, not_found, "
                                  "conflict, unauthenticated, missing_scope")
    message: str = Field(description="A human-readable explanation")
    field: str | None = Field(None, description="The offending parameter or body field, dotted "
                                                "(e.g. `params.schedule_unit`)")
    details: dict[str, Any] | None = Field(None, description="More about the problem (e.g. "
                                                             "`problems`, `allowed`)")


class ErrorResponse(BaseModel):
    """Every error answer: `{"error": {"code", "message", "field", "details"}}`."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"error": {"code": "invalid_input", "field": "query_type",
                   "message": "Unknown query_type 'xero_everything'. Allowed: xero_accounts, …"}},
        {"error": {"code": "missing_scope", "message": "This API key lacks the scope "
                   "'integrations:write' needed here (it has: integrations:read).",
                   "details": {"required_scope": "integrations:write"}}}]})

    error: ErrorDetail


DESCRIPTIONS: dict[int, str] = {
    400: "The body is not valid JSON (or not UTF-8).",
    401: "No API key, or an unknown or revoked one.",
    403: "The API key lacks the scope this route needs (the message names it).",
    404: "No record with this id.",
    409: "The request conflicts with the record's state.",
    422: "Invalid parameters or body; `error.field` names the offending one.",
    429: "The provider's rate limit was reached; retry after `Retry-After` seconds.",
    502: "The provider (Xero) failed or refused the call; the message says why.",
}


def error_responses(*codes: int, **described: str) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: each code with the error envelope and a description.

    `described` overrides a description by code, e.g. `error_responses(404, d404="No deal")`.
    """
    out: dict[int | str, dict[str, Any]] = {}
    for code in sorted(set(codes)):
        text = described.get(f"d{code}", DESCRIPTIONS.get(code, "An error."))
        out[code] = {"model": ErrorResponse, "description": text}
    return out


AUTHENTICATED = (401, 403, 422)
