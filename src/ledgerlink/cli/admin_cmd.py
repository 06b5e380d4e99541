"""`ledgerlink admin`: the web console's admin password."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ledgerlink.cli.db_cmd import fail, load_settings, require_tables, run
from ledgerlink.errors import InputError
from ledgerlink.hub import Hub
from ledgerlink.web import security

app = typer.Typer(help="The web console's administrator.", no_args_is_help=True,
                  add_completion=False)


@app.callback()
def admin() -> None:
    """The web console's administrator (a group, so `set-password` is always named)."""


def _read_password(from_stdin: bool) -> str:
    """The new password: one line of standard input, or typed twice at a hidden prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first: str = typer.prompt("New admin password", hide_input=True)
    second: str = typer.prompt("Repeat it", hide_input=True)
    if first != second:
        fail("the two passwords differ; nothing was changed")
    return first


@app.command("set-password")
def set_password(
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from standard input (for scripts)")] = False,
) -> None:
    """Set the console's admin password (at least 12 characters). Every console session ends,
    and the sign-in lock-out is cleared."""
    password = _read_password(password_stdin)
    try:
        security.check_new_password(password)
    except InputError as exc:
        fail(exc.message, code=2)
    settings = load_settings()

    async def work() -> None:
        hub = Hub.from_settings(settings)
        try:
            await require_tables(hub.db, "install_secrets", "console_sessions",
                                 "console_sign_in_failures")
            await security.set_password(hub, password)
        finally:
            await hub.close()

    run(work())
    typer.echo("The admin password is set. Sign in to the console at "
               f"{settings.public_url.rstrip('/')}/console")
