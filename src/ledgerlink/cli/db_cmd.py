"""`ledgerlink db`: migrate the configured database (and the helpers the storage commands share)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from ledgerlink.cli.exits import exit_code_for, message_for
from ledgerlink.config import Settings
from ledgerlink.db import migrate
from ledgerlink.db.engine import Database
from ledgerlink.errors import LedgerlinkError

T = TypeVar("T")

app = typer.Typer(help="The database: migrations (`db upgrade` on every deploy).",
                  no_args_is_help=True, add_completion=False)


def load_settings() -> Settings:
    """Settings from LEDGERLINK_* variables (and .env), read fresh for every command."""
    return Settings()


def shown_url(url: str) -> str:
    """The URL with its password hidden, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print an error to stderr and exit."""
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


def run(work: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine; ledgerlink and database errors become clean messages."""
    try:
        return asyncio.run(work)
    except LedgerlinkError as exc:
        fail(message_for(exc), exit_code_for(exc))
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        fail(f"database error ({type(cause).__name__}): {str(cause).splitlines()[0]}")


async def require_tables(db: Database, *tables: str) -> None:
    """Stop with a hint when the schema has not been created yet."""
    async with db.engine.connect() as conn:
        present = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    if not set(tables) <= present:
        fail(f"the database at {shown_url(db.url)} has no ledgerlink tables yet: run "
             "`ledgerlink db upgrade` first.")


@app.command()
def upgrade(
    revision: Annotated[str, typer.Option(help="Target revision")] = "head",
) -> None:
    """Create or migrate the schema of the configured database (safe to repeat)."""
    url = load_settings().resolved_database_url()

    async def work() -> tuple[str | None, str | None]:
        before = await migrate.current_revision(url)
        await migrate.upgrade(url, revision)
        return before, await migrate.current_revision(url)

    before, after = run(work())
    if before == after:
        typer.echo(f"{shown_url(url)} is already at revision {after}.")
    else:
        typer.echo(f"Migrated {shown_url(url)} from {before or 'an empty schema'} to "
                   f"revision {after}.")


@app.command()
def current() -> None:
    """Print the revision the configured database is at, and the newest one."""
    url = load_settings().resolved_database_url()
    at, head = run(migrate.current_revision(url)), migrate.head_revision()
    state = "up to date" if at == head else "run `ledgerlink db upgrade`"
    typer.echo(f"{shown_url(url)}: revision {at or 'none'} (newest {head}; {state})")


@app.command()
def downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision; `base` drops every table")],
) -> None:
    """Migrate the configured database back to an older revision."""
    url = load_settings().resolved_database_url()

    async def work() -> str | None:
        await migrate.downgrade(url, revision)
        return await migrate.current_revision(url)

    typer.echo(f"{shown_url(url)} is now at revision {run(work()) or 'base (no tables)'}.")


@app.command()
def revision(
    message: Annotated[str, typer.Option("--message", "-m", help="What the migration does")],
    empty: Annotated[bool, typer.Option(help="Write an empty revision to fill by hand")] = False,
) -> None:
    """(Developers) Autogenerate the next migration from the models; review it before use."""
    for path in migrate.make_revision(message, autogenerate=not empty):
        typer.echo(f"Wrote {path}")
