"""Storage faults: which database errors mean "unavailable now", and dropping broken connections.

A database that is down, restarting, out of connections, locked for too long or read-only is
a passing condition: the API answers 503 with Retry-After and recovers by itself once the
database is back. Connections that broke (or that SQLite opened read-only while the file was
read-only) are invalidated, so the pool opens fresh ones instead of failing forever.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine, ExceptionContext

from ledgerlink.errors import UnavailableError

# SQLite raises OperationalError for statement bugs too; these messages describe the file or
# the connection instead: a passing condition.
_SQLITE_UNAVAILABLE = ("readonly database", "database is locked", "disk i/o error",
                       "unable to open database", "database or disk is full")
# Of those, the ones where the pooled connection itself is stuck and must be replaced.
_SQLITE_STUCK = ("readonly database", "disk i/o error", "unable to open database")


def unavailable(error: BaseException) -> UnavailableError | None:
    """The 503 that a storage exception means, or None when it is not a passing condition."""
    if isinstance(error, sa_exc.TimeoutError):  # the pool had no connection to give
        return UnavailableError("The database has no free connection now; retry shortly.",
                                retry_after=2, details={"cause": "pool_timeout"})
    if not isinstance(error, sa_exc.DBAPIError):
        return None
    text = str(error.orig).lower()
    if "readonly database" in text:
        return UnavailableError("The database is read-only now; writes resume when it is "
                                "writable again.", retry_after=5, details={"cause": "read_only"})
    if error.connection_invalidated or isinstance(error, sa_exc.InterfaceError):
        return _down(error)
    if not isinstance(error, sa_exc.OperationalError):
        return None  # integrity, data and programming errors are not outages
    sqlite = type(error.orig).__module__.startswith("sqlite3")
    if sqlite and not any(marker in text for marker in _SQLITE_UNAVAILABLE):
        return None
    if "database is locked" in text:
        return UnavailableError("The database is busy; retry shortly.", retry_after=1,
                                details={"cause": "locked"})
    return _down(error)


def cause_of(error: BaseException) -> str:
    """The driver's own error behind `error`, named, on one line (for messages and logs)."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0]}" if lines else type(cause).__name__


def _down(error: sa_exc.DBAPIError) -> UnavailableError:
    return UnavailableError("The database cannot be reached now; retry shortly.",
                            retry_after=5, details={"cause": type(error.orig).__name__})


def _stuck_sqlite_connection(context: ExceptionContext) -> None:
    """Treat SQLite connections stuck read-only or on a lost file as disconnected."""
    text = str(context.original_exception).lower()
    if any(marker in text for marker in _SQLITE_STUCK):
        context.is_disconnect = True


def watch(engine: Engine, dialect: str) -> None:
    """Install the error hook on a (sync) engine."""
    if dialect == "sqlite":
        event.listen(engine, "handle_error", _stuck_sqlite_connection)


__all__ = ["cause_of", "unavailable", "watch"]
