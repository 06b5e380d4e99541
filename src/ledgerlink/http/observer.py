"""What ProviderHttp reports after each attempt it sends: a small record, never a secret.

A `CallRecord` names who the call was for (connection, tenant), what it was (operation,
method), how it ended (HTTP status, or the class of the error that stopped it), how long it
took and what the provider said was left of its rate budget. It never holds the URL, its
query, a header or a body: those carry tokens and customer data.

One record per *attempt*, not per logical call: every attempt is a real request that spends
the provider's budget and gets its own answer (a 429 then a 200 are two lines of the log), and
the budget left is only known per response. `attempt` numbers them within their logical call.

The observer is called synchronously on the request path, so it must be cheap and must not
block (the hub's appends to a bounded in-memory queue). ProviderHttp swallows and logs
anything it raises: observing never changes the outcome of a call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ledgerlink.http.budget import remaining_from_headers


@dataclass(frozen=True)
class CallRecord:
    """One attempt of a provider call, as the activity log keeps it."""

    connection_id: str | None  # the grant whose token was used (None: not bound to one)
    app_id: str
    tenant_id: str
    operation: str
    method: str
    attempt: int  # 1 for the first try of a logical call, 2 for its first retry, …
    status: int | None  # the provider's HTTP status; None when no answer came
    error: str | None  # the exception class when no answer came (ConnectTimeout, …)
    duration_ms: int
    at: float  # epoch seconds when the attempt was sent
    day_remaining: int | None = None  # calls left today, as the provider said
    minute_remaining: int | None = None  # calls left this minute, as the provider said


CallObserver = Callable[[CallRecord], None]


def budget_left(headers: Mapping[str, str]) -> tuple[int | None, int | None]:
    """(day, minute) calls left by the provider's X-DayLimit/X-MinLimit-Remaining headers."""
    remaining = remaining_from_headers(headers)
    return remaining.get("day"), remaining.get("minute")
