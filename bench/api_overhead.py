"""The time the hub adds to a query on top of the emulator's own time, next to a bare endpoint.

Usage: python bench/api_overhead.py [--n 2000] [--warmup 200] [--target-ms 3] [--cold]
                                    [--query xero_tax_rates] [--emulator process|thread]
                                    [--profile hub.prof]
Three request loops (taking turns in blocks) over real loopback HTTP, from one httpx client:
(1) a bare FastAPI endpoint under uvicorn returning a constant (the floor), (2) the same Xero
call made directly to the emulator (its own time), (3) `POST /api/v1/integrations/{id}/query`
on the hub (uvicorn, SQLite). Prints p50/p99 of each, the overhead (hub - direct) and the ratio
to the bare endpoint; exits 1 when the p50 overhead misses the target. See README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from ledgerlink.api.app import create_app
from ledgerlink.auth import service as auth_service
from ledgerlink.auth.scopes import Scope
from ledgerlink.config import Settings
from ledgerlink.db.base import Base
from ledgerlink.db.crypto import SecretBox
from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.server import RunningEmulator, bound_socket, start_in_thread
from ledgerlink.http.auth import ConnectionKind, TokenSet
from ledgerlink.http.budget import MemoryBudget, XeroLimits
from ledgerlink.hub import Hub
from ledgerlink.integrations import service
from ledgerlink.providers.xero.oauth import XeroOAuth

T = TypeVar("T")
HIGH = 10**9  # limits out of reach: the emulator still reports X-*Limit-Remaining from them
# The direct Xero call each query type makes (path under the accounting API).
DIRECT = {"xero_tax_rates": "/TaxRates", "xero_accounts": "/Accounts"}


# The child serves on the socket this process bound (its fd is inherited), so no other program
# on the machine can take the port between choosing it and listening on it.
EMULATOR_MAIN = """
import socket, sys, uvicorn
from ledgerlink.emulator.core.app import create_emulator
from ledgerlink.emulator.core.config import EmulatorConfig
sock, high = socket.socket(fileno=int(sys.argv[1])), 10**9
port = sock.getsockname()[1]
config = EmulatorConfig(seed="demo", latency_ms=0, rate_limits=False, minute_limit=high,
                        day_limit=high, app_minute_limit=high, access_token_ttl=86400,
                        base_url=f"http://127.0.0.1:{port}")
uvicorn.Server(uvicorn.Config(create_emulator(config)[1], host="127.0.0.1", port=port,
                              log_level="warning", access_log=False,
                              lifespan="off")).run(sockets=[sock])
"""



class Emulator:
    """The emulator on loopback: in its own process (like Xero, it does not share our GIL),
    or in a thread of this one (`--emulator thread`)."""

    def __init__(self, where: str) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.thread: RunningEmulator | None = None
        if where == "thread":
            self.thread = start_in_thread(EmulatorConfig(
                seed="demo", latency_ms=0, rate_limits=False, minute_limit=HIGH,
                day_limit=HIGH, app_minute_limit=HIGH, access_token_ttl=24 * 3600))
            self.base_url = self.thread.base_url
        else:
            with bound_socket() as sock:
                self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
                self.process = subprocess.Popen(
                    [sys.executable, "-c", EMULATOR_MAIN, str(sock.fileno())],
                    pass_fds=[sock.fileno()])
            self._wait()
        self.api_url = f"{self.base_url}/api.xro/2.0"
        self.info: dict[str, Any] = httpx.get(f"{self.base_url}/_emulator/info").json()

    def _wait(self) -> None:
        deadline = time.monotonic() + 120  # a guard against a hang, generous when busy
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise SystemExit("the emulator process exited")
            try:
                httpx.get(f"{self.base_url}/_emulator/info", timeout=1).raise_for_status()
                return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise SystemExit("the emulator did not start")

    def stop(self) -> None:
        """Stop it."""
        if self.thread is not None:
            self.thread.stop()
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)


class Served:
    """An ASGI app under uvicorn on loopback, on an event loop of its own thread."""

    def __init__(self, app: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.sock = bound_socket()
        self.port = int(self.sock.getsockname()[1])
        self.server = uvicorn.Server(uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False,
            lifespan="off"))
        self.url = f"http://127.0.0.1:{self.port}"
        self.serving: Future[None] | None = None

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on this server's loop."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(120)

    def call(self, fn: Callable[[], None]) -> None:
        """Run a plain function on this server's thread (where a profiler must start)."""
        async def wrapper() -> None:
            fn()
        self.run(wrapper())

    def start(self) -> None:
        """Serve, and return once connections are accepted."""
        self.serving = asyncio.run_coroutine_threadsafe(self.server.serve(sockets=[self.sock]),
                                                        self.loop)
        deadline = time.monotonic() + 60  # a guard against a hang, generous when busy
        while not self.server.started:
            if self.serving.done() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.01)

    def stop(self, last: Coroutine[Any, Any, None] | None = None) -> None:
        """Stop serving, run `last` (a clean-up) on the loop, and stop the loop."""
        self.server.should_exit = True
        if self.serving is not None:
            self.serving.result(15)
        if last is not None:
            self.run(last)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@dataclass
