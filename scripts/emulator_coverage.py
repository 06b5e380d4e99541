"""Print docs/emulator-coverage.md (`make coverage-doc`): the Xero operations the emulator has."""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml
from tests.xero_openapi import locate  # needs the repository on sys.path (`make coverage-doc`)

from ledgerlink.emulator import EmulatorConfig, create_emulator
from ledgerlink.emulator.core.router import NoRoute, Route, Router, WrongMethod

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml parses the 1 MB spec fast
API_PREFIX = "/api.xro/2.0"
METHODS = ("get", "put", "post", "patch", "delete")
METHOD_ORDER = {m.upper(): i for i, m in enumerate(METHODS)}
SPECS = ("xero_accounting.yaml", "xero-identity.yaml")  # the order the document uses
PLACEHOLDER = re.compile(r"\{[^}/]+\}")
# A value no literal path segment of either spec or the emulator equals.
SAMPLE = "00000000-0000-0000-0000-0000000000aa"


@dataclass(frozen=True)
class Operation:
    """One operation of a spec and the emulator route that answers it, if any."""

    spec: str
    tag: str
    method: str
    path: str
    operation_id: str
    served_by: str | None  # the emulator's operation name, None when not implemented

    @property
    def implemented(self) -> bool:
        """Whether the emulator has a route for it."""
        return self.served_by is not None

    @property
    def resource(self) -> str:
        """First path segment: the spec tags everything "Accounting", so group by this too."""
        return self.path.strip("/").split("/")[0]

    def sort_key(self) -> tuple[int, str, int]:
        """Spec, path, then method in HTTP-verb order."""
        return (SPECS.index(self.spec), self.path.lower(), METHOD_ORDER.get(self.method, 9))


@dataclass
class Coverage:
    """Everything the document shows."""

    versions: dict[str, str]
    operations: list[Operation]
    extra_routes: dict[str, list[Route]]  # section title -> emulator routes not in any spec


def load_spec(name: str) -> dict[str, Any]:
    """One of the official OpenAPI files, wherever tests/xero_openapi.py finds them."""
    with open(locate() / name, encoding="utf-8") as fh:
        loaded: dict[str, Any] = yaml.load(fh, Loader=LOADER)  # a safe loader
    return loaded


def _match(router: Router, method: str, path: str) -> Route | None:
    try:
        route, _ = router.match(method, PLACEHOLDER.sub(SAMPLE, path))
    except (NoRoute, WrongMethod):
        return None
    return route


def _operations(name: str, spec: dict[str, Any], router: Router,
                used: set[tuple[str, str]]) -> Iterable[Operation]:
    for path, item in spec["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            route = _match(router, method, path)
            if route is not None:
                used.add((route.method, route.pattern))
            tag = ", ".join(op.get("tags") or ["(untagged)"])
            yield Operation(name, tag, method.upper(), path, op["operationId"],
                            route.operation if route else None)


def collect() -> Coverage:
    """Match every spec operation against a freshly built emulator's routers."""
    _, app = create_emulator(EmulatorConfig(seed="empty"))  # routes do not depend on data
    sources = zip(SPECS, (app.accounting, app.identity), strict=True)
    used: set[tuple[str, str]] = set()
    operations: list[Operation] = []
    versions: dict[str, str] = {}
    for name, router in sources:
        spec = load_spec(name)
        versions[name] = str(spec["info"]["version"])
        operations.extend(_operations(name, spec, router, used))
    operations.sort(key=Operation.sort_key)
    sections = {f"Accounting API (under `{API_PREFIX}`)": app.accounting,
                "Identity (login site, token endpoints, connections)": app.identity,
                "Control plane (emulator only)": app.control}
    extra = {title: sorted((r for r in router.routes if (r.method, r.pattern) not in used),
                           key=lambda r: (r.pattern.lower(), METHOD_ORDER.get(r.method, 9)))
             for title, router in sections.items()}
    return Coverage(versions, operations, extra)


def _pct(done: int, total: int) -> str:
    return f"{100 * done / total:.0f}%" if total else "-"


def _table(ops: list[Operation], group: str, title: str) -> list[str]:
    """Implemented/total per (spec, group), specs in document order, groups alphabetical."""
    done, total = Counter[tuple[str, str]](), Counter[tuple[str, str]]()
    for op in ops:
        key = (op.spec, getattr(op, group))
        total[key] += 1
        done[key] += op.implemented
    lines = [f"| spec | {title} | implemented | total | share |", "|---|---|---:|---:|---:|"]
    for key in sorted(total, key=lambda k: (SPECS.index(k[0]), k[1].lower())):
        lines.append(f"| `{key[0]}` | {key[1]} | {done[key]} | {total[key]} | "
                     f"{_pct(done[key], total[key])} |")
    return lines


def _operation_rows(ops: list[Operation]) -> list[str]:
    lines: list[str] = []
    resource = spec = None
    for op in ops:
        if (op.spec, op.resource) != (spec, resource):
            spec, resource = op.spec, op.resource
            lines += ["", f"### {resource} (`{spec}`)", "",
                      "| implemented | method | path | operationId | served by |",
                      "|---|---|---|---|---|"]
        served = "" if op.served_by in (None, op.operation_id) else f"`{op.served_by}`"
        lines.append(f"| {'yes' if op.implemented else 'no'} | {op.method} | `{op.path}` | "
                     f"{op.operation_id} | {served} |")
    return lines


def _extra_rows(extra: dict[str, list[Route]]) -> list[str]:
    lines: list[str] = []
    for title, routes in extra.items():
        prefix = API_PREFIX if title.startswith("Accounting") else ""
        lines += ["", f"### {title}", ""]
        if not routes:
            lines.append("None.")
            continue
        lines += ["| method | path | emulator operation |", "|---|---|---|"]
        lines += [f"| {r.method} | `{prefix}{r.pattern}` | {r.operation} |" for r in routes]
    return lines


def render(cov: Coverage) -> str:
    """The Markdown document."""
    ops = cov.operations
    done = sum(op.implemented for op in ops)
    specs = ", ".join(f"`{name}` {version}" for name, version in cov.versions.items())
    lines = [
        "# Emulator coverage of the Xero API", "",
        "Generated by `scripts/emulator_coverage.py` (`make coverage-doc`) from the official "
        f"OpenAPI specs ({specs}) and the emulator's routers; do not edit it by hand. "
        "`tests/test_emulator_coverage_doc.py` fails when it is out of date.", "",
        f"**{done} of {len(ops)} operations implemented ({_pct(done, len(ops))}).** "
        "An operation counts as implemented when the emulator's router answers its method and "
        "path (placeholders filled in); *served by* names the emulator's handler when it is "
        "shared with another operation of the same path shape.", "",
        "## By tag", "", *_table(ops, "tag", "tag"), "",
        "## By resource", "",
        "The accounting spec tags every operation `Accounting`; this splits them by resource "
        "(the first path segment).", "", *_table(ops, "resource", "resource"), "",
        "## Operations", *_operation_rows(ops), "",
        "## Emulator routes that are not in the spec",
        *_extra_rows(cov.extra_routes), "",
    ]
    return "\n".join(lines)


def main() -> int:
    """Write the document to stdout."""
    sys.stdout.write(render(collect()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
