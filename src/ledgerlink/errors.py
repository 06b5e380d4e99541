"""The one error tree of ledgerlink; the API renders it, providers raise it.

LedgerlinkError                  code, message, field, status
├── ConfigurationError           500  the deployment is misconfigured
├── ProviderError                     a provider (Xero) call failed
│   ├── AuthError                401  token invalid or expired and could not be refreshed
│   │   └── NeedsReauthError     401  refresh token rejected (invalid_grant): reconnect
│   ├── ForbiddenError           403  tenant not connected, or a scope is missing
│   ├── NotFoundError            404
│   ├── ValidationError          400  with per-item, per-field messages
│   ├── ConflictError            409  e.g. an idempotency key reused for another request
│   ├── RateLimitedError         429  a minute limit that outlasted our retries, or a day limit
│   ├── ServerError              5xx  the provider failed after our retries
│   └── TransportError                connection reset, timeout, DNS: nothing came back
├── InputError                   422  bad input to ledgerlink itself
├── UnavailableError             503  ledgerlink's own database cannot answer now (Retry-After)
├── RecordNotFoundError          404  no ledgerlink record (integration, CRM record, …) has that id
└── RecordConflictError          409  a ledgerlink record's state forbids the change (e.g. in use)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class FieldProblem:
    """One message about one field of one submitted item."""

    message: str
    field: str | None = None
    item: int | None = None


class LedgerlinkError(Exception):
    """Base class: a machine-readable code, a human message, and the offending field."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, field: str | None = None,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        """The JSON body the API answers with."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return body


class ConfigurationError(LedgerlinkError):
    """The deployment is missing or has a wrong setting."""

    code = "configuration_error"


class InputError(LedgerlinkError):
    """Bad input to ledgerlink itself."""

    status = 422
    code = "invalid_input"


class UnavailableError(LedgerlinkError):
    """ledgerlink's own storage cannot answer now; `retry_after` says when to try again."""

    status = 503
    code = "database_unavailable"

    def __init__(self, message: str, *, retry_after: int = 5,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after


class RecordNotFoundError(LedgerlinkError):
    """No record of ledgerlink's own has this id (a provider's missing record is NotFoundError)."""

    status = 404
    code = "not_found"


class RecordConflictError(LedgerlinkError):
    """The change conflicts with ledgerlink's own records (a product in use, the calling key)."""

    status = 409
    code = "conflict"


class ProviderError(LedgerlinkError):
    """A call to a provider failed; `provider_status` is what the provider answered."""

    status = 502
    code = "provider_error"

    def __init__(self, message: str, *, provider_status: int | None = None,
                 field: str | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, field=field, details=details)
        self.provider_status = provider_status


class AuthError(ProviderError):
    """The provider rejected our credentials."""

    status = 401
    code = "provider_auth_failed"


class NeedsReauthError(AuthError):
    """The refresh token is dead: a person must reconnect; the connection and its data remain."""

    code = "needs_reauth"

    def __init__(self, connection_id: str, reason: str = "invalid_grant") -> None:
        super().__init__(
            f"Xero refused the stored refresh token ({reason}). Reconnect this integration in "
            "the ledgerlink console; its configuration and data are kept.",
            details={"connection_id": connection_id, "reason": reason})
        self.connection_id = connection_id


class ForbiddenError(ProviderError):
    """Not permitted: tenant not connected to this token, or a scope is missing."""

    status = 403
    code = "provider_forbidden"


class NotFoundError(ProviderError):
    """The record does not exist at the provider."""

    status = 404
    code = "provider_not_found"


class ValidationError(ProviderError):
    """The provider refused the input; `problems` says which item and field, and why."""

    status = 400
    code = "provider_validation_failed"

    def __init__(self, message: str, problems: list[FieldProblem] | None = None,
                 *, provider_status: int | None = 400) -> None:
        problems = problems or []
        first_field = next((p.field for p in problems if p.field), None)
        super().__init__(message, provider_status=provider_status, field=first_field,
                         details={"problems": [p.__dict__ for p in problems]})
        self.problems = problems


class ConflictError(ProviderError):
    """The request conflicts with an earlier one (e.g. idempotency key reuse)."""

    status = 409
    code = "provider_conflict"


class RateLimitedError(ProviderError):
    """A rate limit; `retry_at` says when the budget returns."""

    status = 429
    code = "provider_rate_limited"

    def __init__(self, message: str, *, problem: str, retry_at: datetime | None,
                 provider_status: int | None = 429) -> None:
        super().__init__(message, provider_status=provider_status,
                         details={"problem": problem,
                                  "retry_at": retry_at.isoformat() if retry_at else None})
        self.problem = problem
        self.retry_at = retry_at


class ServerError(ProviderError):
    """The provider failed (5xx) and our retries are spent."""

    status = 502
    code = "provider_unavailable"


class TransportError(ProviderError):
    """Nothing usable came back: connection refused or reset, or a timeout."""

    status = 504
    code = "provider_unreachable"


@dataclass
class ErrorSummary:
    """A compact record of an error for logs and stored results (never holds secrets)."""

    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)
