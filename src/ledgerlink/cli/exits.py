"""The CLI's exit codes, in one place: what each means, and which error ends in which."""

from __future__ import annotations

from enum import IntEnum

from ledgerlink.errors import IntegrationNotActiveError, LedgerlinkError, NeedsReauthError


class ExitCode(IntEnum):
    """What a `ledgerlink` command's exit status says (scripts branch on these)."""

    OK = 0
    FAILURE = 1  # anything else: settings, the database, a bug
    USAGE = 2  # a wrong option or argument, or input the hub refuses
    NOT_FOUND = 3  # no integration (or record) has that id
    PROVIDER = 4  # Xero refused or failed the call
    NOT_CONNECTED = 5  # the integration is disconnected or needs reconnecting


NOT_CONNECTED_CODES = (IntegrationNotActiveError.code, NeedsReauthError.code)
# Typer renders help epilogs as Markdown-ish rich text: one line per code.
EXIT_CODES_HELP = ("Exit codes: 0 ok · 1 failure (settings, database) · 2 usage or refused input "
                   "· 3 not found · 4 Xero refused or failed · 5 not connected (reconnect it)")


def exit_code_for(exc: BaseException) -> ExitCode:
    """The exit code of a command that ended with `exc`.

    Read from the error's code and status rather than its class, so that a failure replayed
    for a repeated Idempotency-Key (which keeps the first run's code) exits the same way.
    """
    if not isinstance(exc, LedgerlinkError):
        return ExitCode.FAILURE
    if exc.code in NOT_CONNECTED_CODES:
        return ExitCode.NOT_CONNECTED
    if exc.status == 404:
        return ExitCode.NOT_FOUND
    if exc.code.startswith("provider_"):
        return ExitCode.PROVIDER
    if exc.status in (400, 422):
        return ExitCode.USAGE
    return ExitCode.FAILURE


def message_for(exc: LedgerlinkError) -> str:
    """The error's message; refused input names its field when the message does not."""
    if exc.status in (400, 422) and exc.field and exc.field not in exc.message:
        return f"{exc.field}: {exc.message}"
    return exc.message