class Timing:
    """Latencies of one loop, in milliseconds."""

    label: str
    samples: list[float]

    def pct(self, q: float) -> float:
        """The q-th percentile (nearest rank)."""
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]

    @property
    def p50(self) -> float:
        """Median."""
        return statistics.median(self.samples)

    @property
    def p99(self) -> float:
        """99th percentile."""
        return self.pct(99)


def measure(loops: dict[str, Callable[[], httpx.Response]], n: int, warmup: int,
            block: int = 100) -> dict[str, Timing]:
    """n sequential requests per loop, the loops taking turns in blocks of `block`: a busy
    moment of the machine slows the three alike, and each server stays warm within a block."""
    for label, send in loops.items():
        for _ in range(warmup):
            check(label, send())
    samples: dict[str, list[float]] = {label: [] for label in loops}
    while len(samples[next(iter(loops))]) < n:
        for label, send in loops.items():
            for _ in range(min(block, n - len(samples[label]))):
                start = time.perf_counter()
                response = send()
                samples[label].append((time.perf_counter() - start) * 1000)
                check(label, response)
    return {label: Timing(label, values) for label, values in samples.items()}


def check(label: str, response: httpx.Response) -> None:
    """Every answer must be a 200."""
    if response.status_code != 200:
        raise SystemExit(f"{label}: answered {response.status_code}: {response.text[:300]}")


def bare_app() -> FastAPI:
    """The floor: FastAPI, one route, a constant."""
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, bool]:
        return {"ok": True}

    return app


async def prepare_hub(hub: Hub, emulator: Emulator) -> tuple[str, str, dict[str, Any]]:
    """Schema, the demo organisation connected from a consent's tokens, and an API key."""
    import ledgerlink.db.models  # noqa: F401  (registers every table)

    async with hub.db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    # Xero's 60 calls a minute would dominate 2,000 calls; the emulator's limits are off too.
    hub.xero_budget = MemoryBudget(XeroLimits(per_minute=HIGH, per_day=HIGH,
                                          app_per_minute=HIGH))
    info = emulator.info
    async with httpx.AsyncClient(base_url=emulator.base_url) as control:
        token: dict[str, Any] = (await control.post("/_emulator/connect", json={
            "client_id": info["client_id"], "tenant_ids": [info["tenant_id"]]})).json()
    oauth = XeroOAuth.for_base_url(emulator.base_url, info["client_id"], info["client_secret"])
    try:
        connections = await oauth.connections(token["access_token"])
    finally:
        await oauth.aclose()
    tokens = TokenSet(token["access_token"], token["refresh_token"],
                      time.time() + token["expires_in"],
                      tuple(token["scope"].split()))
    async with hub.db.session() as session:
        made = await service.connect_xero(session, hub, tokens, connections,
                                          kind=ConnectionKind.OAUTH_AUTHORIZATION_CODE)
        created = await auth_service.create_key(session, "bench", {Scope.INTEGRATIONS_READ},
                                                hub.pepper)
    return made[0].id, created.secret, token


