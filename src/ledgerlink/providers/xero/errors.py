"""The one place Xero's error statuses and bodies become ledgerlink's error tree."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx2

from ledgerlink.errors import (
    AuthError,
    ConflictError,
    FieldProblem,
    ForbiddenError,
    NotFoundError,
    ProviderError,
    RateLimitedError,
    ServerError,
    ValidationError,
)
from ledgerlink.providers.xero.wire import loads

__all__ = ["guess_field", "problems_from_elements", "raise_for_xero"]

# Xero names the field in many of its messages but never in a separate property; these patterns
# recover it (first match wins). Anything not listed gets field None rather than a guess.
_FIELD_RULES: list[tuple[str, str]] = [
    (r"^Invoice # must be unique", "InvoiceNumber"),
    (r"^Invoice ?Number\b", "InvoiceNumber"),
    (r"^The contact name\b", "Name"),
    (r"^The contact number\b", "ContactNumber"),
    (r"^The Contact must contain", "Contact"),
    (r"^Contact with ContactID\b", "Contact"),
    (r"^Payment amount exceeds", "Amount"),
    (r"^Payment Amount must", "Amount"),
    (r"^The allocation amount|^Allocation Amount", "Amount"),
    (r"^Please enter a unique Code|^Item Code must|^Price List Item with Code", "Code"),
    (r"^Please enter (?:a unique )?Name|^Name is required", "Name"),
    (r"^Please select an Account Type|^Account Type '", "Type"),
    (r"^(?:Invoice|Credit note|Repeating invoice) Type must", "Type"),
    (r"^The TaxType code|^The tax rate '", "TaxType"),
    (r"^Account code must be specified|^Account code '", "AccountCode"),
    (r"^Item code '", "ItemCode"),
    (r"^Due Date cannot be earlier", "DueDate"),
    (r"^The currency \w+ is not enabled", "CurrencyCode"),
    (r"^(?:Email address|EmailAddress) ", "EmailAddress"),
    (r"^At least one line item", "LineItems"),
    (r"^Status '|^ContactStatus '", "Status"),
    (r"^BankAccountType '", "BankAccountType"),
    # Generic forms that lead with the property name itself.
    (r"^([A-Z]\w*) (?:must be a number|is not a valid date|must be true or false"
     r"|must not be more than \d+ characters long|must be a list|must be an object"
     r"|must be Exclusive)", r"\1"),
]
_FIELD_PATTERNS = [(re.compile(p, re.IGNORECASE), f) for p, f in _FIELD_RULES]


def guess_field(message: str) -> str | None:
    """The Xero property a validation message is about, when the message names it."""
    text = message.strip()
    for pattern, field in _FIELD_PATTERNS:
        match = pattern.search(text)
        if match:
            return match.expand(field) if "\\" in field else field
    return None


def problems_from_elements(elements: list[Any]) -> list[FieldProblem]:
    """FieldProblems from `Elements[].ValidationErrors[]`; `item` is the element's position."""
    problems: list[FieldProblem] = []
    for index, element in enumerate(elements):
        if not isinstance(element, dict):
            continue
        for error in element.get("ValidationErrors") or []:
            message = str(error.get("Message") or "") if isinstance(error, dict) else str(error)
            if message:
                problems.append(FieldProblem(message, guess_field(message), index))
    return problems


def _body(response: httpx2.Response) -> tuple[dict[str, Any], str]:
    """The JSON object of an error body (or {}) and its text for messages."""
    try:
        text = response.text.strip()
    except (UnicodeDecodeError, LookupError):
        text = ""
    if text.startswith("{"):
        try:
            data = loads(text)
        except ValueError:
            return {}, text
        if isinstance(data, dict):
            return data, text
    return {}, text


def _tenant(response: httpx2.Response) -> str | None:
    try:
        return response.request.headers.get("xero-tenant-id")
    except RuntimeError:  # a Response built without a request (tests, replays)
        return None


def _detail(body: dict[str, Any], text: str, fallback: str) -> str:
    for key in ("Detail", "Message", "Title", "error_description", "error"):
        value = body.get(key)
        if value:
            return str(value)
    return text[:300] if text else fallback


