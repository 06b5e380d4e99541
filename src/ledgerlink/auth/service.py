"""API key lifecycle: create (the secret is shown once), verify, list, revoke."""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.auth import repository
from ledgerlink.auth.scopes import Scope, expand
from ledgerlink.db.base import utcnow
from ledgerlink.db.crypto import hash_api_key
from ledgerlink.db.models.auth import ApiKey
from ledgerlink.errors import InputError, RecordConflictError, RecordNotFoundError

KEY_PREFIX = "llk_"
# Authenticated keys are remembered this long, by hash, so a busy caller costs no query per
# request. Revoking in this process forgets the key at once; a revocation by another process
# (the CLI) takes effect within this many seconds.
CACHE_SECONDS = 5.0
_CACHE_MAX = 10_000
_cache: dict[str, tuple[Principal, float]] = {}


@dataclass(frozen=True)
class CreatedKey:
    """A new key: `secret` exists only here, never in storage."""

    key: ApiKey
    secret: str


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id, name and effective scopes."""

    key_id: str
    name: str
    scopes: frozenset[Scope]


async def create_key(session: AsyncSession, name: str, scopes: set[Scope],
                     pepper: str) -> CreatedKey:
    """Make a key with these scopes; the plaintext is returned once."""
    if not name.strip():
        raise InputError("A key needs a name", field="name")
    if not scopes:
        raise InputError("A key needs at least one scope", field="scopes")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name.strip(), prefix=secret[:12], key_hash=hash_api_key(secret, pepper),
                 scopes=sorted(s.value for s in scopes))
    await repository.add(session, key)
    return CreatedKey(key, secret)


async def authenticate(session: AsyncSession, secret: str, pepper: str,
                       now: datetime | None = None,
                       legacy_peppers: Sequence[str] = ()) -> Principal | None:
    """The principal behind a presented key, or None when it is unknown or revoked.

    A key whose stored hash was made with one of `legacy_peppers` is accepted and re-hashed
    with `pepper` (the caller's session commits that), so old keys move over as they are used.
    """
    key_hash = hash_api_key(secret, pepper)
    cached = _cache.get(key_hash)
    if cached is not None and cached[1] > time.monotonic() and now is None:
        return cached[0]
    key = await repository.by_hash(session, key_hash)
    if key is None:
        key = await _rehashed(session, secret, key_hash, legacy_peppers)
    if key is None or key.revoked_at is not None:
        _cache.pop(key_hash, None)
        return None
    now = now or utcnow()
    # Record use at most once a minute: a write on every request would cost every request.
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        key.last_used_at = now
    principal = Principal(key.id, key.name, frozenset(expand({Scope(s) for s in key.scopes})))
    if len(_cache) >= _CACHE_MAX:
        _cache.clear()
    _cache[key_hash] = (principal, time.monotonic() + CACHE_SECONDS)
    return principal


async def _rehashed(session: AsyncSession, secret: str, key_hash: str,
                    legacy_peppers: Sequence[str]) -> ApiKey | None:
    """The key whose hash a legacy pepper made, now stored under `key_hash` instead."""
    for legacy in legacy_peppers:
        key = await repository.by_hash(session, hash_api_key(secret, legacy))
        if key is not None:
            key.key_hash = key_hash
            return key
    return None


def forget_cached(key_hash: str | None = None) -> None:
    """Drop one remembered key (or all of them)."""
    if key_hash is None:
        _cache.clear()
    else:
        _cache.pop(key_hash, None)


async def list_keys(session: AsyncSession) -> list[ApiKey]:
    """Every key (hashes stay server-side)."""
    return await repository.all_keys(session)


async def page_keys(session: AsyncSession, limit: int = 50,
                    offset: int = 0) -> tuple[list[ApiKey], int]:
    """A page of keys, newest first, and how many there are."""
    return await repository.page(session, limit, offset)


async def get_key(session: AsyncSession, key_id: str) -> ApiKey:
    """A key by id, or RecordNotFoundError (404, field "key_id")."""
    key = await repository.by_id(session, key_id)
    if key is None:
        raise RecordNotFoundError(f"No API key has id {key_id}", field="key_id",
                                  details={"key_id": key_id})
    return key


async def revoke_key(session: AsyncSession, key_id: str, caller: Principal | None = None
                     ) -> ApiKey:
    """Revoke a key by id; revoking twice is harmless.

    A caller (an API request) may not revoke the key it is using: a script revoking "every
    other key" must not lock itself out midway, and the last keys:admin key can only be
    revoked by another one or by `ledgerlink keys revoke` on the host.
    """
    key = await get_key(session, key_id)
    if caller is not None and caller.key_id == key.id:
        raise RecordConflictError(
            "This is the API key making the request; revoke it with another keys:admin key "
            "or `ledgerlink keys revoke` on the host", field="key_id",
            details={"key_id": key.id})
    if key.revoked_at is None:
        key.revoked_at = utcnow()
    forget_cached(key.key_hash)
    return key
