"""Serving the emulator over real HTTP: in a background thread for tests, or in the foreground."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from ledgerlink.emulator.core.app import EmulatorApp, create_emulator
from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.xero.state import Emulator


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS says is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def bound_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A TCP socket bound (not yet listening) for uvicorn to serve on: bound here, a port only
    looked up could be taken by another process (a second test run) before the server binds.

    IPPROTO_TCP is named on purpose: asyncio sets TCP_NODELAY only on sockets whose protocol
    says TCP, and without it every answer waits ~40 ms for a delayed ACK (Nagle).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


@dataclass
class RunningEmulator:
    """An emulator served on loopback from a background thread."""

    emulator: Emulator
    app: EmulatorApp
    base_url: str
    server: uvicorn.Server
    thread: threading.Thread
    loop_holder: list[asyncio.AbstractEventLoop] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        """Base URL of the accounting API."""
        return f"{self.base_url}/api.xro/2.0"

    @property
    def token_url(self) -> str:
        """The OAuth token endpoint."""
        return f"{self.base_url}/connect/token"

    def stop(self) -> None:
        """Stop the server and wait for its thread."""
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_in_thread(config: EmulatorConfig | None = None, host: str = "127.0.0.1",
                    port: int = 0, wrap: Callable[[Any], Any] | None = None) -> RunningEmulator:
    """Start an emulator on a free loopback port and return once it accepts connections.

    `wrap` may put ASGI middleware around the app (tests record responses this way).
    """
    config = config or EmulatorConfig()
    sock = bound_socket(host, port)
    port = int(sock.getsockname()[1])
    config.base_url = f"http://{host}:{port}"
    emulator, app = create_emulator(config)
    served = wrap(app) if wrap else app
    uv_config = uvicorn.Config(served, host=host, port=port, log_level="warning", lifespan="off",
                               access_log=False, timeout_keep_alive=30)
    server = uvicorn.Server(uv_config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name=f"emulator:{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the emulator did not start")
        time.sleep(0.01)
    return RunningEmulator(emulator, app, config.base_url, server, thread)


@contextlib.contextmanager
def running(config: EmulatorConfig | None = None) -> Iterator[RunningEmulator]:
    """Context manager form of start_in_thread."""
    handle = start_in_thread(config)
    try:
        yield handle
    finally:
        handle.stop()
