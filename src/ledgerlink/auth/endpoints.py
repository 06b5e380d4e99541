"""HTTP routes of API key management, for keys with the `keys:admin` scope.

A keys:admin key can create keys with any scope, keys:admin included: give it only to what
administers the hub. It cannot revoke itself (409): use another keys:admin key or
`ledgerlink keys revoke` on the host, which also remains the way in when no key is left.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from ledgerlink.api.deps import HubDep, KeysAdmin, SessionDep
from ledgerlink.api.ids import RecordId
from ledgerlink.api.responses import error_responses
from ledgerlink.auth import service
from ledgerlink.auth.schemas import KeyCreate, KeyCreated, KeyOut, KeyPage
from ledgerlink.crm.types import Pagination

log = logging.getLogger("ledgerlink.auth")

router = APIRouter(prefix="/api/v1", tags=["api keys"])

KEYS = "/keys"
KEY = "/keys/{key_id}"
Limit = Annotated[int, Query(ge=1, le=200, description="Page size (1-200)")]
Offset = Annotated[int, Query(ge=0, le=2**31 - 1, description="How many keys to skip")]


@router.post(KEYS, status_code=status.HTTP_201_CREATED, response_model=KeyCreated,
             summary="Create an API key", responses=error_responses(400, 401, 403, 422),
             description="The answer holds the key's secret, shown this once (only a keyed "
                         "hash is stored): keep it. Any scope may be granted, keys:admin too.")
async def create_key(body: KeyCreate, session: SessionDep, hub: HubDep, caller: KeysAdmin,
                     response: Response) -> KeyCreated:
    """A new key with these scopes."""
    created = await service.create_key(session, body.name, set(body.scopes),
                                       await hub.load_pepper())
    log.info("API key %s (%r, %s) created by key %s", created.key.id, created.key.name,
             ",".join(created.key.scopes), caller.key_id)
    response.headers["Cache-Control"] = "no-store"  # the secret must not sit in a cache
    return KeyCreated.model_validate({**KeyOut.model_validate(created.key).model_dump(),
                                      "secret": created.secret})


@router.get(KEYS, response_model=KeyPage, summary="List API keys",
            responses=error_responses(401, 403, 422),
            description="Every key, revoked ones included (with `revoked_at`), newest first.")
async def list_keys(session: SessionDep, _: KeysAdmin, limit: Limit = 50,
                    offset: Offset = 0) -> KeyPage:
    """A page of keys; never a secret or a hash."""
    keys, total = await service.page_keys(session, limit, offset)
    return KeyPage(data=[KeyOut.model_validate(k) for k in keys],
                   pagination=Pagination(total=total, limit=limit, offset=offset))


@router.get(KEY, response_model=KeyOut, summary="Get an API key",
            responses=error_responses(401, 403, 404, 422, d404="No API key has this id"))
async def get_key(key_id: RecordId, session: SessionDep, _: KeysAdmin) -> KeyOut:
    """One key."""
    return KeyOut.model_validate(await service.get_key(session, key_id))


@router.delete(KEY, status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               summary="Revoke an API key",
               responses=error_responses(
                   401, 403, 404, 409, 422, d404="No API key has this id",
                   d409="This is the key making the request: revoke it with another one"),
               description="The key is refused (401) from now on, in every process within "
                           "seconds; it stays listed with `revoked_at`. Revoking a revoked key "
                           "answers 204 again. A key cannot revoke itself (409).")
async def revoke_key(key_id: RecordId, session: SessionDep, caller: KeysAdmin) -> Response:
    """Revoke a key."""
    key = await service.revoke_key(session, key_id, caller)
    log.info("API key %s (%r) revoked by key %s", key.id, key.name, caller.key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
