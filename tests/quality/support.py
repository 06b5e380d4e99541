"""Helpers of the quality gates: the emulator without limits, connecting it, a live hub server."""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from pydantic import SecretStr

from ledgerlink.api.app import create_app
from ledgerlink.config import Settings
from ledgerlink.db.crypto import SecretBox
from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.server import RunningEmulator, bound_socket
from ledgerlink.http.budget import MemoryBudget, XeroLimits
from ledgerlink.hub import Hub
from tests.hub_fixtures import connect_emulator, consent  # noqa: F401  (consent: re-exported)

T = TypeVar("T")
HIGH = 10**9  # limits out of reach: the emulator still reports X-*Limit-Remaining from them


def emulator_config() -> EmulatorConfig:
    """The demo organisation with rate limits off, so fuzzing never waits a minute."""
    return EmulatorConfig(seed="demo", rate_limits=False, minute_limit=HIGH, day_limit=HIGH,
                          app_minute_limit=HIGH, access_token_ttl=24 * 3600)


def hub_settings(database_url: str, data_dir: Path, emulator: RunningEmulator) -> Settings:
    """A test hub whose Xero app is the emulator's demo app, with every secret setting set
    (two Fernet keys, a webhook key, an SMTP password) so a leak of any of them shows."""
    info = emulator.emulator.info()
    keys = f"{SecretBox.generate_key()},{SecretBox.generate_key()}"
    return Settings(data_dir=data_dir, database_url=database_url, secret_keys=SecretStr(keys),
                    api_key_pepper=SecretStr("quality-" + secrets.token_urlsafe(24)),
                    xero_client_id=info["client_id"],
                    xero_client_secret=SecretStr(info["client_secret"]),
                    xero_api_url=emulator.api_url, xero_identity_url=emulator.base_url,
                    xero_webhook_key=SecretStr("whk_" + secrets.token_urlsafe(32)),
                    smtp_username="postmark-user",
                    smtp_password=SecretStr("smtp_" + secrets.token_urlsafe(24)))


def unlimited_budget(hub: Hub) -> None:
    """The hub's rate budget with the emulator's (absent) limits instead of Xero's 60 a minute."""
    hub.xero_budget = MemoryBudget(XeroLimits(per_minute=HIGH, per_day=HIGH,
                                              app_per_minute=HIGH))


async def connect_demo(hub: Hub, emulator: RunningEmulator,
                       token: dict[str, Any] | None = None) -> str:
    """Connect the demo organisation from a consent's tokens and /connections; its id."""
    return await connect_emulator(hub, emulator, token)



class LiveHub:
    """A hub served by uvicorn on loopback, on an event loop of its own thread.

    Synchronous callers (schemathesis, hypothesis) talk to it over real HTTP; `run` executes
    set-up coroutines on the server's loop, so pooled connections never change loops.
    """

    def __init__(self, settings: Settings) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="live-hub",
                                       daemon=True)
        self.thread.start()
        self.hub = Hub.from_settings(settings)
        self.server: uvicorn.Server | None = None
        self.url = ""

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        """Run a coroutine on the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def serve(self) -> str:
        """Start serving the API; its base URL."""
        # Bound here and handed to uvicorn: a port merely found free could be taken by another
        # test run on the machine before uvicorn binds it.
        sock = bound_socket()
        port = int(sock.getsockname()[1])
        config = uvicorn.Config(create_app(hub=self.hub), host="127.0.0.1", port=port,
                                log_level="warning", access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self._serving = asyncio.run_coroutine_threadsafe(self.server.serve(sockets=[sock]),
                                                         self.loop)
        deadline = time.monotonic() + 60  # a guard against a hang, generous for a busy machine
        while not self.server.started:
            if self._serving.done() or time.monotonic() > deadline:
                raise RuntimeError("the hub did not start serving")
            time.sleep(0.01)
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    def close(self) -> None:
        """Stop serving, release the hub, stop the loop."""
        try:
            if self.server is not None:
                self.server.should_exit = True
                self._serving.result(15)
            self.run(self.hub.close())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()
