"""The error envelope every route documents in OpenAPI, and the `responses=` helper for it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from ledgerlink.errors import LedgerlinkError


def _codes() -> list[tuple[int, str]]:
    """(status, code) of every class of the error tree, found by walking it."""
    # Every module defining error classes outside errors.py, so the list never depends on
    # what happened to be imported first.
    import ledgerlink.http.tokens
    import ledgerlink.integrations.tokens  # noqa: F401
    from ledgerlink.api.errors import HttpError  # the HTTP layer's codes live with it

    found: dict[str, int] = {}
    pending: list[type[LedgerlinkError]] = [LedgerlinkError]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if "code" in vars(cls):  # a class naming its own code (a replayed error reuses one)
            found.setdefault(cls.code, cls.status)
    for status, code in HttpError.CODES.items():
        found.setdefault(code, status)
    return sorted((status, code) for code, status in found.items())


def error_codes() -> str:
    """Every error code with its status, for the API's description."""
    return ", ".join(f"`{code}` ({status})" for status, code in _codes())


class ErrorDetail(BaseModel):
    """What went wrong: a machine-readable code, a message, the offending field, details."""

    code: str = Field(description="The machine-readable code (see the list in the API's "
                                  "description)")
    message: str = Field(description="A human-readable explanation")
    field: str | None = Field(
        default=None, description="The offending parameter, header or body field, dotted (e.g. "
        "`params.schedule_unit`); null when no single field is at fault (always sent)")
    details: dict[str, Any] = Field(description="More about the problem (e.g. `problems`, "
                                                "`allowed`, `retry_at`); may be empty")


class ErrorResponse(BaseModel):
    """Every error answer: `{"error": {"code", "message", "field", "details"}}`."""

    error: ErrorDetail


def _example(code: str, message: str, field: str | None = None,
             **details: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field, "details": details}}


# One example per status, so each documented answer shows its own kind of failure.
EXAMPLES: dict[int, dict[str, Any]] = {
    400: _example("invalid_json", "The request body is not valid JSON (EOF while parsing a "
                  "value at line 1 column 9)", position=9),
    401: _example("unauthenticated", "A valid API key is required: send `Authorization: "
                  "Bearer <key>`.", "Authorization"),
    403: _example("missing_scope", "This API key lacks the scope 'integrations:write' needed "
                  "here (it has: integrations:read).", "Authorization",
                  required_scope="integrations:write"),
    404: _example("not_found", "No integration has id 3fa85f64-5717-4562-b3fc-2c963f66afa6",
                  "id"),
    409: _example("integration_not_active", "Integration 3fa85f64-5717-4562-b3fc-2c963f66afa6 "
                  "is needs_reauth, so a query cannot run. Xero refused its stored refresh "
                  "token: reconnect it.", status="needs_reauth"),
    413: _example("payload_too_large", "The request body is larger than this API accepts (at "
                  "most 1048576 bytes); send less at a time."),
    415: _example("unsupported_media_type", "Send the body as application/json with the header "
                  "`Content-Type: application/json` (this request sent 'text/plain')."),
    422: _example("invalid_input", "params.date_from: Input should be a valid date in the "
                  "format YYYY-MM-DD", "params.date_from", problems=[
                      {"field": "params.date_from", "message": "Input should be a valid date "
                       "in the format YYYY-MM-DD", "type": "date_from_datetime_parsing"}]),
    429: _example("provider_rate_limited", "report_AgedReceivablesByContact: still rate "
                  "limited (minute) after 6 attempts; try again at 2026-11-21T09:31:00+00:00",
                  problem="minute", retry_at="2026-11-21T09:31:00+00:00"),
    502: _example("provider_unavailable", "Xero failed (503) after our retries."),
    503: _example("database_unavailable", "The database does not answer; retry shortly.",
                  database="unavailable"),
    504: _example("provider_unreachable", "Xero did not answer: no answer from the provider "
                  "after 6 attempts (ConnectTimeout)"),
}


DESCRIPTIONS: dict[int, str] = {
    400: "The body is not valid JSON or not UTF-8 (`invalid_json`).",
    401: "No API key, or an unknown or revoked one (`unauthenticated`).",
    403: "The API key lacks the scope this route needs (`missing_scope`; the message names it).",
    404: "No record with this id (`not_found`).",
    409: "The request conflicts with the record's state (`conflict`).",
    413: "The body is larger than the API accepts (`payload_too_large`).",
    415: "The body is not sent as application/json (`unsupported_media_type`).",
    422: "The input breaks the schema (`invalid_input`) or its values contradict each other "
         "(`conflicting_input`); `error.field` names the offending one.",
    429: "The provider's rate limit was reached (`provider_rate_limited`); retry after "
         "`Retry-After` seconds.",
    502: "The provider (Xero) failed or refused the call; the message says why.",
    503: "The database does not answer now (`database_unavailable`); retry after "
         "`Retry-After` seconds.",
    504: "The provider did not answer in time (`provider_unreachable`).",
}


def error_responses(*codes: int, **described: str) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: each code with the error envelope and a description.

    `described` overrides a description by code, e.g. `error_responses(404, d404="No deal")`.
    """
    out: dict[int | str, dict[str, Any]] = {}
    for code in sorted(set(codes)):
        text = described.get(f"d{code}", DESCRIPTIONS.get(code, "An error."))
        out[code] = {"model": ErrorResponse, "description": text}
        if code in EXAMPLES:
            out[code]["content"] = {"application/json": {"example": EXAMPLES[code]}}
    return out
