"""`ledgerlink integrations list|show|disconnect`: the connected organisations."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ledgerlink.cli.db_cmd import load_settings
from ledgerlink.cli.exits import EXIT_CODES_HELP
from ledgerlink.cli.hub_cmd import console_url, with_hub
from ledgerlink.cli.render import console, fields_table, fitted, print_json
from ledgerlink.db.models.integrations import Integration
from ledgerlink.hub import Hub
from ledgerlink.integrations import service
from ledgerlink.integrations.endpoints import present
from ledgerlink.oauth.schemas import Disconnected
from ledgerlink.oauth.service_disconnect import disconnect as disconnect_integration

app = typer.Typer(help="Connected organisations: list, show, disconnect.",
                  no_args_is_help=True, add_completion=False, epilog=EXIT_CODES_HELP)

KINDS = {"oauth_authorization_code": "Xero sign-in", "client_credentials": "custom",
         "static_token": "access token"}  # short names of the connection kinds
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON (the API's shape)")]
IntegrationId = Annotated[str, typer.Argument(help="The integration's id (see `list`)",
                                              show_default=False)]


def _public(integration: Integration) -> dict[str, Any]:
    return present(integration).model_dump(mode="json")


@app.command("list", epilog=EXIT_CODES_HELP)
def list_integrations(as_json: AsJson = False) -> None:
    """Every integration: id, organisation, status."""
    settings = load_settings()

    async def work(hub: Hub) -> list[dict[str, Any]]:
        async with hub.db.session() as session:
            return [_public(i) for i in await service.list_integrations(session)]

    found = with_hub(settings, work, as_json=as_json)
    if as_json:
        print_json({"data": found})
        return
    out = console()
    if not found:
        out.print(f"No integrations yet. Connect one: `ledgerlink connect xero` (or "
                  f"{console_url(settings, '/connect')}).", soft_wrap=True)
        return
    rows = [[i["id"], i["name"], i["status"],
             KINDS.get(i["connection_kind"], i["connection_kind"])] for i in found]
    out.print(fitted(("id", "organisation", "status", "connection"), rows, flexible=(1, 3),
                     title=f"Integrations ({len(found)})",
                     styles=[None if i["status"] == "active" else "yellow" for i in found]))


@app.command(epilog=EXIT_CODES_HELP)
def show(integration_id: IntegrationId, as_json: AsJson = False) -> None:
    """One integration, with its console page and what to do when it is not active."""
    settings = load_settings()

    async def work(hub: Hub) -> dict[str, Any]:
        async with hub.db.session() as session:
            return _public(await service.get_integration(session, integration_id))

    found = with_hub(settings, work, integration_id=integration_id, as_json=as_json)
    if as_json:
        print_json({"data": found})
        return
    out = console()
    flat = {k: v for k, v in found.items() if k != "tenant"}
    flat["tenant"] = f"{found['tenant']['name']} ({found['tenant']['id']})"
    out.print(fields_table(flat, title=found["name"]))
    out.print(f"Console: {console_url(settings, '/integrations/' + integration_id)}",
              soft_wrap=True)
    if found["status"] != "active":
        out.print(f"[yellow]It is {found['status']}:[/] reconnect it at "
                  f"{console_url(settings, f'/integrations/{integration_id}/reconnect')}",
                  soft_wrap=True)


@app.command(epilog=EXIT_CODES_HELP)
def disconnect(
    integration_id: IntegrationId,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask to confirm")] = False,
    as_json: AsJson = False,
) -> None:
    """Disconnect an integration: Xero is told, its tokens are forgotten, its configuration and
    history are kept (connecting the organisation again revives it)."""
    settings = load_settings()
    if not yes and not typer.confirm(f"Disconnect integration {integration_id}?"):
        raise typer.Exit(1)

    async def work(hub: Hub) -> Disconnected:
        return await disconnect_integration(hub, integration_id)

    done = with_hub(settings, work, integration_id=integration_id, as_json=as_json)
    if as_json:
        print_json(done.model_dump(mode="json"))
        return
    at_xero = ("its Xero connection removed" if done.xero_connection_removed
               else "nothing removed at Xero")
    typer.echo(f"Integration {done.integration_id} is {done.status}: {at_xero}"
               f"{', token revoked' if done.token_revoked else ''}."
               f"{' ' + done.note if done.note else ''}")
