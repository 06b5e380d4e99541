"""`ledgerlink demo`: the emulator and the hub on their own ports, the demo organisation
connected through the console's OAuth flow, and what to paste to keep going while it runs."""

from __future__ import annotations

import asyncio
import secrets
import shutil
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import httpx2
import uvicorn
from pydantic import SecretStr
from rich.console import Console
from rich.markup import escape

from ledgerlink.automations.examples import seed_example_partner_function
from ledgerlink.cli import demo_commands as commands
from ledgerlink.cli import demo_steps as steps
from ledgerlink.cli.demo_home import (
    DEFAULT_DIR,
    DemoHome,
    DemoRefused,
    open_home,
    read_env,
    shown,
)
from ledgerlink.cli.exits import ExitCode
from ledgerlink.cli.render import aged_table
from ledgerlink.config import Settings
from ledgerlink.crm.examples import seed_example_records
from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.server import RunningEmulator, bound_socket, start_in_thread
from ledgerlink.hub import Hub

HUB_PORT, EMULATOR_PORT = 8765, 8766
START_SECONDS = 60.0
SHOWN_CUSTOMERS = 5
CONTINUED = " \\"  # a printed line that goes on below


@dataclass
class Running:
    """The two servers, and what the steps learnt."""

    home: DemoHome
    emulator: RunningEmulator | None = None
    hub_server: uvicorn.Server | None = None
    hub_thread: threading.Thread | None = None
    hub_url: str = ""
    settings: dict[str, str] = field(default_factory=dict)  # the demo.env values

    def stop(self) -> None:
        """Stop the hub (its lifespan closes its database), then the emulator."""
        if self.hub_server is not None and self.hub_thread is not None:
            self.hub_server.should_exit = True
            self.hub_thread.join(timeout=15)
        if self.emulator is not None:
            self.emulator.stop()
        self.home.release()


def cli_path() -> str:
    """How to run this very `ledgerlink`: its name when it is on PATH, else its path."""
    script = Path(sys.executable).parent / "ledgerlink"
    found = shutil.which("ledgerlink")
    if found and Path(found).absolute() == script.absolute():
        return "ledgerlink"
    return shown(script)


def _port_free(port: int) -> bool:
    try:
        sock = bound_socket(port=port)
    except OSError:
        return False
    with sock:
        sock.listen()  # as uvicorn will: a port another server listens on fails here
    return True


def pick_port(requested: int | None, default: int, flag: str, what: str, out: Console) -> int:
    """The port asked for (refused when busy), or the default, or any free one (said so)."""
    if requested is not None:
        if requested and not _port_free(requested):
            raise DemoRefused(f"port {requested}, asked for the {what}, is busy. Choose "
                              f'another: {flag} N (make demo DEMO_ARGS="{flag} N").')
        return requested
    if _port_free(default):
        return default
    with bound_socket() as sock:
        chosen = int(sock.getsockname()[1])
    out.print(f"[yellow]Port {default}, the {what}'s default, is busy: the {what} uses "
              f"{chosen} instead (choose one with {flag} N).[/]")
    return chosen


def _ok(out: Console, label: str, text: str) -> None:
    out.print(f"[green]✓[/] [bold]{label:<9}[/] {escape(text)}", soft_wrap=True)


def _start_hub(run: Running, settings: Settings, sock: socket.socket) -> None:
    from ledgerlink.api.app import create_app

    config = uvicorn.Config(create_app(settings=settings), log_level="warning",
                            access_log=False, lifespan="on")
    run.hub_server = uvicorn.Server(config)
    run.hub_thread = threading.Thread(target=run.hub_server.run, kwargs={"sockets": [sock]},
                                      name="demo-hub", daemon=True)
    run.hub_thread.start()
    deadline = time.monotonic() + START_SECONDS
    while not run.hub_server.started:
        if not run.hub_thread.is_alive() or time.monotonic() > deadline:
            raise steps.StepFailed("the hub did not start (see the log above)")
        time.sleep(0.02)


def _settings(run: Running, hub_port: int) -> Settings:
    assert run.emulator is not None
    info = run.emulator.emulator.info()
    hub_url = run.hub_url = f"http://127.0.0.1:{hub_port}"
    run.settings = {
        "LEDGERLINK_DATABASE_URL": run.home.database_url(), "LEDGERLINK_PUBLIC_URL": hub_url,
        "LEDGERLINK_XERO_CLIENT_ID": info["client_id"],
        "LEDGERLINK_XERO_CLIENT_SECRET": info["client_secret"],
        "LEDGERLINK_XERO_API_URL": run.emulator.api_url,
        "LEDGERLINK_XERO_IDENTITY_URL": run.emulator.base_url}
    run.home.write_env(run.settings)
    return Settings(data_dir=run.home.path, database_url=run.home.database_url(),
                    secret_keys=SecretStr(run.home.secret_keys), public_url=hub_url,
                    xero_client_id=info["client_id"],
                    xero_client_secret=SecretStr(info["client_secret"]),
                    xero_api_url=run.emulator.api_url, xero_identity_url=run.emulator.base_url)


