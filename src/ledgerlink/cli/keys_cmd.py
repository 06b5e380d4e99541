"""`ledgerlink keys`: API keys (create, list, revoke) and the encryption keys of secrets at rest."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer

from ledgerlink.auth import service as auth_service
from ledgerlink.auth.scopes import DESCRIPTIONS, Scope, parse_scopes
from ledgerlink.cli.db_cmd import fail, load_settings, require_tables, run
from ledgerlink.cli.render import console, fitted, table
from ledgerlink.db.crypto import SecretBox
from ledgerlink.db.engine import Database
from ledgerlink.db.models.auth import ApiKey
from ledgerlink.db.rotation import encrypted_columns, rotate_secrets
from ledgerlink.errors import ConfigurationError
from ledgerlink.hub import Hub

app = typer.Typer(help="API keys, and the keys that encrypt secrets at rest.",
                  no_args_is_help=True, add_completion=False)

SCOPES_HELP = "Comma-separated scopes: " + "; ".join(
    f"{s.value} ({DESCRIPTIONS[s].lower()})" for s in Scope)


def _when(value: datetime | None, never: str = "never") -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else never


def _state(key: ApiKey) -> str:
    if key.revoked_at:
        return f"revoked {key.revoked_at:%Y-%m-%d}"
    return f"used {key.last_used_at:%Y-%m-%d}" if key.last_used_at else "never used"


def _short_scopes(scopes: list[str]) -> str:
    """Scopes in few characters: `all`, or `integrations rw, crm r, keys admin`."""
    if set(scopes) >= {s.value for s in Scope}:
        return "all"
    areas: dict[str, list[str]] = {}
    for scope in Scope:
        if scope.value in scopes:
            area, _, mode = scope.value.partition(":")
            areas.setdefault(area, []).append({"read": "r", "write": "w"}.get(mode, mode))
    return ", ".join(f"{area} {''.join(modes)}" for area, modes in areas.items())


def _public(key: ApiKey) -> dict[str, Any]:
    """What may be shown about a key: never its hash."""
    return {"id": key.id, "name": key.name, "prefix": key.prefix, "scopes": list(key.scopes),
            "created_at": key.created_at.isoformat(),
            "last_used_at": key.last_used_at.isoformat() if key.last_used_at else None,
            "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None}


@app.command()
def create(
    name: Annotated[str, typer.Option(help="What the key is for (shown in `keys list`)")],
    scopes: Annotated[str, typer.Option(help=SCOPES_HELP)],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts")] = False,
) -> None:
    """Create an API key; its secret is printed this once and never stored."""
    try:
        wanted = parse_scopes([scopes])
    except ValueError as exc:
        fail(str(exc), code=2)
    settings = load_settings()

    async def work() -> auth_service.CreatedKey:
        # The hub's pepper: this install's own, shared with every process (made if absent).
        hub = Hub.from_settings(settings)
        try:
            await require_tables(hub.db, "api_keys", "install_secrets")
            pepper = await hub.load_pepper()
            async with hub.db.session() as session:
                return await auth_service.create_key(session, name, wanted, pepper)
        finally:
            await hub.close()

    created = run(work())
    if as_json:
        typer.echo(json.dumps({**_public(created.key), "secret": created.secret}))
        return
    typer.echo(f"Created API key {created.key.name!r}\n"
               f"  id:     {created.key.id}\n"
               f"  scopes: {', '.join(created.key.scopes)}\n"
               f"  secret: {created.secret}\n"
               "Copy the secret now: it is shown only this once (only a hash is kept).\n"
               "Send it as `Authorization: Bearer <secret>`.")


@app.command("list")
def list_keys(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts")] = False,
) -> None:
    """List every API key (secrets and hashes are never shown)."""
    settings = load_settings()

    async def work() -> list[ApiKey]:
        db = Database(settings.resolved_database_url())
        try:
            await require_tables(db, "api_keys")
            async with db.session() as session:
                return await auth_service.list_keys(session)
        finally:
            await db.dispose()

    keys = run(work())
    if as_json:
        typer.echo(json.dumps([_public(k) for k in keys]))
        return
    # 80 columns: the id whole (revoke needs it), under it the prefix (the secret starts with
    # it) and when it was last used; --json has every field.
    rows = [[f"{k.id}\n{k.prefix}… {_state(k)}", k.name, _short_scopes(k.scopes)] for k in keys]
    console().print(fitted(("id, prefix, last used", "name", "scopes"), rows, flexible=(1, 2),
                           fold=(2,), title=f"API keys ({len(keys)}); --json has every field",
                           styles=["dim" if k.revoked_at else None for k in keys]))


@app.command()
def revoke(key_id: Annotated[str, typer.Argument(help="The key's id (see `keys list`)")]) -> None:
    """Revoke an API key: it is refused (401) from now on."""
    settings = load_settings()

    async def work() -> ApiKey:
        db = Database(settings.resolved_database_url())
        try:
            await require_tables(db, "api_keys")
            async with db.session() as session:
                return await auth_service.revoke_key(session, key_id)
        finally:
            await db.dispose()

    key = run(work())
    typer.echo(f"Revoked API key {key.id} ({key.name}) at {_when(key.revoked_at)}.")


@app.command()
def secret() -> None:
    """Print a new Fernet key for LEDGERLINK_SECRET_KEYS."""
    typer.echo(SecretBox.generate_key())
    typer.echo("Put it first in LEDGERLINK_SECRET_KEYS (comma-separated, keep the old keys after "
               "it until `ledgerlink keys rotate-secrets` has run).", err=True)


@app.command("rotate-secrets")
def rotate(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts")] = False,
) -> None:
    """Re-encrypt every stored secret under the first key of LEDGERLINK_SECRET_KEYS."""
    settings = load_settings()
    if settings.secret_keys is None:
        fail("LEDGERLINK_SECRET_KEYS is not set: nothing to rotate with.")
    try:
        box = SecretBox.from_setting(settings.secret_keys.get_secret_value())
    except ConfigurationError as exc:
        fail(exc.message)

    async def work() -> dict[str, int]:
        db = Database(settings.resolved_database_url())
        try:
            await require_tables(db, *{t.name for t, _ in encrypted_columns()})
            return await rotate_secrets(db, box)
        finally:
            await db.dispose()

    counts = run(work())
    if as_json:
        typer.echo(json.dumps(counts))
        return
    shown = table("column", title="Secrets re-encrypted under the first key")
    shown.add_column("values", justify="right")
    for column, count in counts.items():
        shown.add_row(column, str(count))
    console().print(shown)
    typer.echo(f"{sum(counts.values())} values re-encrypted. Once every process runs with the "
               "new key first, the old keys can be removed from LEDGERLINK_SECRET_KEYS.")
