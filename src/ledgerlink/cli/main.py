"""The `ledgerlink` command: every subcommand registered in one place."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ledgerlink.cli import (
    admin_cmd,
    calls_cmd,
    connect_cmd,
    db_cmd,
    emulator_cmd,
    integrations_cmd,
    keys_cmd,
    serve_cmd,
)
from ledgerlink.cli.exits import EXIT_CODES_HELP
from ledgerlink.cli.failures import OneLineErrors

# OneLineErrors: a missing setting or an unreachable database is one line, not a traceback.
app = typer.Typer(help="ledgerlink: a self-hosted integration hub for Xero.",
                  epilog=EXIT_CODES_HELP, no_args_is_help=True, add_completion=False,
                  cls=OneLineErrors)
app.add_typer(emulator_cmd.app, name="emulator")
app.add_typer(keys_cmd.app, name="keys")
app.add_typer(db_cmd.app, name="db")
app.add_typer(admin_cmd.app, name="admin")
app.add_typer(integrations_cmd.app, name="integrations")
app.add_typer(connect_cmd.app, name="connect")
app.command(epilog=EXIT_CODES_HELP)(calls_cmd.query)
app.command(epilog=EXIT_CODES_HELP)(calls_cmd.action)


@app.command()
def version() -> None:
    """Print the version."""
    from ledgerlink import __version__

    typer.echo(json.dumps({"ledgerlink": __version__}))


@app.command(epilog=EXIT_CODES_HELP)
def demo(
    hub_port: Annotated[int | None, typer.Option(
        help="The hub's port (default 8765; a busy default is swapped for a free port, said "
             "so; a busy port asked for here is refused)", show_default=False)] = None,
    emulator_port: Annotated[int | None, typer.Option(
        help="The Xero emulator's port (default 8766, same rules)", show_default=False)] = None,
    data_dir: Annotated[Path | None, typer.Option(
        envvar="LEDGERLINK_DATA_DIR", show_default=False,
        help="Where the demo keeps its database and settings (default .data/demo)")] = None,
    fresh: Annotated[bool, typer.Option(
        "--fresh", help="Delete this folder's demo database first (it is reused otherwise)")
    ] = False,
    smoke: Annotated[bool, typer.Option(
        "--smoke", help="Run every printed command, say what each did, and stop (for CI)")
    ] = False,
) -> None:
    """The emulator and the hub, connected through OAuth, with commands to paste.

    Starts the Xero emulator (two organisations) and the hub, connects the demo organisation
    through the console's OAuth flow, and prints the console URL, the sign-in password, an
    API key and curl and CLI commands that work while it runs, until Ctrl-C. Through make:
    `make demo DEMO_ARGS="--hub-port 9000 --fresh"`.
    """
    from ledgerlink.cli.hub_demo import run_demo

    raise typer.Exit(run_demo(hub_port, emulator_port, data_dir, fresh, smoke))


app.command()(serve_cmd.serve)


if __name__ == "__main__":
    app()
