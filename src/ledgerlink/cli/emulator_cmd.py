"""`ledgerlink emulator serve`: an offline, stateful Xero on a local port."""

from __future__ import annotations

import json
import logging
from typing import Annotated

import typer
import uvicorn

from ledgerlink.emulator.core.app import create_emulator
from ledgerlink.emulator.core.config import EmulatorConfig

app = typer.Typer(help="The offline Xero emulator.", no_args_is_help=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind (loopback)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8766,
    seed: Annotated[str, typer.Option(help="demo or empty")] = "demo",
    latency_ms: Annotated[int, typer.Option(help="Added latency per API call")] = 0,
    rate_limits: Annotated[str, typer.Option(help="xero or off")] = "xero",
    auto_consent: Annotated[bool, typer.Option(help="Skip the consent page")] = False,
    random_seed: Annotated[int, typer.Option(help="Seed of the id generator")] = 1,
) -> None:
    """Serve the emulator; prints one JSON line with the seeded app and organisation."""
    if seed not in ("demo", "empty"):
        raise typer.BadParameter("seed must be demo or empty", param_hint="--seed")
    if rate_limits not in ("xero", "off"):
        raise typer.BadParameter("rate-limits must be xero or off", param_hint="--rate-limits")
    config = EmulatorConfig(seed=seed, latency_ms=latency_ms, rate_limits=rate_limits == "xero",
                            auto_consent=auto_consent, random_seed=random_seed,
                            base_url=f"http://{host}:{port}")
    emulator, asgi = create_emulator(config)
    typer.echo(json.dumps(emulator.info()), nl=True)
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
    uvicorn.run(asgi, host=host, port=port, log_level="warning", lifespan="off")


@app.command()
def tour(
    port: Annotated[int, typer.Option(help="Emulator port")] = 8766,
    keep_running: Annotated[bool, typer.Option(help="Keep the emulator up after the tour")] = False,
) -> None:
    """A scripted tour of the demo organisation through Xero's official Python SDK."""
    from ledgerlink.cli.tour import run_tour

    raise typer.Exit(run_tour(port=port, keep_running=keep_running))
