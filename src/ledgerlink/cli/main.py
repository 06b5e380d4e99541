"""The `ledgerlink` command: the emulator today, the hub's commands as they land."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ledgerlink.cli import db_cmd, emulator_cmd, keys_cmd, serve_cmd
from ledgerlink.cli.failures import OneLineErrors

# OneLineErrors: a missing setting or an unreachable database is one line, not a traceback.
app = typer.Typer(help="ledgerlink: a self-hosted integration hub for Xero.",
                  no_args_is_help=True, add_completion=False, cls=OneLineErrors)
app.add_typer(emulator_cmd.app, name="emulator")
app.add_typer(keys_cmd.app, name="keys")
app.add_typer(db_cmd.app, name="db")


@app.command()
def version() -> None:
    """Print the version."""
    from ledgerlink import __version__

    typer.echo(json.dumps({"ledgerlink": __version__}))


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Emulator port")] = 8766,
    api_port: Annotated[int, typer.Option(help="ledgerlink API port")] = 8765,
    keep_running: Annotated[bool, typer.Option(help="Keep the servers up afterwards")] = False,
) -> None:
    """The emulator's demo organisation connected to the hub through OAuth, and the API at work."""
    from ledgerlink.cli.hub_demo import run_demo

    raise typer.Exit(run_demo(port, api_port, keep_running))


app.command()(serve_cmd.serve)


if __name__ == "__main__":
    app()
