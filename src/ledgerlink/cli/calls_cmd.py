"""`ledgerlink query` and `ledgerlink action`: the API's query and action, run through the
services on this host (no API key: whoever can read the settings runs the hub)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, TypeVar

import pydantic
import typer

from ledgerlink.cli.db_cmd import fail, load_settings
from ledgerlink.cli.exits import ExitCode
from ledgerlink.cli.hub_cmd import with_hub
from ledgerlink.cli.render import console, fields_table, print_json, show_query_result, working
from ledgerlink.hub import Hub
from ledgerlink.integrations import actions
from ledgerlink.integrations import service as integrations
from ledgerlink.integrations.actions_schemas import ActionRequest, AnyAction
from ledgerlink.integrations.schemas import QueryRequest

T = TypeVar("T")
QUERIES: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(QueryRequest)
ACTIONS: pydantic.TypeAdapter[AnyAction] = pydantic.TypeAdapter(ActionRequest)
CALLER = "cli"  # Idempotency-Keys sent from the CLI are the CLI's own (API keys have theirs)

IntegrationId = Annotated[str, typer.Argument(
    help="The integration's id (`ledgerlink integrations list`)", show_default=False)]
Params = Annotated[list[str] | None, typer.Option(
    "--param", "-p", show_default=False,
    help="A parameter as key=value; the value is JSON when it reads as JSON (2, true, "
         '["PAID"]), text otherwise (quote it as JSON to force text: k=\'"123"\'). Repeat a '
         "key for a list")]
ParamsFile = Annotated[Path | None, typer.Option(
    "--params-file", "-f", show_default=False,
    help="A JSON object of parameters (- reads standard input); --param values override it")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the API's JSON answer")]


def _value(raw: str) -> Any:
    try:
        value = json.loads(raw)
    except ValueError:
        return raw  # not JSON: text as typed
    return value


def parse_params(pairs: list[str] | None, params_file: Path | None) -> dict[str, Any]:
    """The parameters from a JSON file and key=value pairs (usage errors exit 2)."""
    params: dict[str, Any] = {}
    if params_file is not None:
        try:
            text = sys.stdin.read() if str(params_file) == "-" else params_file.read_text()
            loaded = json.loads(text)
        except (OSError, ValueError) as exc:
            fail(f"--params-file {params_file}: {exc}", ExitCode.USAGE)
        if not isinstance(loaded, dict):
            fail(f"--params-file {params_file}: must hold a JSON object", ExitCode.USAGE)
        params.update(loaded)
    repeated: set[str] = set()
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            fail(f"--param {pair!r}: write it as key=value", ExitCode.USAGE)
        key, value = key.strip(), _value(raw)
        if key in repeated:  # a repeated key makes a list
            previous = params[key]
            params[key] = [*(previous if isinstance(previous, list) else [previous]), value]
        else:
            params[key] = value
            repeated.add(key)
    return params


def one_line(exc: pydantic.ValidationError, tag: str, tag_field: str) -> str:
    """The first validation error as `field: message` (and how many more there are)."""
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0]
    where = [str(part) for part in first["loc"]]
    if where and where[0] == tag:  # the union's branch, not a field
        where = where[1:]
    if first["type"] == "union_tag_invalid":
        where = [tag_field]
    field = (first.get("ctx") or {}).get("field")
    if field:
        where.append(str(field))
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    message = str(first["msg"]).removeprefix(f"{field}: ") if field else str(first["msg"])
    return f"{'.'.join(where) or tag_field}: {message}{more}"


def validated(adapter: pydantic.TypeAdapter[T], body: dict[str, Any], tag_field: str) -> T:
    """The request, validated as the API validates it; a refusal exits 2 naming the field."""
    try:
        return adapter.validate_python(body)
    except pydantic.ValidationError as exc:
        fail(one_line(exc, str(body.get(tag_field)), tag_field), ExitCode.USAGE)


def query(
    integration_id: IntegrationId,
    query_type: Annotated[str, typer.Argument(
        help="xero_contacts, xero_contact_detail, xero_accounts, xero_tax_rates, "
             "xero_invoices, xero_invoices_by_contact, xero_profit_and_loss, "
             "xero_balance_sheet, xero_aged_receivables, xero_aged_payables, "
             "xero_aged_receivables_summary, xero_aged_payables_summary",
        show_default=False)],
    param: Params = None,
    params_file: ParamsFile = None,
    as_json: AsJson = False,
) -> None:
    """Run a read-only query on an integration.

    E.g. `ledgerlink query ID xero_invoices -p statuses=AUTHORISED -p date_from=2026-01-01`.
    """
    request = validated(QUERIES, {"query_type": query_type,
                                  "params": parse_params(param, params_file)}, "query_type")
    settings = load_settings()

    async def work(hub: Hub) -> Any:
        async with hub.db.session() as session:
            return await integrations.run_query(session, hub, integration_id,
                                                request.query_type, request.params)

    with working(f"{query_type} on {integration_id}", quiet=as_json):
        data = with_hub(settings, work, integration_id=integration_id, as_json=as_json)
    if as_json:
        print_json({"query_type": query_type, "data": data})
    else:
        show_query_result(console(), query_type, data)


def action(
    integration_id: IntegrationId,
    action_type: Annotated[str, typer.Argument(
        help="xero_create_contact, xero_create_invoice, xero_create_contact_and_invoice, "
             "xero_update_invoice, xero_create_repeating_invoice", show_default=False)],
    params_file: ParamsFile = None,
    param: Params = None,
    idempotency_key: Annotated[str | None, typer.Option(
        help="Repeat the command with the same key to get the first result again, without a "
             "second write to Xero", show_default=False)] = None,
    as_json: AsJson = False,
) -> None:
    """Run an action on an integration (create a contact or an invoice, update an invoice).

    E.g. `ledgerlink action ID xero_create_invoice --params-file invoice.json
    --idempotency-key deal-42`.
    """
    request = validated(ACTIONS, {"action_type": action_type,
                                  "params": parse_params(param, params_file)}, "action_type")
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 255:
        fail("--idempotency-key: 1 to 255 characters", ExitCode.USAGE)
    settings = load_settings()

    async def work(hub: Hub) -> actions.ActionOutcome:
        return await actions.run_action(hub, integration_id, request, idempotency_key,
                                        caller_id=CALLER)

    with working(f"{action_type} on {integration_id}", quiet=as_json):
        outcome = with_hub(settings, work, integration_id=integration_id, as_json=as_json)
    if as_json:
        print_json(outcome.body)
        return
    data = outcome.body.get("data")
    out = console()
    out.print(f"{action_type}: run {outcome.run_id}", soft_wrap=True)
    if outcome.replayed:
        out.print("Replayed: the first run's answer to this key; nothing was written again.")
    if isinstance(data, dict):
        out.print(fields_table(data))
