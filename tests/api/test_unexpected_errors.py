"""A bug in a route is a JSON 500 on a connection that stays open for the next request."""

from __future__ import annotations

import http.client
import json
import logging
from pathlib import Path

import pytest
from fastapi import FastAPI

from tests.hub_fixtures import base_settings
from tests.quality.support import LiveHub


def test_a_500_keeps_the_connection(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    live = LiveHub(base_settings(f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}", tmp_path))
    try:
        url = live.serve()
        app = live.server.config.app if live.server else None
        assert isinstance(app, FastAPI)

        @app.get("/boom")
        async def boom() -> None:
            raise RuntimeError("a bug with a secret-looking detail llk_notreal")

        port = int(url.rsplit(":", 1)[1])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        with caplog.at_level(logging.ERROR, logger="ledgerlink.api"):
            conn.request("GET", "/boom")
            response = conn.getresponse()
            body = json.loads(response.read())
        assert response.status == 500
        assert body == {"error": {"code": "internal_error", "message": "An unexpected error "
                                  "occurred; it has been logged.", "field": None,
                                  "details": {}}}
        assert "llk_notreal" not in json.dumps(body)
        assert any("RuntimeError" in (r.exc_text or "") for r in caplog.records)
        sock = conn.sock
        conn.request("GET", "/health")
        health = conn.getresponse()
        assert health.status == 200 and json.loads(health.read())["status"] == "ok"
        assert conn.sock is sock  # the same keep-alive connection answered
        conn.close()
    finally:
        live.close()
