"""`ledgerlink demo`'s tour: it runs end to end against a fresh emulator and says what it did."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import socket
import threading
from collections.abc import Iterator
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx2
import pytest
from rich.console import Console
from xero_python.api_client.oauth2 import TokenApi

from ledgerlink.cli import tour
from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.server import RunningEmulator, free_port, start_in_thread
from tests.conformance.spec import Recorder, validate_all


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    """Record every response of the tour's emulator, to check them against the spec."""
    recorder = Recorder()
    monkeypatch.setattr(tour, "start_in_thread", partial(start_in_thread, wrap=recorder.wrap))
    return recorder


def test_tour_runs_end_to_end(recorded: Recorder, capsys: pytest.CaptureFixture[str]) -> None:
    before = {attr: getattr(TokenApi, attr) for attr in tour.TOKEN_URL_ATTRS}
    assert tour.run_tour(port=free_port(), keep_running=False) == 0
    out = capsys.readouterr().out
    for line in ("✓ connect       authorize → consent for Harbourside Joinery Ltd",
                 "✓ connections   Harbourside Joinery Ltd", "✓ organisation  Harbourside",
                 "50 contacts, ", "pageSize 1000", "Top 5 customers by receivables",
                 "replayed it), AUTHORISED", "paid 276.00;", "with 276.00 due",
                 "as PDF,", "net assets", "net profit", "refresh token rotated",
                 "✓ webhooks      skipped: the demo app has no receiver", "Tour complete: 11 steps",
                 "client_id      LEDGERLINKDEMOAPP0000000000000001",
                 "ledgerlink emulator serve --port"):
        assert line in out, line
    assert "✗" not in out
    assert re.search(r"50 contacts, 2\d\d invoices \(\d+ sales, \d+ bills\)", out)
    assert {attr: getattr(TokenApi, attr) for attr in tour.TOKEN_URL_ATTRS} == before
    # Every JSON answer the SDK got during the tour fits the official spec.
    checked, problems = validate_all(recorded.responses)
    assert checked >= 12 and not problems, problems[:10]
    paths = {(r.method, r.path.split("/api.xro/2.0")[-1]) for r in recorded.responses}
    assert ("POST", "/identity/connect/authorize") in paths
    assert ("GET", "/Reports/BalanceSheet") in paths


def test_a_taken_port_is_replaced_and_said(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert tour.run_tour(port=port, keep_running=False) == 0
    out = capsys.readouterr().out
    assert f"Port {port} is taken; using " in out
    assert "Tour complete" in out


def test_a_failing_step_is_named_and_exits_non_zero(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # Without accounting.settings the organisation cannot be read: Xero answers 403.
    monkeypatch.setattr(tour, "SCOPES", "openid offline_access accounting.contacts")
    assert tour.run_tour(port=0, keep_running=False) == 1
    out = capsys.readouterr().out
    assert "✓ connections" in out
    assert "✗ tour failed at 'organisation':" in out
    assert "Tour complete" not in out


class _Receiver(BaseHTTPRequestHandler):
    """Answers 200 to a correctly signed body and 401 otherwise, as ITR requires."""

    key = ""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        good = base64.b64encode(hmac.new(self.key.encode(), body, hashlib.sha256).digest())
        signed = hmac.compare_digest(good.decode(), self.headers.get("x-xero-signature", ""))
        self.send_response(200 if signed else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    handle = start_in_thread(EmulatorConfig(seed="demo"))
    yield handle
    handle.stop()


def test_webhook_step_runs_intent_to_receive(emulator: RunningEmulator,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    info = emulator.emulator.info()
    handler = type("Receiver", (_Receiver,), {"key": info["webhook_key"]})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/xero/webhooks"
    try:
        with httpx2.Client(base_url=emulator.base_url, timeout=10, trust_env=False) as http:
            set_url = http.post(f"/_emulator/apps/{info['client_id']}",
                                content=json.dumps({"webhook_url": url}))
            assert set_url.status_code == 200
            tour.webhooks(tour.Tour(emulator, http, Console(soft_wrap=True), info))
    finally:
        server.shutdown()
        server.server_close()
    out = capsys.readouterr().out
    assert f"intent to receive at {url}: passed" in out
    assert "200" in out and "401" in out


def test_keep_running_serves_until_the_server_stops(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    started: list[RunningEmulator] = []

    def start(*args: Any, **kwargs: Any) -> RunningEmulator:
        handle = start_in_thread(*args, **kwargs)
        started.append(handle)
        return handle

    monkeypatch.setattr(tour, "start_in_thread", start)
    monkeypatch.setattr(tour, "STEPS", (tour.connect,))  # the frame is under test, not the steps
    stopper = threading.Timer(1.0, lambda: started[0].stop())
    stopper.start()
    try:
        assert tour.run_tour(port=0, keep_running=True) == 0
    finally:
        stopper.cancel()
    out = capsys.readouterr().out
    assert f"Emulator still serving at {started[0].base_url}; press Ctrl-C to stop." in out
    assert not started[0].thread.is_alive()
