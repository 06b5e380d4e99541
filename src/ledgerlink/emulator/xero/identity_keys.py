"""The emulator's RSA signing key for id_tokens: made on first use, published as a JWKS."""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ledgerlink.emulator.xero.identity_tokens import b64url

KEY_BITS = 2048


def _int_b64(value: int) -> str:
    """An RSA integer as JWK writes it (RFC 7518 §6.3.1: big-endian, no leading zeros)."""
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def _jwk_of(key: rsa.RSAPrivateKey) -> dict[str, str]:
    numbers = key.public_key().public_numbers()
    required = {"e": _int_b64(numbers.e), "kty": "RSA", "n": _int_b64(numbers.n)}
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True).encode()
    kid = b64url(hashlib.sha256(canonical).digest())
    return {**required, "kid": kid, "use": "sig", "alg": "RS256"}


_PROCESS_KEY: list[tuple[rsa.RSAPrivateKey, dict[str, str]]] = []
_PROCESS_LOCK = threading.Lock()  # tests may mint tokens from another thread


def _process_key() -> tuple[rsa.RSAPrivateKey, dict[str, str]]:
    """One key per process, made on first use: a key costs 20-120 ms, and a test run starts
    hundreds of emulators (each one's tokens are still checked against its own JWKS)."""
    if not _PROCESS_KEY:
        with _PROCESS_LOCK:
            if not _PROCESS_KEY:
                key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
                _PROCESS_KEY.append((key, _jwk_of(key)))
    return _PROCESS_KEY[0]


class SigningKey:
    """The emulator's signing key, generated lazily and kept across resets.

    Keeping it across `reset()` mirrors Xero, whose key set rarely changes: a client that
    cached the JWKS keeps verifying new id_tokens.
    """

    def _key(self) -> tuple[rsa.RSAPrivateKey, dict[str, str]]:
        return _process_key()

    def public_jwk(self) -> dict[str, str]:
        """The public key as a JWK, with its RFC 7638 thumbprint as `kid`."""
        return dict(self._key()[1])

    def jwks(self) -> dict[str, Any]:
        """The JSON Web Key Set the discovery document's `jwks_uri` serves."""
        return {"keys": [self.public_jwk()]}

    def sign(self, claims: dict[str, Any]) -> str:
        """A compact RS256 JWT whose header names this key."""
        key, jwk = self._key()
        header = {"alg": "RS256", "kid": jwk["kid"], "typ": "JWT"}
        signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "."
                         + b64url(json.dumps(claims, separators=(",", ":")).encode()))
        signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + b64url(signature)


def at_hash(access_token: str) -> str:
    """OIDC Core §3.1.3.6: the left half of SHA-256 of the access token, base64url."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return b64url(digest[: len(digest) // 2])
