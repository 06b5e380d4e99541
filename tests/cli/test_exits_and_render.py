"""The exit codes each error ends in, and the printing helpers: 80 columns, the progress bar."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from ledgerlink.cli import render
from ledgerlink.cli.exits import ExitCode, exit_code_for
from ledgerlink.errors import (
    ConfigurationError,
    ConflictingInputError,
    IdempotencyKeyReusedError,
    InputError,
    IntegrationNotActiveError,
    LedgerlinkError,
    NeedsReauthError,
    NotFoundError,
    RecordNotFoundError,
    ServerError,
    TransportError,
    UnknownReferenceError,
    ValidationError,
)
from ledgerlink.integrations.actions import ReplayedError


@pytest.mark.parametrize(("error", "code"), [
    (InputError("x"), ExitCode.USAGE),
    (ConflictingInputError("x"), ExitCode.USAGE),
    (UnknownReferenceError("x"), ExitCode.USAGE),
    (RecordNotFoundError("x"), ExitCode.NOT_FOUND),
    (NotFoundError("x"), ExitCode.NOT_FOUND),
    (ValidationError("x"), ExitCode.PROVIDER),
    (ServerError("x"), ExitCode.PROVIDER),
    (TransportError("x"), ExitCode.PROVIDER),
    (IntegrationNotActiveError("x"), ExitCode.NOT_CONNECTED),
    (NeedsReauthError("x"), ExitCode.NOT_CONNECTED),
    (ConfigurationError("x"), ExitCode.FAILURE),
    (IdempotencyKeyReusedError("x"), ExitCode.FAILURE),
    (LedgerlinkError("x"), ExitCode.FAILURE),
    (RuntimeError("a bug"), ExitCode.FAILURE),
])
def test_each_error_exits_with_its_code(error: BaseException, code: ExitCode) -> None:
    assert exit_code_for(error) == code


def test_a_replayed_failure_exits_as_the_first_run_did() -> None:
    stored = {"status": 422, "code": "provider_validation_failed", "message": "Xero said no"}
    assert exit_code_for(ReplayedError(stored)) == ExitCode.PROVIDER
    gone = {"status": 409, "code": "needs_reauth", "message": "reconnect"}
    assert exit_code_for(ReplayedError(gone)) == ExitCode.NOT_CONNECTED


def test_fitted_tables_keep_values_whole_and_cut_names() -> None:
    rows = [["a" * 36, "A very long organisation name indeed, Limited", "active",
             "12345678.90"]] * 3
    out = Console(width=120, record=True)  # a wide terminal: still 80
    out.print(render.fitted(("id", "name", "status", "total"), rows, flexible=[1], right=[3]))
    text = out.export_text()
    assert all(len(line) <= 80 for line in text.splitlines()), text
    assert "a" * 36 in text and "12345678.90" in text and "active" in text
    assert "A very long organ…" in text


def test_too_many_columns_leave_the_last_out_and_say_so() -> None:
    rows = [[f"{'x' * 30}{i}" for i in range(4)]]
    out = Console(width=200, record=True)
    out.print(render.fitted(("a", "b", "c", "d"), rows))
    text = out.export_text()
    assert "more columns: --json" in text
    assert all(len(line) <= 80 for line in text.splitlines()), text


def test_working_shows_a_progress_bar_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    terminal = Console(file=stream, force_terminal=True, width=80)
    monkeypatch.setattr(render, "console", lambda stderr=False: terminal)
    with render.working("xero_invoices on abc"):
        pass
    assert "xero_invoices on abc" in stream.getvalue()
    quiet = io.StringIO()
    monkeypatch.setattr(render, "console", lambda stderr=False: Console(file=quiet))
    with render.working("not shown"):
        pass
    assert quiet.getvalue() == ""
