"""The errors the emulated Xero answers with, each rendering the body shape Xero sends.

XeroError
├── ValidationException      400, ErrorNumber 10, Elements[].ValidationErrors[]
├── BadRequest               400, a plain message (bad query parameter, idempotency clash)
├── QueryParseException      400, ErrorNumber 16: a `where` or `order` Xero cannot parse or type
├── Unauthorized             401, problem JSON with Detail
├── Forbidden                403, problem JSON (tenant not connected, missing scope)
├── NotFound                 404, plain text
├── MethodNotAllowed         405
├── PreconditionFailed       412
├── RateLimited              429, Retry-After and X-Rate-Limit-Problem
├── NotImplementedByXero     501
└── ServiceUnavailable       503, plain text
"""

from __future__ import annotations

from typing import Any


class XeroError(Exception):
    """Base of every error response; `body()` and `headers()` give the wire form."""

    status = 500
    content_type = "application/json; charset=utf-8"

    def __init__(self, message: str = "An error occurred") -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> Any:
        """The response body (dict for JSON, str for text)."""
        return {"Title": "An error occurred", "Status": self.status, "Detail": self.message}

    def headers(self) -> dict[str, str]:
        """Extra response headers."""
        return {}


class ValidationException(XeroError):
    """400 with the offending elements echoed back and their ValidationErrors."""

    status = 400

    def __init__(self, elements: list[dict[str, Any]] | None = None,
                 message: str = "A validation exception occurred") -> None:
        super().__init__(message)
        self.elements = elements or []

    @classmethod
    def single(cls, message: str, element: dict[str, Any] | None = None) -> ValidationException:
        """One element carrying one validation message."""
        el = dict(element or {})
        el["ValidationErrors"] = [{"Message": message}]
        return cls([el])

    def first_message(self) -> str:
        """The first validation message, as SDKs surface it."""
        for el in self.elements:
            for err in el.get("ValidationErrors", []):
                return str(err.get("Message", ""))
        return self.message

    def body(self) -> Any:
        return {"ErrorNumber": 10, "Type": "ValidationException", "Message": self.message,
                "Elements": self.elements}


class BadRequest(XeroError):
    """400 without elements: a malformed parameter or a reused idempotency key."""

    status = 400

    def __init__(self, message: str, type_: str | None = "ValidationException") -> None:
        super().__init__(message)
        self.type_ = type_

    def body(self) -> Any:
        return {"ErrorNumber": 10, "Type": self.type_, "Message": self.message}


class QueryParseException(XeroError):
    """400 for a `where`/`order` with an unknown field, mismatched types or bad syntax."""

    status = 400

    def body(self) -> Any:
        return {"ErrorNumber": 16, "Type": "QueryParseException", "Message": self.message}


class Unauthorized(XeroError):
    """401 problem object, as the live API sends for a bad or expired token."""

    status = 401

    def body(self) -> Any:
        return {"Type": None, "Title": "Unauthorized", "Status": 401, "Detail": self.message}

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer error="invalid_token"'}


class Forbidden(XeroError):
    """403 problem object: tenant not connected to this token, or a scope is missing."""

    status = 403

    def __init__(self, message: str = "AuthenticationUnsuccessful") -> None:
        super().__init__(message)

    def body(self) -> Any:
        return {"Type": None, "Title": "Forbidden", "Status": 403, "Detail": self.message}


class NotFound(XeroError):
    """404 with Xero's plain-text body."""

    status = 404
    content_type = "text/html; charset=utf-8"

    def __init__(self, message: str = "The resource you're looking for cannot be found") -> None:
        super().__init__(message)

    def body(self) -> Any:
        return self.message


class MethodNotAllowed(XeroError):
    """405 for a known path with an unsupported method."""

    status = 405

    def body(self) -> Any:
        return {"Title": "Method Not Allowed", "Status": 405, "Detail": self.message}


class PreconditionFailed(XeroError):
    """412 for a missing or malformed required header."""

    status = 412

    def body(self) -> Any:
        return {"Title": "Precondition Failed", "Status": 412, "Detail": self.message}


class RateLimited(XeroError):
    """429 naming the limit that was hit and when to come back."""

    status = 429

    def __init__(self, problem: str, retry_after: int, remaining: dict[str, str] | None = None):
        super().__init__(f"Rate limit exceeded: {problem}")
        self.problem = problem
        self.retry_after = max(1, retry_after)
        self.remaining = remaining or {}

    def body(self) -> Any:
        return {"Title": "Too Many Requests", "Status": 429, "Detail": self.message}

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after), "X-Rate-Limit-Problem": self.problem,
                **self.remaining}


class NotImplementedByXero(XeroError):
    """501 for operations the emulator does not implement."""

    status = 501

    def body(self) -> Any:
        return {"Title": "Not Implemented", "Status": 501, "Detail": self.message}


class ServiceUnavailable(XeroError):
    """503 with a plain-text body (injected outages)."""

    status = 503
    content_type = "text/plain; charset=utf-8"

    def body(self) -> Any:
        return self.message
