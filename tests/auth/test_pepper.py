"""The API-key pepper is per install: made once, stored encrypted, shared, rotated, race-free."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from ledgerlink.api.app import create_app
from ledgerlink.auth import pepper as install_pepper
from ledgerlink.auth import service as auth_service
from ledgerlink.auth.scopes import Scope
from ledgerlink.config import Settings
from ledgerlink.db.crypto import SecretBox, hash_api_key
from ledgerlink.db.engine import Database
from ledgerlink.db.models.auth import ApiKey
from ledgerlink.db.models.install import InstallSecret
from ledgerlink.db.rotation import rotate_secrets
from ledgerlink.hub import Hub
from tests.hub_fixtures import bearer


def unpeppered(settings: Settings, **changes: object) -> Settings:
    """The settings of an install that leaves LEDGERLINK_API_KEY_PEPPER unset."""
    return settings.model_copy(update={"api_key_pepper": None, **changes})


async def stored(hub: Hub) -> dict[str, str]:
    async with hub.db.session() as session:
        rows = (await session.scalars(select(InstallSecret))).all()
    return {row.name: row.value_enc for row in rows}


async def answers(hub: Hub, secret: str) -> int:
    """The status of an authenticated call, through a fresh app on this hub."""
    transport = httpx.ASGITransport(app=create_app(hub=hub))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
        return (await http.get("/api/v1/customers", headers=bearer(secret))).status_code


async def test_the_pepper_is_made_once_stored_encrypted_and_read_back(
        hub: Hub, settings: Settings) -> None:
    first = Hub.from_settings(unpeppered(settings), hub.db)
    with pytest.raises(RuntimeError, match="load_pepper"):
        _ = first.pepper  # nothing made it yet: no silent fallback to a shared constant
    made = await first.load_pepper()
    assert len(made) >= 40 and first.pepper == made
    rows = await stored(hub)
    assert set(rows) == {"api_key_pepper"}  # no keys existed: nothing legacy to honour
    assert made not in rows["api_key_pepper"]  # the database alone does not reveal it
    assert first.box.decrypt(rows["api_key_pepper"]) == made
    # Another process of the same install (its own Hub and engine) reads the same pepper.
    other = Hub.from_settings(unpeppered(settings))
    try:
        assert await other.load_pepper() == made
    finally:
        await other.close()


async def test_two_installs_get_different_peppers(hub: Hub, settings: Settings,
                                                  tmp_path: Path) -> None:
    elsewhere = Database(f"sqlite+aiosqlite:///{tmp_path / 'other-install.db'}")
    other = Hub.from_settings(unpeppered(settings), elsewhere)
    try:
        async with elsewhere.engine.begin() as conn:
            await conn.run_sync(InstallSecret.metadata.create_all)
        mine = await Hub.from_settings(unpeppered(settings), hub.db).load_pepper()
        assert await other.load_pepper() != mine
    finally:
        await other.close()


async def test_processes_starting_at_once_agree(hub: Hub, settings: Settings) -> None:
    hubs = [Hub.from_settings(unpeppered(settings)) for _ in range(6)]
    try:
        peppers = await asyncio.gather(*(h.load_pepper() for h in hubs))
    finally:
        await asyncio.gather(*(h.close() for h in hubs))
    assert len(set(peppers)) == 1
    assert len(await stored(hub)) == 1


async def test_a_second_insert_keeps_the_first_value(hub: Hub, settings: Settings) -> None:
    """The insert-if-absent itself: the loser of a race gets the winner's pepper back."""
    box = hub.box
    won = await install_pepper._generate(hub.db, box)
    lost = await install_pepper._generate(hub.db, box)
    assert lost == won


async def test_the_configured_pepper_wins_and_stores_nothing(hub: Hub) -> None:
    assert await hub.load_pepper() == "test-pepper"  # the fixture's LEDGERLINK_API_KEY_PEPPER
    assert await stored(hub) == {}


async def test_keys_work_across_processes_and_after_rotate_secrets(
        hub: Hub, settings: Settings) -> None:
    first = Hub.from_settings(unpeppered(settings), hub.db)
    async with hub.db.session() as session:
        created = await auth_service.create_key(session, "crm", {Scope.CRM_READ},
                                                await first.load_pepper())
    assert await answers(first, created.secret) == 200

    old_key = settings.secret_keys.get_secret_value() if settings.secret_keys else ""
    new_key = SecretBox.generate_key()
    counts = await rotate_secrets(hub.db, SecretBox.from_setting(f"{new_key},{old_key}"))
    assert counts["install_secrets.value_enc"] == 1
    # A process started with only the new key reads the re-encrypted pepper: the key works.
    rotated = Hub.from_settings(unpeppered(settings, secret_keys=SecretStr(new_key)), hub.db)
    auth_service.forget_cached()
    assert await answers(rotated, created.secret) == 200


async def test_keys_hashed_with_the_old_shared_default_keep_working(
        hub: Hub, settings: Settings) -> None:
    """An install upgraded with keys made under the old constant: they still authenticate,
    and each is re-hashed with the install's own pepper on its first use."""
    async with hub.db.session() as session:
        old = await auth_service.create_key(session, "before", {Scope.CRM_READ},
                                            install_pepper.LEGACY_DEFAULT)
    upgraded = Hub.from_settings(unpeppered(settings), hub.db)
    pepper = await upgraded.load_pepper()
    assert pepper != install_pepper.LEGACY_DEFAULT
    assert set(await stored(hub)) == {"api_key_pepper", "api_key_pepper_legacy"}

    auth_service.forget_cached()
    assert await answers(upgraded, old.secret) == 200
    async with hub.db.session() as session:
        key = (await session.scalars(select(ApiKey))).one()
    assert key.key_hash == hash_api_key(old.secret, pepper)  # moved over
    assert await answers(upgraded, "llk_not-a-real-key") == 401
