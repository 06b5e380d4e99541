"""Token mechanics of the emulated identity service: OAuth errors, HS256 JWTs, PKCE, scopes."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from ledgerlink.emulator.xero.errors import XeroError
from ledgerlink.emulator.xero.identity_state import Session, User

# RFC 7636 §4.1: 43 to 128 characters of the unreserved set.
PKCE_VALUE_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
PKCE_METHODS = ("S256", "plain")
GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")


class OAuthError(XeroError):
    """An RFC 6749 error answer (`{"error": "invalid_grant"}`), as the token endpoint sends it."""

    content_type = "application/json"

    def __init__(self, error: str, status: int = 400) -> None:
        super().__init__(error)
        self.error = error
        self.status = status

    def body(self) -> Any:
        return {"error": self.error}

    def headers(self) -> dict[str, str]:
        base = {"Cache-Control": "no-store", "Pragma": "no-cache"}
        if self.status == 401:
            base["WWW-Authenticate"] = 'Basic realm="identity"'
        return base


def b64url(data: bytes) -> str:
    """Base64url without padding, as JOSE uses it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_jwt(claims: dict[str, Any], key: bytes, kid: str = "emulator") -> str:
    """A compact HS256 JWT."""
    header = {"alg": "HS256", "kid": kid, "typ": "JWT"}
    signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "."
                     + b64url(json.dumps(claims, separators=(",", ":")).encode()))
    signature = hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()
    return signing_input + "." + b64url(signature)


def decode_jwt(token: str, key: bytes) -> dict[str, Any] | None:
    """The claims of an HS256 JWT signed with `key`; None when malformed or forged."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii", "replace")
    expected = b64url(hmac.new(key, signing_input, hashlib.sha256).digest())
    if not hmac.compare_digest(expected, parts[2]):
        return None
    try:
        claims = json.loads(_b64url_decode(parts[1]))
    except (ValueError, binascii.Error):
        return None
    return claims if isinstance(claims, dict) else None


def pkce_challenge(verifier: str, method: str = "S256") -> str:
    """The challenge a client derives from its verifier."""
    if method == "plain":
        return verifier
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def pkce_matches(verifier: str | None, challenge: str, method: str) -> bool:
    """Whether a code_verifier proves possession of the challenge given at authorize."""
    if not verifier or not PKCE_VALUE_RE.match(verifier):
        return False
    return hmac.compare_digest(pkce_challenge(verifier, method), challenge)


def narrow_scopes(granted: list[str], requested: str | None) -> list[str]:
    """A refresh may ask for the granted scopes or fewer, never more."""
    if not requested or not requested.split():
        return list(granted)
    wanted = requested.split()
    if not set(wanted) <= set(granted):
        raise OAuthError("invalid_scope")
    return [s for s in granted if s in wanted]


def parse_basic(header: str | None) -> tuple[str, str] | None:
    """(client_id, client_secret) from `Authorization: Basic …`; None when absent or not Basic.

    RFC 6749 §2.3.1 form-encodes both parts before base64, so they are unquoted here.
    """
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_client", 401) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise OAuthError("invalid_client", 401)
    return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))


def parse_bearer(header: str | None) -> str | None:
    """The token of `Authorization: Bearer …` (scheme case-insensitive); None otherwise."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def expiry_text(timestamp: float) -> str:
    """The expiry instant as the live 401 Detail prints it: `01/01/2001 00:00:00` (UTC)."""
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%m/%d/%Y %H:%M:%S")


def access_claims(issuer: str, client_id: str, session: Session, scopes: list[str], now: float,
                  ttl: int, jti: str) -> dict[str, Any]:
    """The claims Xero puts in an access token."""
    return {
        "nbf": int(now), "exp": int(now + ttl), "iss": issuer, "aud": f"{issuer}/resources",
        "client_id": client_id, "sub": uuid.UUID(session.user_id).hex,
        "auth_time": session.auth_time, "xero_userid": session.user_id,
        "global_session_id": session.session_id, "sid": session.session_id, "jti": jti,
        "authentication_event_id": session.auth_event_id, "scope": list(scopes),
    }


def id_claims(issuer: str, client_id: str, session: Session, user: User, now: float,
              ttl: int) -> dict[str, Any]:
    """The claims of an OpenID Connect id_token for the signed-in user."""
    return {
        "nbf": int(now), "exp": int(now + ttl), "iat": int(now), "iss": issuer,
        "aud": client_id, "sub": uuid.UUID(session.user_id).hex,
        "auth_time": session.auth_time, "xero_userid": session.user_id,
        "global_session_id": session.session_id, "sid": session.session_id,
        "preferred_username": user.email, "email": user.email,
        "given_name": user.given_name, "family_name": user.family_name,
    }
