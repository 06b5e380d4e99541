"""Key rotation: a new key put first reads old secrets, rotation re-encrypts, the old key goes."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from ledgerlink.config import Settings
from ledgerlink.db.crypto import SecretBox
from ledgerlink.db.rotation import encrypted_columns, rotate_secrets
from ledgerlink.errors import ConfigurationError
from ledgerlink.http.auth import ConnectionKind, TokenSet
from ledgerlink.hub import Hub
from ledgerlink.integrations.tokens import DbTokenStore

PAIR = TokenSet("access-plaintext", "refresh-plaintext", 2e9, ("offline_access",))
ENCRYPTED = {"provider_grants.client_secret_enc", "provider_grants.access_token_enc",
             "provider_grants.refresh_token_enc"}


def box_for(settings: Settings, keys: str) -> SecretBox:
    """The box a hub configured with LEDGERLINK_SECRET_KEYS=keys builds."""
    configured = settings.model_copy(update={"secret_keys": SecretStr(keys)})
    assert configured.secret_keys is not None
    return SecretBox.from_setting(configured.secret_keys.get_secret_value())


async def raw_grants(hub: Hub) -> list[dict[str, object]]:
    async with hub.db.engine.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT id, client_secret_enc, access_token_enc, refresh_token_enc, updated_at "
            "FROM provider_grants ORDER BY id"))).mappings().all()
    return [dict(r) for r in rows]


def test_encrypted_columns_are_found_by_name() -> None:
    found = {f"{t.name}.{c.name}" for t, cols in encrypted_columns() for c in cols}
    assert found >= ENCRYPTED


async def test_rotation_moves_every_secret_to_the_new_key(hub: Hub, settings: Settings) -> None:
    key_a, key_b = SecretBox.generate_key(), SecretBox.generate_key()
    old = DbTokenStore(hub.db, box_for(settings, key_a))
    gid = (await old.put(None, ConnectionKind.OAUTH_AUTHORIZATION_CODE, PAIR,
                         client_id="app", client_secret="secret-plaintext")).connection_id
    await old.put(None, ConnectionKind.OAUTH_CLIENT_CREDENTIALS, None)  # nothing to rotate
    before = await raw_grants(hub)

    # Step 1: the new key goes first; everything stored under the old one still reads.
    both = box_for(settings, f"{key_b},{key_a}")
    assert (await DbTokenStore(hub.db, both).get(gid)).tokens == PAIR

    # Step 2: `ledgerlink keys rotate-secrets`.
    counts = await rotate_secrets(hub.db, both)
    assert {k: v for k, v in counts.items() if k in ENCRYPTED} == dict.fromkeys(ENCRYPTED, 1)
    after = await raw_grants(hub)
    assert [r["updated_at"] for r in after] == [r["updated_at"] for r in before]
    changed = [r for r in after if r["access_token_enc"] is not None]
    assert changed[0]["access_token_enc"] not in {r["access_token_enc"] for r in before}

    # Step 3: the old key is removed; the new one alone reads everything.
    only_b = DbTokenStore(hub.db, box_for(settings, key_b))
    assert (await only_b.get(gid)).tokens == PAIR
    assert await only_b.credentials(gid) == ("app", "secret-plaintext")

    # The old key alone, or a key never used, opens nothing: a clear configuration error.
    for keys in (key_a, SecretBox.generate_key()):
        with pytest.raises(ConfigurationError, match="rotate-secrets"):
            await DbTokenStore(hub.db, box_for(settings, keys)).get(gid)


async def test_a_secret_no_key_opens_stops_the_rotation_and_changes_nothing(
        hub: Hub, settings: Settings) -> None:
    key_a, key_b = SecretBox.generate_key(), SecretBox.generate_key()
    store = DbTokenStore(hub.db, box_for(settings, key_a))
    await store.put(None, ConnectionKind.OAUTH_AUTHORIZATION_CODE, PAIR, client_secret="s")
    before = await raw_grants(hub)
    with pytest.raises(ConfigurationError, match="provider_grants") as caught:
        await rotate_secrets(hub.db, box_for(settings, key_b))  # key A was dropped too early
    assert "Nothing was changed" in caught.value.message
    assert await raw_grants(hub) == before


def test_settings_without_a_valid_key_are_refused(settings: Settings) -> None:
    with pytest.raises(ConfigurationError, match="LEDGERLINK_SECRET_KEYS"):
        box_for(settings, "not-a-fernet-key")
    with pytest.raises(ConfigurationError, match="ledgerlink keys secret"):
        box_for(settings, " , ")
