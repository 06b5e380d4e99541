"""One clear line on stderr, not a traceback, when a command meets a wrong setting or database."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from typer.core import TyperGroup

from ledgerlink.cli.db_cmd import fail, load_settings, shown_url
from ledgerlink.cli.exits import exit_code_for, message_for
from ledgerlink.db.faults import cause_of
from ledgerlink.errors import LedgerlinkError


def database_problem(url: str | None, exc: BaseException) -> str:
    """What went wrong with the database at `url`, its password hidden, and what to do."""
    reason = cause_of(exc)
    if url is None:
        return f"database error ({reason})"
    return (f"cannot use the database at {safe_url(url)} ({scrub(url, reason)}). Check that "
            "it is running and reachable, and LEDGERLINK_DATABASE_URL (or LEDGERLINK_DATA_DIR "
            "for SQLite).")


def settings_problem(exc: ValidationError) -> str:
    """The first invalid LEDGERLINK_* variable and why."""
    first = exc.errors()[0]
    name = "_".join(str(part) for part in first.get("loc", ())).upper()
    return f"invalid setting LEDGERLINK_{name}: {first.get('msg', 'invalid value')}"


def scrub(url: str, text: str) -> str:
    """`text` without the URL's password (drivers do not echo it today; a future one might)."""
    try:
        password = make_url(url).password
    except ArgumentError:
        return text
    return text.replace(str(password), "***") if password else text


def safe_url(url: str) -> str:
    """The URL for a message: its password hidden (and nothing of a URL that does not parse)."""
    try:
        return shown_url(url)
    except ArgumentError:
        return "the configured URL (it does not parse)"


def _configured_url() -> str | None:
    try:
        return load_settings().resolved_database_url()
    except ValidationError:
        return None


class OneLineErrors(TyperGroup):
    """The root command: a deployment problem anywhere below it ends in one line (exit 1; a
    ledgerlink error exits with its code from ledgerlink.cli.exits).

    Bugs keep their traceback: only ledgerlink's own errors, invalid settings, database errors
    and operating-system errors (a data directory that cannot be created) are shortened.
    """

    # Any: typer vendors its own click, whose Context it does not export.
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except LedgerlinkError as exc:
            fail(message_for(exc), exit_code_for(exc))
        except ValidationError as exc:
            if exc.title != "Settings":
                raise
            fail(settings_problem(exc))
        except SQLAlchemyError as exc:
            fail(database_problem(_configured_url(), exc))
        except OSError as exc:
            fail(f"cannot use {exc.filename}: {exc.strerror}" if exc.filename else str(exc))
