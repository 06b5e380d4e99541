"""Helpers of the input-limit tests."""

from __future__ import annotations

from typing import Any

import httpx

from ledgerlink.emulator.core.server import RunningEmulator

MISSING = "6c1f5a0e-2b7d-4e3a-9c8f-1d2e3f4a5b6c"  # a well-formed id no record has


def xero_calls(emulator: RunningEmulator) -> int:
    """How many accounting API calls the emulator has answered."""
    return sum(emulator.emulator.calls.values())


def error(response: httpx.Response, status: int) -> dict[str, Any]:
    """The error object of a response that must have this status."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    body: dict[str, Any] = response.json()["error"]
    return body
