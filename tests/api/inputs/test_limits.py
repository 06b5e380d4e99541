"""Issue 7, item 4: request bodies are bounded (size, keys, nesting) and JSON, refused at once.

Every case is bounded by counts (bytes read, problems listed), never by a time budget.
"""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx

from ledgerlink.api.app import create_app
from ledgerlink.api.errors import MAX_PROBLEMS
from ledgerlink.config import Settings
from ledgerlink.emulator.core.server import RunningEmulator
from ledgerlink.hub import Hub
from ledgerlink.inputs import MAX_DEPTH, MAX_KEYS
from tests.api.inputs.support import error, xero_calls
from tests.hub_fixtures import KeyMaker, bearer
from tests.quality.support import LiveHub

MIB = 1024 * 1024
CUSTOMERS = "/api/v1/customers"


def _v1(integration: str, what: str) -> str:
    return f"/api/v1/integrations/{integration}/{what}"


def _config(integration: str) -> str:
    return f"/api/v3/integration/{integration}/configuration"


def _packed(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def _keys_filling(size: int, into: dict[str, Any], where: str | None = None) -> bytes:
    """The body `into` with as many unknown one-digit keys as fit in `size` bytes (at `where`)."""
    count = size // len('"k000000":0,')
    many = {f"k{i:06d}": 0 for i in range(count)}
    return _packed({**into, where: many} if where else {**into, **many})


async def test_a_body_over_the_limit_is_413_before_it_is_read(
        client: httpx.AsyncClient, key: dict[str, str]) -> None:
    # The case: a 50 MB body was read and parsed. Declared by Content-Length, it is
    # refused before a byte of it is read.
    big = _packed({"name": "Acme", "notes": "x" * (2 * MIB)})
    found = error(await client.post(CUSTOMERS, content=big, headers={
        **key, "Content-Type": "application/json"}), 413)
    assert found["code"] == "payload_too_large" and str(MIB) in found["message"]

    # Without a length (chunked), it is counted as it streams and refused once past the limit:
    # the rest of the stream is never read.
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"name": "Acme", "notes": "'
        for _ in range(64):  # 4 MiB in all
            sent += 1
            yield b"x" * (64 * 1024)
        yield b'"}'

    found = error(await client.post(CUSTOMERS, content=chunks(), headers={
        **key, "Content-Type": "application/json"}), 413)
    assert found["code"] == "payload_too_large"
    assert sent <= MIB // (64 * 1024) + 1, sent
    listed = (await client.get(CUSTOMERS, headers=key)).json()
    assert listed["pagination"]["total"] == 0  # nothing was created

    # A body just under the limit is still read (JSON may carry that much whitespace; unknown
    # CRM keys would be refused).
    fits = b'{"name": "Acme"' + b" " * (MIB - 100) + b"}"
    unknown = error(await client.post(CUSTOMERS, json={"name": "Acme", "notes": "x"},
                                      headers=key), 422)
    assert unknown["field"] == "notes" and unknown["details"]["problems"][0]["type"] == (
        "extra_forbidden")
    assert (await client.post(CUSTOMERS, content=fits, headers={
        **key, "Content-Type": "application/json"})).status_code == 201


async def test_a_smaller_limit_is_a_setting(hub: Hub, settings: Settings,
                                            make_key: KeyMaker) -> None:
    from ledgerlink.api.app import create_app

    hub.settings = settings.model_copy(update={"max_body_bytes": 4096})
    secret = bearer(await make_key("crm:write"))
    transport = httpx.ASGITransport(app=create_app(hub=hub))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
        response = await http.post(CUSTOMERS, json={"name": "x" * 5000}, headers=secret)
        assert error(response, 413)["code"] == "payload_too_large"
        response = await http.post(CUSTOMERS, json={"name": "Acme"}, headers=secret)
        assert response.status_code == 201


async def test_many_keys_are_one_short_error(client: httpx.AsyncClient, key: dict[str, str],
                                             integration_id: str) -> None:
    # The case: 800,000 keys took 32 s and answered a 3.4 MB error listing each one.
    # Now the worst case under the byte limit (~90,000 keys) is refused before validation.
    json_type = {**key, "Content-Type": "application/json"}
    cases = [
        (_v1(integration_id, "action"), _keys_filling(MIB - 200, {"action_type": "x"}), "body"),
        (_v1(integration_id, "action"),
         _keys_filling(MIB - 200, {"action_type": "xero_create_contact"}, "params"), "params"),
        (_v1(integration_id, "query"),
         _keys_filling(MIB - 200, {"query_type": "xero_contacts"}, "params"), "params"),
        (_config(integration_id), _keys_filling(MIB - 200, {}, "integration"), "integration"),
    ]
    for url, body, field in cases:
        assert len(body) <= MIB
        method = "PUT" if url.endswith("configuration") else "POST"
        response = await client.request(method, url, content=body, headers=json_type)
        found = error(response, 422)
        assert found["field"] == field, (url, found)
        assert f"at most {MAX_KEYS}" in found["message"]
        assert len(found["details"]["problems"]) == 1
        assert len(response.content) < 2000


async def test_a_validation_error_lists_at_most_twenty_problems(
        client: httpx.AsyncClient, key: dict[str, str], integration_id: str) -> None:
    body = {"integration": {}, **{f"unknown_{i}": True for i in range(MAX_KEYS - 1)}}
    found = error(await client.put(_config(integration_id), json=body, headers=key), 422)
    assert len(found["details"]["problems"]) == MAX_PROBLEMS
    assert found["details"]["more_problems"] == MAX_KEYS - 1 - MAX_PROBLEMS
    assert found["field"] == "unknown_0"


async def test_deep_nesting_is_refused_naming_where(client: httpx.AsyncClient,
                                                    key: dict[str, str],
                                                    integration_id: str) -> None:
    deep: Any = 1
    for _ in range(MAX_DEPTH + 5):
        deep = [deep]
    found = error(await client.post(_v1(integration_id, "action"), headers=key, json={
        "action_type": "xero_create_contact", "data": {"deal": deep}}), 422)
    assert found["field"].startswith("data.deal.0")
    assert "nested" in found["message"]
    # Nesting far past the parser's recursion limit is a 400 (not JSON it can read), not a 500.
    text = "[" * 100_000 + "]" * 100_000
    response = await client.post(_v1(integration_id, "query"), headers={
        **key, "Content-Type": "application/json"},
        content=f'{{"query_type": "xero_contacts", "params": {{"a": {text}}}}}'.encode())
    assert response.status_code == 400, response.text


async def test_a_json_body_of_another_media_type_is_415(client: httpx.AsyncClient,
                                                        key: dict[str, str],
                                                        integration_id: str) -> None:
    # The case: JSON sent as text/plain got a 422 about a body that "should be an object".
    body = _packed({"name": "Acme"})
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {**key, **({"Content-Type": content_type} if content_type else {})}
        for method, url in (("POST", CUSTOMERS), ("POST", _v1(integration_id, "query")),
                            ("PUT", _config(integration_id))):
            found = error(await client.request(method, url, content=body, headers=headers), 415)
            assert found["code"] == "unsupported_media_type"
            assert "application/json" in found["message"]
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = await client.post(CUSTOMERS, content=body, headers={
            **key, "Content-Type": content_type})
        assert response.status_code == 201, (content_type, response.text)


def test_a_long_search_is_a_422_and_the_connection_stays_open(
        hub: Hub, settings: Settings, emulator: RunningEmulator, key: dict[str, str],
        integration_id: str) -> None:
    # The case: a 66,000-character search answered 500 (InvalidURL on the way to Xero)
    # and reset the keep-alive connection. Over a real server: a 422, and the same connection
    # answers the next request.
    live = LiveHub(settings)
    try:
        address = urlsplit(live.serve())
        connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=30)
        before = xero_calls(emulator)
        body = _packed({"query_type": "xero_contacts", "params": {"search": "a" * 66_000}})
        connection.request("POST", _v1(integration_id, "query"), body=body,
                           headers={**key, "Content-Type": "application/json"})
        answer = connection.getresponse()
        found = json.loads(answer.read())["error"]
        assert answer.status == 422 and found["field"] == "params.search", found
        assert xero_calls(emulator) == before
        assert connection.sock is not None
        socket_before = connection.sock.getsockname()
        connection.request("GET", "/health")
        again = connection.getresponse()
        assert again.status == 200 and json.loads(again.read())["status"] == "ok"
        assert connection.sock is not None and connection.sock.getsockname() == socket_before
        connection.close()
    finally:
        live.close()


async def test_every_body_route_refuses_too_many_keys_before_validating(
        client: httpx.AsyncClient, key: dict[str, str], integration_id: str, hub: Hub) -> None:
    """No request body model is left without the key bound: a short 422 on every route."""
    body = {f"unknown_{i}": i for i in range(MAX_KEYS + 50)}
    checked = []
    for path, item in create_app(hub=hub).openapi()["paths"].items():
        for method, operation in item.items():
            if "requestBody" not in operation:
                continue
            url = path.replace("{integration_id}", integration_id).replace(
                "{integration_uuid}", integration_id)
            url = re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000001", url)
            response = await client.request(method.upper(), url, json=body, headers=key)
            found = error(response, 422)
            assert f"at most {MAX_KEYS}" in found["message"], (method, path, found)
            assert len(response.content) < 2000, (method, path)
            checked.append((method, path))
    assert len(checked) >= 15, checked
