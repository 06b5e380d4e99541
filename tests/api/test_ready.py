"""GET /ready: 200 while the database answers `SELECT 1`, else a prompt 503 with Retry-After."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from ledgerlink.api.app import create_app
from ledgerlink.config import Settings
from ledgerlink.db.crypto import SecretBox
from ledgerlink.emulator.core.server import free_port
from ledgerlink.hub import Hub


async def get(hub: Hub, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_app(hub=hub))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
        return await http.get(path)


def hub_at(url: str) -> Hub:
    return Hub.from_settings(Settings(database_url=url,
                                      secret_keys=SecretStr(SecretBox.generate_key())))


async def test_ready_when_the_database_answers(client: httpx.AsyncClient) -> None:
    answer = await client.get("/ready")  # no key needed: load balancers probe it
    assert answer.status_code == 200
    assert answer.json() == {"status": "ready", "database": "ok"}


async def test_not_ready_when_the_database_refuses() -> None:
    hub = hub_at(f"postgresql+psycopg://ll:secret@127.0.0.1:{free_port()}/gone")
    try:
        answer = await get(hub, "/ready")
        assert answer.status_code == 503
        assert int(answer.headers["retry-after"]) > 0
        error = answer.json()["error"]
        assert error["code"] == "database_unavailable"
        assert error["details"] == {"database": "unavailable"}
        assert "secret" not in answer.text and "127.0.0.1" not in answer.text
        assert (await get(hub, "/health")).status_code == 200  # liveness is unaffected
    finally:
        await hub.close()


@pytest.fixture
async def silent_server() -> AsyncIterator[int]:
    """A port that accepts connections and never says a word (a hung database)."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.close()
        server.close()


async def test_a_database_that_hangs_is_not_ready_after_the_timeout(silent_server: int) -> None:
    hub = hub_at(f"postgresql+psycopg://ll@127.0.0.1:{silent_server}/hung")
    try:
        assert await hub.database_ready(timeout=0.2) == "did not answer within 0.2 s"
    finally:
        await hub.close()
