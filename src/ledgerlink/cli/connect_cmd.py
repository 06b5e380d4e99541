"""`ledgerlink connect xero`: the console page to open to connect (or reconnect) Xero.

Xero's consent is a browser flow, bound to the browser that starts it (the callback checks the
console's session cookie), so the CLI cannot hand out an authorize URL of its own: it prints
the console page whose button starts the flow, and checks what would stop it there.
"""

from __future__ import annotations

import webbrowser
from typing import Annotated

import httpx2
import typer

from ledgerlink.cli.db_cmd import fail, load_settings
from ledgerlink.cli.exits import EXIT_CODES_HELP, ExitCode
from ledgerlink.cli.hub_cmd import console_url, with_hub
from ledgerlink.cli.render import console, print_json
from ledgerlink.hub import Hub
from ledgerlink.integrations import service
from ledgerlink.oauth.service import CALLBACK_PATH
from ledgerlink.web import security

app = typer.Typer(help="Connect an organisation (prints the console page to open).",
                  no_args_is_help=True, add_completion=False, epilog=EXIT_CODES_HELP)


@app.callback()
def connect() -> None:
    """Connect an organisation (a group, so the platform is always named)."""


def _hub_answers(url: str) -> bool:
    try:
        return httpx2.get(f"{url.rstrip('/')}/health", timeout=3, trust_env=False).is_success
    except httpx2.HTTPError:
        return False


@app.command(epilog=EXIT_CODES_HELP)
def xero(
    reconnect: Annotated[str | None, typer.Option(
        help="An integration's id: reconnect it (same id, configuration and history)",
        show_default=False)] = None,
    open_browser: Annotated[bool, typer.Option("--open", help="Open it in a browser")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts")] = False,
) -> None:
    """Print the console page that connects Xero through its OAuth sign-in, after checking the
    Xero app, the admin password and that the hub answers."""
    settings = load_settings()
    if not settings.xero_client_id or settings.xero_client_secret is None:
        fail("no Xero app is configured: set LEDGERLINK_XERO_CLIENT_ID and "
             "LEDGERLINK_XERO_CLIENT_SECRET (the app's redirect URI must be "
             f"{settings.public_url.rstrip('/')}{CALLBACK_PATH}).")

    async def work(hub: Hub) -> bool:
        if reconnect is not None:
            async with hub.db.session() as session:
                await service.get_integration(session, reconnect)  # 404: exit 3
        return await security.password_is_set(hub)

    password_set = with_hub(settings, work, "integrations", "install_secrets",
                            integration_id=reconnect, as_json=as_json)
    url = console_url(settings, f"/integrations/{reconnect}/reconnect" if reconnect
                      else "/connect")
    running = _hub_answers(settings.public_url)
    if as_json:
        print_json({"url": url, "hub_running": running, "password_set": password_set})
    else:
        out = console()
        out.print(f"Open [bold]{url}[/] and choose Xero's sign-in"
                  f"{' to reconnect it' if reconnect else ''}.", soft_wrap=True)
        if not password_set:
            out.print("[yellow]No console password is set yet:[/] run `ledgerlink admin "
                      "set-password` first.", soft_wrap=True)
        if not running:
            out.print(f"[yellow]The hub does not answer at {settings.public_url}:[/] start it "
                      "with `ledgerlink serve` (LEDGERLINK_PUBLIC_URL says where it runs).",
                      soft_wrap=True)
    if open_browser:
        webbrowser.open(url)
    if not running or not password_set:
        raise typer.Exit(ExitCode.FAILURE)

