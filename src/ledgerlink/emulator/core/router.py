"""A small router that matches Xero paths case-insensitively and tolerates trailing slashes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

Handler = Callable[..., Awaitable[Any]]


class NoRoute(LookupError):
    """No route has this path."""


class WrongMethod(LookupError):
    """The path exists but not for this method."""

    def __init__(self, allowed: list[str]) -> None:
        super().__init__(", ".join(allowed))
        self.allowed = allowed


@dataclass(frozen=True)
class Route:
    """One method and path pattern; `{Name}` segments capture, others compare case-insensitively."""

    method: str
    pattern: str
    handler: Handler
    operation: str
    segments: tuple[str, ...] = field(default=())
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def literals(self) -> int:
        """How many fixed segments: more literal routes win over captures."""
        return sum(1 for s in self.segments if not s.startswith("{"))


def split_path(path: str) -> list[str]:
    """Path segments without empty ones, so `/a//b/` equals `/a/b`."""
    return [s for s in path.split("/") if s]


class Router:
    """Routes ordered by specificity; matching returns the handler and captured parameters."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, pattern: str, handler: Handler, operation: str = "",
            **meta: Any) -> None:
        """Register a handler for a method and a pattern such as `/Invoices/{InvoiceID}`."""
        segs = tuple(split_path(pattern))
        route = Route(method.upper(), pattern, handler, operation or handler.__name__, segs, meta)
        self.routes.append(route)
        self.routes.sort(key=lambda r: (-len(r.segments), -r.literals()))

    def include(self, other: Router, prefix: str = "") -> None:
        """Copy another router's routes under a prefix."""
        for r in other.routes:
            self.add(r.method, prefix.rstrip("/") + "/" + "/".join(r.segments), r.handler,
                     r.operation, **r.meta)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """Find the route for a request; raises NoRoute or WrongMethod."""
        parts = [unquote(p) for p in split_path(path)]
        allowed: list[str] = []
        for route in self.routes:
            params = _match_segments(route.segments, parts)
            if params is None:
                continue
            if route.method == method.upper():
                return route, params
            allowed.append(route.method)
        if allowed:
            raise WrongMethod(sorted(set(allowed)))
        raise NoRoute(path)


def _match_segments(pattern: tuple[str, ...], parts: list[str]) -> dict[str, str] | None:
    if len(pattern) != len(parts):
        return None
    params: dict[str, str] = {}
    for seg, part in zip(pattern, parts, strict=True):
        if seg.startswith("{") and seg.endswith("}"):
            params[seg[1:-1]] = part
        elif seg.casefold() != part.casefold():
            return None
    return params
