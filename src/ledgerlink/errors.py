"""The one error tree of ledgerlink: each class carries the status and code the API answers.

LedgerlinkError                  status  code
├── ConfigurationError           500  configuration_error   the deployment is misconfigured
├── Unauthenticated              401  unauthenticated       no API key, or an unknown or revoked one
├── MissingScopeError            403  missing_scope         the API key lacks the route's scope
├── InputError                   422  invalid_input         the request breaks the published schema
│   ├── ConflictingInputError    422  conflicting_input     values that fit the schema but
│   │                                                       contradict each other or their records
│   ├── UnknownReferenceError    422  unknown_reference     a parameter names no existing record
│   └── MalformedBodyError       400  invalid_json          the body is not JSON (or not UTF-8)
├── RecordNotFoundError          404  not_found             no ledgerlink record has that id
├── RecordConflictError          409  conflict              a record's state forbids the change
│   ├── IntegrationNotActiveError 409 integration_not_active  needs_reauth, disconnected, error
│   ├── IdempotencyKeyReusedError 409 idempotency_key_reused  the key named another request
│   └── RunInProgressError       409  action_in_progress    the key's first run is still going
├── UnavailableError             503  database_unavailable  the database cannot answer now
└── ProviderError                502  provider_error        a provider (Xero) call failed
    ├── AuthError                502  provider_auth_failed  Xero refused our token (its 401)
    │   └── NeedsReauthError     409  needs_reauth          refresh token dead: reconnect
    ├── ForbiddenError           502  provider_forbidden    tenant not connected, scope missing
    ├── NotFoundError            404  provider_not_found    the record does not exist at Xero
    ├── ValidationError          422  provider_validation_failed  Xero refused the data
    ├── ConflictError            409  provider_conflict     Xero refused a reused Idempotency-Key
    ├── RateLimitedError         429  provider_rate_limited a minute or day limit (Retry-After)
    ├── ServerError              502  provider_unavailable  Xero failed after our retries
    └── TransportError           504  provider_unreachable  nothing came back (reset, timeout)

Xero's own 401 and 403 are 502s here: the caller's API key is fine, the provider refused us.
`provider_status` keeps what the provider answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic_core import PydanticCustomError


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
        """The error object the API answers with (`{"error": ...}`): always all four keys."""
        return {"code": self.code, "message": self.message, "field": self.field,
                "details": dict(self.details)}

    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries (Retry-After, WWW-Authenticate)."""
        return {}


class Unauthenticated(LedgerlinkError):
    """No API key, or one that is unknown or revoked."""

    status = 401
    code = "unauthenticated"

    def __init__(self) -> None:
        super().__init__("A valid API key is required: send `Authorization: Bearer <key>`.",
                         field="Authorization")

    def headers(self) -> dict[str, str]:
        """RFC 6750: say which scheme is expected."""
        return {"WWW-Authenticate": "Bearer"}


class MissingScopeError(LedgerlinkError):
    """The API key lacks the scope the route needs."""

    status = 403
    code = "missing_scope"

    def __init__(self, scope: str, has: list[str]) -> None:
        super().__init__(f"This API key lacks the scope '{scope}' needed here (it has: "
                         f"{', '.join(sorted(has)) or 'none'}).", field="Authorization",
                         details={"required_scope": scope})
        self.scope = scope


class ConfigurationError(LedgerlinkError):
    """The deployment is missing or has a wrong setting."""

    code = "configuration_error"


class InputError(LedgerlinkError):
    """Bad input to ledgerlink itself."""

    status = 422
    code = "invalid_input"


class ConflictingInputError(InputError):
    """Each value fits the schema, but together, or with the records they name, they are
    refused (a rule no schema can say: a start after an end, a deal without lines)."""

    code = "conflicting_input"


class MalformedBodyError(InputError):
    """The body is not JSON at all (or not UTF-8): nothing of it could be read."""

    status = 400
    code = "invalid_json"


class UnknownReferenceError(InputError):
    """A parameter names a record (a deal, a CRM contact) that does not exist."""

    code = "unknown_reference"


def conflicting_input(field: str, message: str) -> PydanticCustomError:
    """Raised in a model validator: answered as ConflictingInputError naming `field`."""
    return PydanticCustomError("conflicting_input", "{field}: {message}",
                               {"field": field, "message": message})


class UnavailableError(LedgerlinkError):
    """ledgerlink's own storage cannot answer now; `retry_after` says when to try again."""

    status = 503
    code = "database_unavailable"

    def __init__(self, message: str, *, retry_after: int = 5,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        """When to try again."""
        return {"Retry-After": str(self.retry_after)}


class RecordNotFoundError(LedgerlinkError):
    """No record of ledgerlink's own has this id (a provider's missing record is NotFoundError)."""

    status = 404
    code = "not_found"


class RecordConflictError(LedgerlinkError):
    """The change conflicts with ledgerlink's own records (a product in use, the calling key)."""

    status = 409
    code = "conflict"


class IntegrationNotActiveError(RecordConflictError):
    """Queries and actions need an active integration; this one needs a person first."""

    code = "integration_not_active"


class IdempotencyKeyReusedError(RecordConflictError):
    """An Idempotency-Key already named a different request."""

    code = "idempotency_key_reused"


class RunInProgressError(RecordConflictError):
    """The first run of this Idempotency-Key is still going; retry after `retry_after`."""

    code = "action_in_progress"

    def __init__(self, key: str, run_id: str, retry_after: int) -> None:
        super().__init__(f"An action with Idempotency-Key '{key}' is still running; retry in "
                         f"{retry_after} s to get its result", field="Idempotency-Key",
                         details={"idempotency_key": key, "action_run_id": run_id,
                                  "retry_after": retry_after})
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        """When to ask again."""
        return {"Retry-After": str(self.retry_after)}


class ProviderError(LedgerlinkError):
    """A call to a provider failed; `provider_status` is what the provider answered."""

    status = 502
    code = "provider_error"

    def __init__(self, message: str, *, provider_status: int | None = None,
                 field: str | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, field=field, details=details)
        self.provider_status = provider_status


class AuthError(ProviderError):
    """The provider rejected our credentials (its 401: a 502 here, the caller's key is fine)."""

    status = 502
    code = "provider_auth_failed"


class NeedsReauthError(AuthError):
    """The refresh token is dead: a person must reconnect; the connection and its data remain."""

    status = 409
    code = "needs_reauth"

    def __init__(self, connection_id: str, reason: str = "invalid_grant") -> None:
        super().__init__(
            f"Xero refused the stored credentials ({reason}). Reconnect the integration on "
            "its console page (/console/integrations/ID/reconnect) or with `ledgerlink connect "
            "xero --reconnect ID`; its configuration and data are kept.",
            details={"connection_id": connection_id, "reason": reason})
        self.connection_id = connection_id


class ForbiddenError(ProviderError):
    """Not permitted: tenant not connected to this token, or a scope is missing (a 502 here)."""

    status = 502
    code = "provider_forbidden"


class NotFoundError(ProviderError):
    """The record does not exist at the provider."""

    status = 404
    code = "provider_not_found"


class ValidationError(ProviderError):
    """The provider refused the input; `problems` says which item and field, and why."""

    status = 422
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

    def headers(self) -> dict[str, str]:
        """Seconds until the budget returns, rounded up."""
        if self.retry_at is None:
            return {}
        wait = max(1, int((self.retry_at - datetime.now(UTC)).total_seconds()) + 1)
        return {"Retry-After": str(wait)}


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
