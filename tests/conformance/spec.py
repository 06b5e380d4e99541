"""Validate recorded emulator responses against the official Xero OpenAPI specs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml
from openapi_schema_validator import OAS30Validator

from ledgerlink.emulator.core.router import NoRoute, Router, WrongMethod
from tests.xero_openapi import spec_file

ACCOUNTING_PREFIX = "/api.xro/2.0"


@dataclass
class Recorded:
    """One response the emulator sent."""

    method: str
    path: str
    status: int
    content_type: str
    body: bytes


@dataclass
class Recorder:
    """ASGI middleware that keeps every response for later validation."""

    responses: list[Recorded] = field(default_factory=list)

    def wrap(self, app: Any) -> Any:
        """Wrap an ASGI app."""

        async def wrapped(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            state: dict[str, Any] = {"status": 0, "ctype": "", "body": b""}

            async def capture(message: Any) -> None:
                if message["type"] == "http.response.start":
                    state["status"] = message["status"]
                    headers = dict(message.get("headers") or [])
                    state["ctype"] = headers.get(b"content-type", b"").decode()
                elif message["type"] == "http.response.body":
                    state["body"] += message.get("body", b"")
                    if not message.get("more_body"):
                        self.responses.append(Recorded(scope["method"], scope["path"],
                                                       state["status"], state["ctype"],
                                                       state["body"]))
                await send(message)

            await app(scope, receive, capture)

        return wrapped


@cache
def _load(name: str) -> dict[str, Any]:
    with open(spec_file(name), encoding="utf-8") as fh:
        loaded: dict[str, Any] = yaml.safe_load(fh)
    return loaded


@cache
def _routers() -> tuple[Router, Router]:
    accounting, identity = Router(), Router()
    for router, spec in ((accounting, _load("xero_accounting.yaml")),
                         (identity, _load("xero-identity.yaml"))):
        for path, item in spec["paths"].items():
            for method, op in item.items():
                if method in ("get", "put", "post", "delete"):
                    router.add(method.upper(), path, _noop, op["operationId"], op=op)
    return accounting, identity


async def _noop() -> None:  # routes need a handler; only the metadata is used here
    return None


def operation_for(method: str, path: str) -> tuple[str, dict[str, Any], str] | None:
    """The spec operation answering a request path, with the spec file it belongs to."""
    accounting, identity = _routers()
    if path.lower().startswith(ACCOUNTING_PREFIX):
        router, rel, spec = accounting, path[len(ACCOUNTING_PREFIX):], "xero_accounting.yaml"
    else:
        router, rel, spec = identity, path, "xero-identity.yaml"
    try:
        route, _ = router.match(method, rel)
    except (NoRoute, WrongMethod):
        return None
    return route.operation, route.meta["op"], spec


def _validator(spec_name: str, schema: dict[str, Any]) -> OAS30Validator:
    # Local "#/components/..." references resolve against the schema's own root.
    return OAS30Validator({**schema, "components": _load(spec_name)["components"]})


def schema_errors(item: Recorded) -> list[str]:
    """Why a JSON response breaks its operation's schema (empty when it conforms)."""
    if "json" not in item.content_type or not item.body or item.path.startswith("/_emulator"):
        return []
    found = operation_for(item.method, item.path)
    if found is None:
        return []
    operation, op, spec_name = found
    responses = op.get("responses", {})
    answer = responses.get(str(item.status)) or responses.get("default")
    if answer is None:
        if item.status in _undocumented_statuses():
            return []  # 401/403/429/5xx bodies have no schema in the spec to check against
        return [f"{item.method} {item.path}: status {item.status} is not documented for "
                f"{operation}"]
    content = (answer.get("content") or {}).get("application/json")
    if not content or "schema" not in content:
        return []
    body = json.loads(item.body)
    validator = _validator(spec_name, content["schema"])
    return [f"{item.method} {item.path} ({operation}, {item.status}): {e.message} at "
            f"{'/'.join(str(p) for p in e.absolute_path)}" for e in validator.iter_errors(body)]


@cache
def _undocumented_statuses() -> frozenset[int]:
    """Statuses that no operation of either spec documents (so there is nothing to check)."""
    documented = set()
    for name in ("xero_accounting.yaml", "xero-identity.yaml"):
        for item in _load(name)["paths"].values():
            for op in item.values():
                if isinstance(op, dict):
                    documented |= {int(k) for k in op.get("responses", {}) if k.isdigit()}
    return frozenset(range(100, 600)) - documented


def validate_all(responses: list[Recorded]) -> tuple[int, list[str]]:
    """How many JSON bodies were checked, and every violation found."""
    checked, problems = 0, []
    for item in responses:
        if "json" in item.content_type and not item.path.startswith("/_emulator"):
            if operation_for(item.method, item.path) is not None:
                checked += 1
            problems.extend(schema_errors(item))
    return checked, problems