async def _prepare(settings: Settings) -> steps.Access:
    from ledgerlink.cli.serve_cmd import prepare

    await prepare(settings)  # migrate (a reused database may be older) and make the pepper
    hub = Hub.from_settings(settings)
    try:
        async with hub.db.session() as session:  # the records the /docs examples name
            await seed_example_records(session)
        return await steps.grant_access(hub)
    finally:
        await hub.close()


async def _connect(settings: Settings, hub_url: str, tenant_id: str) -> str:
    hub = Hub.from_settings(settings)  # its own engine: the server's belongs to its thread
    try:
        integration_id = await steps.connect(hub, hub_url, tenant_id)
        async with hub.db.session() as session:
            await seed_example_partner_function(session, integration_id)
        return integration_id
    finally:
        await hub.close()


def _show_api(out: Console, api: steps.Api, integration_id: str) -> None:
    base = f"/api/v1/integrations/{integration_id}"
    aged = api.call("POST", f"{base}/query", json={
        "query_type": "xero_aged_receivables_summary", "params": {}})["data"]
    out.print(aged_table(aged, f"Aged receivables as at {aged['as_at']} (top "
                               f"{SHOWN_CUSTOMERS} of {len(aged['contacts'])} customers)",
                         limit=SHOWN_CUSTOMERS))


def _act(out: Console, api: steps.Api, integration_id: str, action: commands.Curl) -> None:
    answer = api.call("POST", f"/api/v1/integrations/{integration_id}/action",
                      json=action.body, headers=dict(action.headers))["data"]
    _ok(out, "action", f"CRM deal → Xero invoice {answer.get('invoice_number')} for "
                       f"{answer.get('total')} "
                       f"({'new' if answer.get('contact_created') else 'existing'} contact)")


def _block(out: Console, run: Running, access: steps.Access, integration_id: str,
           shown_commands: list[tuple[str, list[str]]]) -> None:
    home, cli = run.home, cli_path()
    out.print(f"\n[bold]The demo is running.[/] Console: [bold]{run.hub_url}/console[/]",
              soft_wrap=True)
    if access.password is not None:
        out.print(f"  Sign in with the admin password [bold]{access.password}[/] (shown this "
                  f"once: only its hash is kept; `{cli} admin set-password` sets another).",
                  soft_wrap=True)
    else:
        out.print("  Sign in with the admin password printed when this demo database was "
                  f"made (forgotten? set another: `{cli} admin set-password`, with the "
                  "settings below).", soft_wrap=True)
    out.print(f"  API docs: {run.hub_url}/docs · API key (shown once): [bold]{access.key}[/]",
              soft_wrap=True)
    out.print(f"  Data: {shown(home.path)} (kept when the demo stops; --fresh starts over)",
              soft_wrap=True)
    out.print("\nPaste into another terminal while the demo runs:", soft_wrap=True)
    out.print(f"  export LL={run.hub_url}/api/v1\n  export LL_KEY={access.key}\n"
              f"  export LL_ID={integration_id}", soft_wrap=True, markup=False, highlight=False)
    for comment, lines in shown_commands:
        out.print(f"  # {escape(comment)}", style="dim", soft_wrap=True)
        # As typed: no markup (escaping would double a line's closing backslash).
        out.print("\n".join(f"  {'  ' if i else ''}{line}" for i, line in enumerate(lines)),
                  soft_wrap=True, markup=False, highlight=False)


def _printed(cli: str, curls: list[commands.Curl], clis: list[commands.Cli],
             env_file: str) -> list[tuple[str, list[str]]]:
    out = [(c.comment, c.lines()) for c in curls]
    out.append((f"the CLI, with the demo's settings from {env_file}",
                [f"set -a; . {env_file}; set +a"]))
    return out + [(c.comment, c.lines(cli)) for c in clis]


