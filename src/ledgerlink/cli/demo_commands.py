"""The commands `ledgerlink demo` prints for the person to paste, and `--smoke` running each of
them: every printed line is made from the same template its run uses, so they cannot drift."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx2

# The shell variables the printed block exports, longest first (so $LL_ID is not read as $LL).
VARIABLES = ("LL_KEY", "LL_ID", "LL")
CLI_TIMEOUT = 120.0


class CommandFailed(Exception):
    """A printed command did not do what it says."""


@dataclass
class Context:
    """What the variables stand for, and how to run the CLI with the demo's settings."""

    values: dict[str, str]  # LL (the API's base URL), LL_KEY, LL_ID
    cli: str  # the ledgerlink executable
    env: dict[str, str] = field(default_factory=dict)

    def expand(self, text: str) -> str:
        """The text with the variables replaced by their values, as the shell would."""
        for name in VARIABLES:
            text = text.replace(f"${name}", self.values[name])
        return text


@dataclass(frozen=True)
class Curl:
    """An API call printed as a curl command."""

    comment: str
    method: str
    path: str  # after $LL, with variables
    body: dict[str, Any] | None = None
    headers: tuple[tuple[str, str], ...] = ()
    replays: bool = False  # a repeat of the demo's own request: must answer the same again

    def lines(self) -> list[str]:
        """The command as printed, one shell line per part, joined by backslashes."""
        first = f'curl -sS{"" if self.method in ("GET", "POST") else f" -X {self.method}"} ' \
                f'"$LL{self.path}" -H "Authorization: Bearer $LL_KEY"'
        parts = [first, *(f"-H '{name}: {value}'" for name, value in self.headers)]
        if self.body is not None:
            text = json.dumps(self.body)
            assert "'" not in text, "the body is printed in single quotes"
            parts += ["-H 'Content-Type: application/json'", f"-d '{text}'"]
        return [f"{part} \\" if i < len(parts) - 1 else part for i, part in enumerate(parts)]

    def run(self, ctx: Context) -> str:
        """Send the same request with httpx; what came back, in a few words."""
        headers = {"Authorization": f"Bearer {ctx.values['LL_KEY']}", **dict(self.headers)}
        url = ctx.expand(f"$LL{self.path}")
        with httpx2.Client(timeout=CLI_TIMEOUT, trust_env=False) as http:
            answer = http.request(self.method, url, headers=headers, json=self.body)
        if answer.status_code != 200:
            raise CommandFailed(f"{self.method} {url} answered {answer.status_code}: "
                                f"{answer.text[:300]}")
        said = _summary(answer.json())
        if self.replays:
            if answer.headers.get("idempotent-replayed") != "true":
                raise CommandFailed(f"{url} ran the action again instead of replaying it")
            said += ", replayed (the same invoice, no second write)"
        return f"{answer.status_code}, {said}"


@dataclass(frozen=True)
class Cli:
    """A ledgerlink command, run with the demo's settings."""

    comment: str
    args: tuple[str, ...]

    def lines(self, cli: str) -> list[str]:
        """The command as printed."""
        return [" ".join([cli, *self.args])]

    def run(self, ctx: Context) -> str:
        """Run it as the person would (a process of its own); its exit status and output."""
        args = [ctx.cli, *(ctx.expand(a) for a in self.args)]
        done = subprocess.run(args, env=ctx.env, capture_output=True, text=True,
                              timeout=CLI_TIMEOUT, stdin=subprocess.DEVNULL, check=False)
        if done.returncode != 0:
            raise CommandFailed(f"{shlex.join(args)} exited {done.returncode}: "
                                f"{done.stderr.strip()[:300]}")
        return f"exit 0, {len(done.stdout.splitlines())} lines of output"


def _summary(body: Any) -> str:
    data = body.get("data") if isinstance(body, Mapping) else None
    if isinstance(data, list):
        return f"{len(data)} record(s)"
    if isinstance(data, Mapping) and "contacts" in data:
        return f"{len(data['contacts'])} contacts owing {data['totals']['total']} in all"
    if isinstance(data, Mapping) and "invoice_number" in data:
        return f"invoice {data['invoice_number']} for {data.get('total')}"
    return "an answer"


def curl_commands(deal_id: str, idempotency_key: str) -> list[Curl]:
    """The API calls printed: the list, a query, the aged summary, the invoice action."""
    action = {"action_type": "xero_create_invoice",
              "params": {"deal_id": deal_id, "status": "AUTHORISED"}}
    return [
        Curl("the connected organisations", "GET", "/integrations"),
        Curl("a query: the authorised sales invoices", "POST", "/integrations/$LL_ID/query",
             {"query_type": "xero_invoices", "params": {"statuses": ["AUTHORISED"]}}),
        Curl("the aged receivables of every customer", "POST", "/integrations/$LL_ID/query",
             {"query_type": "xero_aged_receivables_summary", "params": {}}),
        Curl("an action: the deal as a Xero invoice (again: its Idempotency-Key replays it)",
             "POST", "/integrations/$LL_ID/action", action,
             (("Idempotency-Key", idempotency_key),), replays=True),
    ]


def cli_commands() -> list[Cli]:
    """The CLI commands printed."""
    return [Cli("the integrations, from the CLI", ("integrations", "list")),
            Cli("a query from the CLI", ("query", "$LL_ID", "xero_aged_receivables_summary"))]


def cli_env(settings: Mapping[str, str]) -> dict[str, str]:
    """The environment a printed CLI command runs in: ours, plus the demo's settings file."""
    return {**os.environ, **settings}
