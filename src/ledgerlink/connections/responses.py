"""The error responses the v2/v3 routes document in OpenAPI (the body api/errors.py renders)."""

from __future__ import annotations

from typing import Any

from ledgerlink.api.responses import ErrorDetail, ErrorResponse

ErrorBody = ErrorResponse  # one error envelope for the whole API
__all__ = ["DESCRIPTIONS", "ErrorBody", "ErrorDetail", "errors"]


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