def _retry_at(response: httpx2.Response, now: datetime) -> datetime | None:
    raw = response.headers.get("retry-after")
    if not raw:
        return None
    try:
        return now + timedelta(seconds=max(0.0, float(raw)))
    except ValueError:
        pass
    try:  # the HTTP-date form of Retry-After
        return parsedate_to_datetime(raw).astimezone(UTC)
    except (TypeError, ValueError, IndexError):
        return None


def raise_for_xero(response: httpx2.Response, *, now: datetime | None = None) -> None:
    """Return on 1xx–3xx; otherwise raise the error-tree class for Xero's answer.

    `now` anchors a 429's `retry_at` (defaults to the current UTC time).
    """
    status = response.status_code
    if status < 400:
        return
    body, text = _body(response)
    if status == 400:
        raise _bad_request(body, text)
    if status == 401:
        detail = _detail(body, text, "Unauthorized")
        raise AuthError(f"Xero rejected the access token: {detail}", provider_status=401,
                        details={"detail": detail})
    if status == 403:
        raise _forbidden(response, body, text)
    if status == 404:
        detail = text or "The resource you're looking for cannot be found"
        path = response.request.url.path if _has_request(response) else None
        raise NotFoundError(f"Xero has no such record: {detail}", provider_status=404,
                            details={"path": path} if path else None)
    if status == 409:
        raise ConflictError(_detail(body, text, "Conflict"), provider_status=409)
    if status == 429:
        raise _rate_limited(response, body, text, now or datetime.now(UTC))
    if status >= 500:
        detail = _detail(body, text, "Xero failed")
        raise ServerError(f"Xero answered {status}: {detail}", provider_status=status)
    detail = _detail(body, text, response.reason_phrase or "error")
    raise ProviderError(f"Xero answered {status}: {detail}", provider_status=status)


def _has_request(response: httpx2.Response) -> bool:
    try:
        response.request  # noqa: B018 - the property raises when no request is attached
    except RuntimeError:
        return False
    return True


def _bad_request(body: dict[str, Any], text: str) -> ProviderError:
    elements = body.get("Elements")
    message = str(body.get("Message") or body.get("Detail") or text or "Bad request")
    if isinstance(elements, list) and elements:
        problems = problems_from_elements(elements)
        if problems:
            first = problems[0].message
            extra = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            return ValidationError(f"{first}{extra}", problems)
        return ValidationError(message, [FieldProblem(message)])
    if "idempotency" in message.lower():
        # The key was first used for a different request: retrying cannot help, and sending
        # it again under a new key could duplicate the first write.
        return ConflictError(f"Xero refused a reused Idempotency-Key: {message}",
                             provider_status=400, field="Idempotency-Key")
    if body.get("error") == "invalid_grant":
        return AuthError(f"Xero refused the grant: {_detail(body, text, 'invalid_grant')}",
                         provider_status=400)
    if body.get("Type") == "QueryParseException":
        # Xero's parser names the token, not the parameter: say which filter it read.
        message = f"Xero could not parse the where/order filter: {message}"
        return ValidationError(message, [FieldProblem(message)])
    return ValidationError(message, [FieldProblem(message, guess_field(message))])


def _forbidden(response: httpx2.Response, body: dict[str, Any], text: str) -> ForbiddenError:
    detail = _detail(body, text, "Forbidden")
    tenant = _tenant(response)
    if "scope" in detail.lower():
        message = f"Xero refused the call: {detail}. Reconnect with the missing scope."
    else:
        who = f"tenant {tenant}" if tenant else "this tenant"
        message = (f"Xero refused access to {who} ({detail}): the organisation is not "
                   "connected to this token, or the connection was removed.")
    return ForbiddenError(message, provider_status=403,
                          details={"detail": detail, "tenant_id": tenant})


def _rate_limited(response: httpx2.Response, body: dict[str, Any], text: str,
                  now: datetime) -> RateLimitedError:
    problem = (response.headers.get("x-rate-limit-problem") or "unknown").lower()
    retry_at = _retry_at(response, now)
    when = f"; the budget returns at {retry_at.isoformat()}" if retry_at else ""
    scope = {"day": "daily", "minute": "per-minute", "appminute": "app-wide per-minute",
             "concurrent": "concurrent-call"}.get(problem, problem)
    return RateLimitedError(f"Xero's {scope} limit was reached{when}", problem=problem,
                            retry_at=retry_at)