def table(bare: Timing, direct: Timing, hub: Timing, target: float) -> tuple[Table, float]:
    """The results, and the p50 overhead."""
    out = Table(title="Hub overhead on a query (ms, sequential, loopback HTTP)")
    for column in ("loop", "p50", "p99", "p50 / bare"):
        out.add_column(column, justify="right" if column != "loop" else "left")
    for timing in (bare, direct, hub):
        out.add_row(timing.label, f"{timing.p50:.3f}", f"{timing.p99:.3f}",
                    f"{timing.p50 / bare.p50:.2f}x")
    overhead50, overhead99 = hub.p50 - direct.p50, hub.p99 - direct.p99
    verdict = "[green]met[/green]" if overhead50 < target else "[red]MISSED[/red]"
    out.add_row("overhead (hub - direct)", f"{overhead50:.3f}", f"{overhead99:.3f}",
                f"{overhead50 / bare.p50:.2f}x")
    out.caption = f"target: p50 overhead < {target:g} ms: {verdict}"
    return out, overhead50


def main(argv: list[str] | None = None) -> int:
    """Run the three loops and print the table; 1 when the target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="requests per loop")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--target-ms", type=float, default=3.0)
    parser.add_argument("--query", default="xero_tax_rates", choices=sorted(DIRECT))
    parser.add_argument("--emulator", choices=("process", "thread"), default="process",
                        help="where the emulator runs (a thread shares this process's GIL)")
    parser.add_argument("--cold", action="store_true",
                        help="no reuse of the integration's row between queries (every query "
                             "looks it up, as a rarely-querying caller's do)")
    parser.add_argument("--profile", type=Path, help="write cProfile stats of the hub's thread")
    args = parser.parse_args(argv)
    console = Console()

    emulator = Emulator(args.emulator)
    info = emulator.info
    data_dir = Path(tempfile.mkdtemp(prefix="ll-bench-"))
    settings = Settings(
        data_dir=data_dir, secret_keys=SecretStr(SecretBox.generate_key()),
        api_key_pepper=SecretStr("bench-pepper"), xero_client_id=info["client_id"],
        xero_client_secret=SecretStr(info["client_secret"]), xero_api_url=emulator.api_url,
        xero_identity_url=emulator.base_url)
    hub = Hub.from_settings(settings)
    if args.cold:
        hub.query_lookup_seconds = 0.0
    hub_server, bare = Served(create_app(hub=hub)), Served(bare_app())
    integration_id, api_key, token = hub_server.run(prepare_hub(hub, emulator))
    hub_server.start()
    bare.start()
    profiler = cProfile.Profile() if args.profile else None
    try:
        with httpx.Client(timeout=30) as http:
            xero_headers = {"Authorization": f"Bearer {token['access_token']}",
                            "xero-tenant-id": info["tenant_id"], "Accept": "application/json"}
            direct_url = emulator.api_url + DIRECT[args.query]
            query_url = f"{hub_server.url}/api/v1/integrations/{integration_id}/query"
            body = {"query_type": args.query}
            hub_headers = {"Authorization": f"Bearer {api_key}"}
            loops = {
                "bare FastAPI endpoint": lambda: http.get(f"{bare.url}/ping"),
                f"emulator direct ({DIRECT[args.query]})":
                    lambda: http.get(direct_url, headers=xero_headers),
                f"hub query ({args.query})":
                    lambda: http.post(query_url, json=body, headers=hub_headers),
            }
            if profiler:  # warm up first, so the profile shows the steady state only
                measure(loops, 0, args.warmup)
                hub_server.call(profiler.enable)
            timings = measure(loops, args.n, 0 if profiler else args.warmup)
            if profiler:
                hub_server.call(profiler.disable)
    finally:
        hub_server.stop(hub.close())
        bare.stop()
        emulator.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    if profiler and args.profile:
        profiler.dump_stats(args.profile)
        console.print(f"profile of the hub's thread: {args.profile} "
                      f"(python -m pstats {args.profile})")
    bare_t, direct_t, hub_t = timings.values()
    result, overhead = table(bare_t, direct_t, hub_t, args.target_ms)
    console.print(result)
    console.print(f"requests per loop: {args.n} (after {args.warmup} warm-up); emulator in a "
                  f"{args.emulator}; {'cold' if args.cold else 'warm'} integration lookups; "
                  f"Python {sys.version.split()[0]}; hub on SQLite")
    return 0 if overhead < args.target_ms else 1


if __name__ == "__main__":
    sys.exit(main())
