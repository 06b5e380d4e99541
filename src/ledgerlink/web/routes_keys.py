"""API keys in the console: list, create (the secret shown this once), revoke."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from ledgerlink.auth import service as keys
from ledgerlink.auth.scopes import DESCRIPTIONS, Scope
from ledgerlink.errors import InputError
from ledgerlink.web.deps import FormDep, Visitor, VisitorDep, hub_of, text
from ledgerlink.web.render import page, redirect

router = APIRouter()
SCOPES = [(s.value, DESCRIPTIONS[s]) for s in Scope]


async def _keys_page(request: Request, who: Visitor, *, status: int = 200,
                     error: str | None = None, created: keys.CreatedKey | None = None,
                     name: str = "", notice: str | None = None) -> Response:
    async with hub_of(request).db.session() as session:
        listed = await keys.list_keys(session)
    return page("keys.html", status=status, csrf=who.csrf, title="API keys", keys=listed,
                scopes=SCOPES, error=error, created=created, name=name, notice=notice)


@router.get("/console/keys")
async def keys_page(request: Request, who: VisitorDep, notice: str | None = None) -> Response:
    """Every key: name, prefix, scopes, dates (never a secret or a hash)."""
    shown = "The key was revoked." if notice == "revoked" else None
    return await _keys_page(request, who, notice=shown)


@router.post("/console/keys")
async def create_key(request: Request, who: VisitorDep, form: FormDep) -> Response:
    """Make a key; its secret is on this one page and nowhere else."""
    name = text(form, "name", 200)
    wanted = {Scope(v) for v in form.getlist("scope") if isinstance(v, str)
              and v in Scope._value2member_map_}
    hub = hub_of(request)
    try:
        pepper = await hub.load_pepper()
        async with hub.db.session() as session:
            created = await keys.create_key(session, name, wanted, pepper)
    except InputError as exc:
        return await _keys_page(request, who, status=422, error=exc.message, name=name)
    response = await _keys_page(request, who, created=created)
    return response


@router.post("/console/keys/{key_id}/revoke")
async def revoke_key(request: Request, key_id: str, who: VisitorDep, form: FormDep) -> Response:
    """Revoke a key at once (in this process; others within seconds)."""
    async with hub_of(request).db.session() as session:
        await keys.revoke_key(session, key_id)
    return redirect("/console/keys?notice=revoked")
