"""The error responses the v2/v3 routes document in OpenAPI (the body api/errors.py renders)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ErrorDetail(BaseModel):
    """What went wrong: a machine-readable code, a message, and the offending field."""

    code: str = Field(description="e.g. not_found, invalid_request, invalid_input, conflict, "
                                  "unauthenticated, missing_scope")
    message: str
    field: str | None = Field(None, description="The offending parameter or body field, "
                                                "dotted (e.g. integration.account.export.x).")
    details: dict[str, Any] | None = None


class ErrorBody(BaseModel):
    """Every error answer: `{"error": {...}}`."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"error": {
        "code": "not_found", "message": "No integration connection has uuid '…'",
        "field": "integration_uuid"}}]})

    error: ErrorDetail


DESCRIPTIONS = {
    400: "The body is not JSON (or not UTF-8).",
    401: "No API key, or an unknown or revoked one.",
    403: "The API key lacks the scope this route needs (the message names it).",
    404: "No record with this uuid.",
    409: "The change conflicts with other records.",
    422: "Invalid parameters or body; `field` names the offending one.",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: 401, 403 and 422 always, plus `codes`."""
    wanted = sorted({401, 403, 422, *codes})
    return {code: {"model": ErrorBody, "description": DESCRIPTIONS[code]} for code in wanted}
