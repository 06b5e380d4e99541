"""The API-key pepper of this install: from the settings, else made once and stored encrypted.

Every process of an install (serve, worker, `ledgerlink keys create`) must hash keys with the
same pepper, and a stolen database alone must not reveal it. Unless LEDGERLINK_API_KEY_PEPPER
is set, the first process to start generates a random pepper and stores it encrypted by the
secret box (so `keys rotate-secrets` re-encrypts it like every other secret); the others read
it. Two processes starting at once both try an insert-if-absent on the same name and then read
back whichever won, so they always agree.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from ledgerlink.auth import repository
from ledgerlink.config import Settings
from ledgerlink.db.crypto import SecretBox
from ledgerlink.db.engine import Database
from ledgerlink.db.rotation import begin_write
from ledgerlink.errors import ConfigurationError

CURRENT = "api_key_pepper"
LEGACY = "api_key_pepper_legacy"
# What every install used before peppers were per install. Keys made then still authenticate:
# on their next use they are re-hashed with the install's own pepper (see auth.service).
LEGACY_DEFAULT = "ledgerlink-api-key"


@dataclass(frozen=True)
class Peppers:
    """The pepper new hashes use, and older ones that stored hashes may still be made with."""

    current: str
    legacy: tuple[str, ...] = ()


async def load_peppers(settings: Settings, db: Database, box: SecretBox) -> Peppers:
    """The install's peppers: the setting when given, else the stored one (made if absent)."""
    if settings.api_key_pepper is not None:
        return Peppers(settings.api_key_pepper.get_secret_value())
    async with db.engine.connect() as conn:
        stored = await repository.install_secrets(conn, [CURRENT, LEGACY])
    if CURRENT not in stored:
        stored = await _generate(db, box)
    return _opened(stored, box)


async def _generate(db: Database, box: SecretBox) -> dict[str, str]:
    """Store a new pepper unless another process did first; the values that are stored."""
    async with db.engine.connect() as conn:
        # The write lock first (SQLite): the check for existing keys and the insert must see
        # the same database.
        await begin_write(conn)
        values = {CURRENT: _encrypted(box, secrets.token_urlsafe(32))}
        if await repository.any_key(conn):
            # Keys made before this install had a pepper of its own were hashed with the old
            # shared default: keep accepting them until each has been re-hashed.
            values[LEGACY] = _encrypted(box, LEGACY_DEFAULT)
        await repository.add_install_secrets_if_absent(conn, values)
        stored = await repository.install_secrets(conn, [CURRENT, LEGACY])
        await conn.commit()
    return stored


def _encrypted(box: SecretBox, value: str) -> str:
    ciphertext = box.encrypt(value)
    assert ciphertext is not None
    return ciphertext


def _opened(stored: dict[str, str], box: SecretBox) -> Peppers:
    current = box.decrypt(stored[CURRENT])
    if not current:
        raise ConfigurationError("The stored API-key pepper is empty", field="api_key_pepper")
    legacy = box.decrypt(stored.get(LEGACY))
    return Peppers(current, (legacy,) if legacy else ())