def _smoke(out: Console, run: Running, access: steps.Access, integration_id: str,
           curls: list[commands.Curl], clis: list[commands.Cli]) -> None:
    ctx = commands.Context({"LL": f"{run.hub_url}/api/v1", "LL_KEY": access.key,
                            "LL_ID": integration_id},
                           str(Path(sys.executable).parent / "ledgerlink"),
                           commands.cli_env(read_env(run.home.env_path)))
    out.print("\n[bold]Smoke test:[/] running every command printed above.")
    if access.password is not None:
        steps.sign_in(run.hub_url, access.password)
        _ok(out, "ran", "console sign-in with the printed password → signed in")
    todo: list[tuple[str, Callable[[commands.Context], str]]] = [
        (c.lines()[0], c.run) for c in curls]
    todo += [(c.lines(cli_path())[0], c.run) for c in clis]
    for first, run_it in todo:  # each said as soon as it ran, so a failure follows the last
        _ok(out, "ran", f"{first.removesuffix(CONTINUED)} → {run_it(ctx)}")
    out.print(f"[bold green]Smoke test passed:[/] {len(curls) + len(clis)} commands ran.")


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops the demo as Ctrl-C does (both servers, cleanly)."""
    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous: Any = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (a test): nothing to install
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_demo(hub_port: int | None = None, emulator_port: int | None = None,
             data_dir: Path | None = None, fresh: bool = False, smoke: bool = False,
             out: Console | None = None) -> int:
    """Run the demo until Ctrl-C (or, with `smoke`, run every printed command and stop)."""
    out = out or Console(highlight=False)
    try:
        hub_port = pick_port(hub_port, HUB_PORT, "--hub-port", "hub", out)
        emulator_port = pick_port(emulator_port, EMULATOR_PORT, "--emulator-port", "emulator",
                                  out)
        home = open_home(data_dir or DEFAULT_DIR, fresh)
    except DemoRefused as exc:
        out.print(f"[red]✗ The demo did not start:[/] {escape(str(exc))}", soft_wrap=True)
        return ExitCode.USAGE
    for note in home.notes:
        out.print(escape(note), soft_wrap=True)
    run = Running(home)
    with _sigterm_as_interrupt():
        try:
            return _run(out, run, hub_port, emulator_port, smoke)
        except KeyboardInterrupt:
            return ExitCode.OK
        except (steps.StepFailed, commands.CommandFailed, httpx2.HTTPError, OSError) as exc:
            out.print(f"[red]✗ demo failed:[/] {escape(str(exc))}", soft_wrap=True)
            return ExitCode.FAILURE
        finally:
            run.stop()
            out.print(f"Stopped the hub and the emulator. The demo database stays in "
                      f"{shown(home.path)}: the next demo there reuses it (--fresh starts "
                      "over).", soft_wrap=True)


def _run(out: Console, run: Running, hub_port: int, emulator_port: int, smoke: bool) -> int:
    hub_socket = bound_socket(port=hub_port)  # bound now: the settings need its port
    run.emulator = start_in_thread(EmulatorConfig(seed="demo"), port=emulator_port)
    info = run.emulator.emulator.info()
    settings = _settings(run, int(hub_socket.getsockname()[1]))
    steps.prepare_emulator(run.emulator.base_url, info["client_id"],
                           f"{run.hub_url}/oauth/xero/callback")
    _ok(out, "emulator", f"{run.emulator.base_url}: {info['tenant_name']} and "
                         f"{steps.SECOND_ORG} (seeded)")
    access = asyncio.run(_prepare(settings))
    run.home.announce(run.hub_url)
    _start_hub(run, settings, hub_socket)
    _ok(out, "hub", f"{run.hub_url} · SQLite {shown(run.home.db_path)}")
    integration_id = asyncio.run(_connect(settings, run.hub_url, info["tenant_id"]))
    _ok(out, "connect", f"{info['tenant_name']} through the console's Xero sign-in: "
                        "authorize → consent → the hub's callback (state, PKCE S256) → "
                        f"integration {integration_id}")
    api = steps.Api(run.hub_url, access.key)
    try:
        _show_api(out, api, integration_id)
        curls = commands.curl_commands(steps.deal_for_invoice(api),
                                       f"demo-{secrets.token_hex(6)}")
        _act(out, api, integration_id, curls[-1])
    finally:
        api.close()
    clis = commands.cli_commands()
    _block(out, run, access, integration_id,
           _printed(cli_path(), curls, clis, shown(run.home.env_path)))
    if smoke:
        _smoke(out, run, access, integration_id, curls, clis)
        return ExitCode.OK
    out.print("\nRunning; press Ctrl-C to stop.")
    while run.hub_thread is not None and run.hub_thread.is_alive():
        time.sleep(0.5)
    out.print("[red]The hub stopped by itself.[/]")
    return ExitCode.FAILURE
