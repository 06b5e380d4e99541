"""Secrets at rest: MultiFernet encryption with key rotation, and API key hashing."""

from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from ledgerlink.errors import ConfigurationError


class SecretBox:
    """Encrypts with the first key, decrypts with any; `rotate` re-encrypts under the first."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ConfigurationError("No encryption key is configured: set LEDGERLINK_SECRET_KEYS "
                                     "(generate one with `ledgerlink keys secret`).",
                                     field="secret_keys")
        try:
            self._fernet = MultiFernet([Fernet(k.strip().encode()) for k in keys])
        except (ValueError, TypeError):
            raise ConfigurationError("LEDGERLINK_SECRET_KEYS must be comma-separated Fernet keys",
                                     field="secret_keys") from None

    @classmethod
    def from_setting(cls, value: str) -> SecretBox:
        """Keys from the comma-separated setting."""
        return cls([k for k in value.split(",") if k.strip()])

    @staticmethod
    def generate_key() -> str:
        """A new Fernet key."""
        return Fernet.generate_key().decode()

    def encrypt(self, plaintext: str | None) -> str | None:
        """Ciphertext (text) of a secret; None stays None."""
        if plaintext is None:
            return None
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str | None) -> str | None:
        """The secret back; a value no configured key opens is a configuration error."""
        if ciphertext is None:
            return None
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise ConfigurationError("A stored secret cannot be decrypted with the configured "
                                     "keys: was a key removed from LEDGERLINK_SECRET_KEYS before "
                                     "`ledgerlink keys rotate-secrets` ran?") from None

    def rotate(self, ciphertext: str | None) -> str | None:
        """Re-encrypt under the first key (after a new key is put first)."""
        if ciphertext is None:
            return None
        return self._fernet.rotate(ciphertext.encode()).decode()


def hash_api_key(key: str, pepper: str) -> str:
    """API keys are long random strings, so a keyed SHA-256 is enough (no slow KDF needed)."""
    return hmac.new(pepper.encode(), key.encode(), hashlib.sha256).hexdigest()
