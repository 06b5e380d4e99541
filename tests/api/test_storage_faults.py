"""Writes are durable before they are acknowledged; a lost database is a 503 the hub recovers from.

The hub is served by uvicorn on loopback: only a real server shows a response sent before
its commit, or a keep-alive connection dropped after an error.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from ledgerlink.auth import service as auth_service
from ledgerlink.auth.scopes import Scope
from ledgerlink.db.base import Base
from tests.api.tcp_proxy import TcpProxy
from tests.hub_fixtures import base_settings
from tests.quality.support import LiveHub

pytestmark = pytest.mark.timeout(120)


class Api:
    """One keep-alive HTTP/1.1 connection to the live hub, with an all-scopes key."""

    def __init__(self, url: str, key: str) -> None:
        parts = urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        self.key = key

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, dict[str, str], Any]:
        """Send one request on the same connection; (status, headers, JSON body)."""
        headers = {"Authorization": f"Bearer {self.key}"}
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=payload, headers=headers)
        response = self.conn.getresponse()
        raw = response.read()
        headers_ = {k.lower(): v for k, v in response.getheaders()}
        return response.status, headers_, json.loads(raw) if raw else None

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


def _start(database_url: str, tmp_path: Path) -> tuple[LiveHub, Api]:
    import ledgerlink.db.models  # noqa: F401  (registers every table)

    live = LiveHub(base_settings(database_url, tmp_path))

    async def prepare() -> str:
        async with live.hub.db.engine.begin() as conn:
            await conn.run_sync(Base.metadata.drop_all)
            await conn.run_sync(Base.metadata.create_all)
        async with live.hub.db.session() as session:
            made = await auth_service.create_key(session, "faults", set(Scope), live.hub.pepper)
        return made.secret

    key = live.run(prepare())
    return live, Api(live.serve(), key)


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[LiveHub, Api]]:
    """The hub on loopback with an empty schema, and a client connection to it."""
    live, api = _start(database_url, tmp_path)
    try:
        yield live, api
    finally:
        api.close()
        live.close()


def test_a_saved_record_is_readable_at_once(served: tuple[LiveHub, Api]) -> None:
    _, api = served
    status, _, product = api.call("POST", "/api/v1/products", {
        "name": "Consulting", "unit_price": "10.00"})
    assert status == 201, product
    for n in range(60):
        status, _, made = api.call("POST", "/api/v1/customers", {"name": f"Customer {n}"})
        assert status == 201, made
        status, _, got = api.call("GET", f"/api/v1/customers/{made['id']}")
        assert status == 200, (n, got)
        status, _, deal = api.call("POST", "/api/v1/deals", {
            "title": f"Deal {n}", "customer_id": made["id"]})
        assert status == 201, deal
        status, _, line = api.call("POST", f"/api/v1/deals/{deal['id']}/products", {
            "product_id": product["id"], "quantity": "1"})
        assert status == 201, (n, line)


def test_a_commit_that_fails_is_never_acknowledged(served: tuple[LiveHub, Api],
                                                    database_url: str) -> None:
    live, api = served
    if database_url.startswith("sqlite"):
        _fail_commits_sqlite(live)
    else:
        _fail_commits_postgres(live)
    status, _, body = api.call("POST", "/api/v1/customers", {"name": "fail at commit"})
    assert status >= 500, (status, body)
    assert body["error"]["code"] == "internal_error"
    status, _, listing = api.call("GET", "/api/v1/customers?search=fail")
    assert status == 200 and listing["data"] == []  # nothing half-saved either


def _fail_commits_postgres(live: LiveHub) -> None:
    """A deferred constraint trigger: the INSERT succeeds, the COMMIT fails."""
    async def install() -> None:
        async with live.hub.db.engine.begin() as conn:
            await conn.execute(text(
                "CREATE FUNCTION fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ "
                "BEGIN IF NEW.name = 'fail at commit' THEN RAISE EXCEPTION 'refused at "
                "commit' USING ERRCODE = '23514'; END IF; RETURN NEW; END $$"))
            await conn.execute(text(
                "CREATE CONSTRAINT TRIGGER fail_at_commit AFTER INSERT ON crm_customers "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fail_at_commit()"))

    live.run(install())


def _fail_commits_sqlite(live: LiveHub) -> None:
    """SQLite has no deferred triggers; a deferred foreign key fails at COMMIT the same way."""
    def dangling(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.startswith("INSERT INTO crm_customers") and "fail at commit" in str(
                parameters):
            cursor.execute("PRAGMA defer_foreign_keys=ON")
            cursor.execute("INSERT INTO crm_contacts (id, first_name, customer_id, created_at, "
                           "updated_at) VALUES ('c', 'x', 'no-such-customer', "
                           "'2026-01-01', '2026-01-01')")

    event.listen(live.hub.db.engine.sync_engine, "before_cursor_execute", dangling)


def test_postgres_lost_and_back(postgres_database: str, tmp_path: Path) -> None:
    url = make_url(postgres_database)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    try:
        live, api = _start(url.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False), tmp_path)
        try:
            status, _, made = api.call("POST", "/api/v1/customers", {"name": "Before"})
            assert status == 201
            auth_service.forget_cached()  # the key check must reach the database too
            proxy.cut()
            socket_before = api.conn.sock
            for path in ("/api/v1/customers", f"/api/v1/customers/{made['id']}"):
                status, headers, body = api.call("GET", path)
                assert status == 503, body
                assert body["error"]["code"] == "database_unavailable"
                assert int(headers["retry-after"]) >= 1
            status, _, body = api.call("POST", "/api/v1/customers", {"name": "During"})
            assert status == 503, body
            status, _, _ = api.call("GET", "/health")
            assert status == 200 and api.conn.sock is socket_before  # same connection
            proxy.restore()
            status, _, body = api.call("POST", "/api/v1/customers", {"name": "After"})
            assert status == 201, body
            status, _, listing = api.call("GET", "/api/v1/customers")
            assert sorted(c["name"] for c in listing["data"]) == ["After", "Before"]
        finally:
            api.close()
            live.close()
    finally:
        proxy.close()


def test_sqlite_read_only_connection_recovers(tmp_path: Path) -> None:
    """A connection SQLite opened while its file was read-only is replaced, not kept."""
    live, api = _start(f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}", tmp_path)
    read_only = {"on": True}

    def opened_read_only(dbapi_connection: Any, _record: Any) -> None:
        if read_only["on"]:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA query_only=ON")  # what SQLite does to a read-only file
            cursor.close()

    try:
        live.run(live.hub.db.engine.dispose())
        event.listen(live.hub.db.engine.sync_engine, "connect", opened_read_only)
        status, headers, body = api.call("POST", "/api/v1/customers", {"name": "Nope"})
        assert status == 503, body
        assert body["error"]["code"] == "database_unavailable"
        assert body["error"]["details"]["cause"] == "read_only"
        assert headers["retry-after"]
        read_only["on"] = False  # the file is writable again
        status, _, body = api.call("POST", "/api/v1/customers", {"name": "Yes"})
        assert status == 201, body
    finally:
        api.close()
        live.close()


def test_sqlite_file_is_private(tmp_path: Path) -> None:
    live, api = _start(f"sqlite+aiosqlite:///{tmp_path / 'data' / 'hub.db'}", tmp_path)
    try:
        assert (tmp_path / "data" / "hub.db").stat().st_mode & 0o777 == 0o600
        assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700
    finally:
        api.close()
        live.close()
