"""Validation of authorize requests and the redirects that answer them (no HTTP objects)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ledgerlink.emulator.xero.apps import XeroApp
from ledgerlink.emulator.xero.identity_tokens import PKCE_METHODS, PKCE_VALUE_RE

# The parameters the consent form carries through in hidden fields.
AUTHORIZE_FIELDS = ("response_type", "client_id", "redirect_uri", "scope", "state",
                    "code_challenge", "code_challenge_method", "nonce")
MAX_NONCE = 512  # the nonce is echoed into a form and a token; a bound keeps both small
# Where identity.xero.com serves its key set (IdentityServer's path).
JWKS_PATH = "/.well-known/openid-configuration/jwks"
SCOPE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9._:-]*$")


class ConsentError(Exception):
    """The request names no trustworthy redirect: show an error page, never redirect."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error = error
        self.message = message


class AuthRedirect(Exception):
    """The request is bad but its redirect_uri is registered: send the error there."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


@dataclass(frozen=True)
class AuthRequest:
    """An authorize request whose client, redirect URI, scopes and PKCE values check out."""

    app: XeroApp
    redirect_uri: str
    scopes: list[str]
    state: str | None
    challenge: str | None
    method: str
    params: dict[str, str] = field(default_factory=dict)  # echoed in the consent form
    nonce: str | None = None  # OIDC: echoed in the id_token of the code exchange


def redirect_with(uri: str, **params: str | None) -> str:
    """`uri` with these query parameters added (None values left out), keeping its own."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(k, v) for k, v in params.items() if v is not None]
    return urlunsplit(parts._replace(query=urlencode(query)))


def parse_authorize(apps: Mapping[str, XeroApp], params: Mapping[str, str]) -> AuthRequest:
    """Check an authorize request; raises ConsentError or AuthRedirect when it is refused."""
    app = apps.get(params.get("client_id", ""))
    if app is None:
        raise ConsentError("unauthorized_client", "Unknown client_id.")
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in app.redirect_uris:
        raise ConsentError("invalid_request",
                           "The redirect_uri is not one registered for this app.")
    state = params.get("state") or None

    def refuse(error: str) -> NoReturn:
        raise AuthRedirect(redirect_with(redirect_uri, error=error, state=state))

    if params.get("response_type") != "code":
        refuse("unsupported_response_type")
    scopes = list(dict.fromkeys(params.get("scope", "").split()))
    if not scopes or not all(SCOPE_RE.match(s) for s in scopes):
        refuse("invalid_scope")
    challenge = params.get("code_challenge") or None
    # RFC 7636 §4.3: a challenge without a method is "plain".
    method = params.get("code_challenge_method") or ("plain" if challenge else "S256")
    if challenge and (method not in PKCE_METHODS or not PKCE_VALUE_RE.match(challenge)):
        refuse("invalid_request")
    nonce = params.get("nonce") or None
    if nonce is not None and len(nonce) > MAX_NONCE:
        refuse("invalid_request")
    echoed = {k: params[k] for k in AUTHORIZE_FIELDS if params.get(k)}
    return AuthRequest(app, redirect_uri, scopes, state, challenge, method, echoed, nonce)


def discovery_document(base_url: str, issuer: str) -> dict[str, Any]:
    """OpenID provider metadata naming this emulator's endpoints."""
    base = base_url.rstrip("/")
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{base}/identity/connect/authorize",
        "token_endpoint": f"{base}/connect/token",
        "revocation_endpoint": f"{base}/connect/revocation",
        "jwks_uri": f"{base}{JWKS_PATH}",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": list(PKCE_METHODS),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post",
                                                  "none"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "subject_types_supported": ["public"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
    }
