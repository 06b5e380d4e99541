"""Xero's OAuth 2.0: authorize URL with PKCE, code exchange, rotating refresh, custom connection."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx2
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ledgerlink.errors import (
    AuthError,
    NeedsReauthError,
    ProviderError,
    ServerError,
)
from ledgerlink.http.auth import ConnectionKind, Refresher, StoredConnection, TokenSet
from ledgerlink.http.clock import Clock, SystemClock
from ledgerlink.http.retry import RetryPolicy

AUTHORIZE_URL = "https://login.xero.com/identity/connect/authorize"
TOKEN_URL = "https://identity.xero.com/connect/token"
REVOKE_URL = "https://identity.xero.com/connect/revocation"
CONNECTIONS_URL = "https://api.xero.com/connections"
DEFAULT_EXPIRES_IN = 1800  # Xero's access tokens last 30 minutes


class XeroConnection(BaseModel):
    """One organisation (tenant) a consent connected, as GET /connections lists it."""

    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="ignore")

    id: str
    tenant_id: str = Field(alias="tenantId")
    tenant_type: str = Field(alias="tenantType")
    tenant_name: str | None = Field(default=None, alias="tenantName")
    auth_event_id: str | None = Field(default=None, alias="authEventId")
    created: datetime | None = Field(default=None, alias="createdDateUtc")
    updated: datetime | None = Field(default=None, alias="updatedDateUtc")

    @field_validator("created", "updated")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        # Xero sends these without a zone; they are UTC.
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge of a verifier (RFC 7636 §4.2)."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def auth_event_id(access_token: str) -> str | None:
    """The consent event a Xero access token came from (unverified: use only as a filter)."""
    parts = access_token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return None
    value = claims.get("authentication_event_id") if isinstance(claims, dict) else None
    return value if isinstance(value, str) else None


class XeroOAuth:
    """Xero's identity endpoints for one app; the client authenticates with HTTP Basic."""

    def __init__(self, client_id: str, client_secret: str | None, *,
                 token_url: str = TOKEN_URL, authorize_url: str = AUTHORIZE_URL,
                 revoke_url: str = REVOKE_URL, connections_url: str = CONNECTIONS_URL,
                 http: httpx2.AsyncClient | None = None, clock: Clock | None = None,
                 timeout: float = 30.0, attempts: int = 3,
                 retry: RetryPolicy | None = None) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_url = token_url
        self.authorize_endpoint = authorize_url
        self.revoke_url = revoke_url
        self.connections_url = connections_url
        self.clock: Clock = clock or SystemClock()
        # The one retry policy of provider calls (http/retry.py), with fewer attempts: a
        # person or a refresh is waiting on these.
        self.retry = retry or RetryPolicy(attempts=max(1, attempts), clock=self.clock)
        self._own_http = http is None
        self.http = http or httpx2.AsyncClient(timeout=timeout)

    @classmethod
    def for_base_url(cls, base_url: str, client_id: str, client_secret: str | None,
                     **kwargs: Any) -> XeroOAuth:
        """Endpoints of an identity service served under one base URL (the emulator)."""
        base = base_url.rstrip("/")
        return cls(client_id, client_secret, token_url=f"{base}/connect/token",
                   authorize_url=f"{base}/identity/connect/authorize",
                   revoke_url=f"{base}/connect/revocation",
                   connections_url=f"{base}/connections", **kwargs)

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._own_http:
            await self.http.aclose()

    async def __aenter__(self) -> XeroOAuth:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ---- browser side ----------------------------------------------------------------------
    @staticmethod
    def new_pkce() -> tuple[str, str]:
        """(code_verifier, S256 code_challenge); keep the verifier with the state."""
        verifier = secrets.token_urlsafe(64)  # 86 characters of the unreserved set
        return verifier, pkce_challenge(verifier)

    @staticmethod
    def new_state() -> str:
        """An unguessable state value binding the callback to the browser that started it."""
        return secrets.token_urlsafe(32)

    def authorize_url(self, redirect_uri: str, scopes: Sequence[str], state: str,
                      code_verifier: str) -> str:
        """Where to send the person to consent (response_type=code, PKCE S256)."""
        query = urlencode({
            "response_type": "code", "client_id": self.client_id,
            "redirect_uri": redirect_uri, "scope": " ".join(scopes), "state": state,
            "code_challenge": pkce_challenge(code_verifier), "code_challenge_method": "S256",
        })
        return f"{self.authorize_endpoint}?{query}"

    # ---- token endpoint --------------------------------------------------------------------
    async def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenSet:
        """Trade the callback's code for tokens (codes are single use: never retried)."""
        return await self._token({"grant_type": "authorization_code", "code": code,
                                  "redirect_uri": redirect_uri,
                                  "code_verifier": code_verifier}, retry=False)

    async def refresh(self, refresh_token: str) -> TokenSet:
        """Rotate: a new access and refresh token; invalid_grant raises NeedsReauthError.

        Retrying after a lost answer is safe: Xero accepts the old refresh token again for a
        grace period (30 minutes) after its first use.
        """
        return await self._token({"grant_type": "refresh_token",
                                  "refresh_token": refresh_token}, retry=True)

    async def client_credentials(self, scopes: Sequence[str] = ()) -> TokenSet:
        """A custom connection's token (no refresh token: ask again when it expires)."""
        form = {"grant_type": "client_credentials"}
        if scopes:
            form["scope"] = " ".join(scopes)
        return await self._token(form, retry=True)

    async def revoke(self, refresh_token: str) -> None:
        """Revoke a refresh token; Xero then drops the user's connections to this app."""
        response = await self._send("POST", self.revoke_url, data={"token": refresh_token},
                                    auth=self._basic(), retry=False)
        if response.status_code != 200:
            _raise_token_error(response, "revoke")

    # ---- connections -----------------------------------------------------------------------
    async def connections(self, access_token: str,
                          auth_event_id: str | None = None) -> list[XeroConnection]:
        """The organisations this token may act for; `auth_event_id` narrows to one consent."""
        params = {"authEventId": auth_event_id} if auth_event_id else None
        response = await self._send("GET", self.connections_url, params=params,
                                    headers=_bearer(access_token), retry=True)
        if response.status_code != 200:
            _raise_api_error(response)
        return [XeroConnection.model_validate(item) for item in response.json()]

    async def disconnect(self, access_token: str, xero_connection_id: str) -> None:
        """Remove one organisation's connection (DELETE /connections/{id})."""
        response = await self._send("DELETE", f"{self.connections_url}/{xero_connection_id}",
                                    headers=_bearer(access_token), retry=False)
        if response.status_code not in (200, 204):
            _raise_api_error(response)

    # ---- internals -------------------------------------------------------------------------
    def _basic(self) -> httpx2.BasicAuth | None:
        # A PKCE public client has no secret and names itself in the form instead.
        return httpx2.BasicAuth(self.client_id, self.client_secret) if self.client_secret else None

    async def _token(self, form: dict[str, str], *, retry: bool) -> TokenSet:
        if not self.client_secret:
            form = {**form, "client_id": self.client_id}
        response = await self._send("POST", self.token_url, data=form, auth=self._basic(),
                                    retry=retry)
        if response.status_code != 200:
            _raise_token_error(response, form["grant_type"])
        return self._token_set(response.json())

    def _token_set(self, body: Mapping[str, Any]) -> TokenSet:
        now = self.clock.time()
        access = body.get("access_token")
        if not isinstance(access, str) or not access:
            raise ProviderError("Xero's token endpoint answered without an access_token.")
        expires_in = body.get("expires_in", DEFAULT_EXPIRES_IN)
        refresh = body.get("refresh_token")
        return TokenSet(access_token=access,
                        refresh_token=refresh if isinstance(refresh, str) else None,
                        expires_at=now + float(expires_in),
                        scopes=tuple(str(body.get("scope") or "").split()),
                        token_type=str(body.get("token_type") or "Bearer"), refreshed_at=now)

    async def _send(self, method: str, url: str, *, retry: bool, **kwargs: Any
                    ) -> httpx2.Response:
        """One request through the retry policy. Without `retry` (a single-use code, a
        revocation) only what cannot have reached Xero is tried again: a connection never
        made, a 429 or a 503."""
        async def attempt(_: int) -> httpx2.Response:
            return await self.http.request(method, url, **kwargs)

        return await self.retry.call(attempt, operation="Xero identity", replay_safe=retry)


def _bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}


def _oauth_error(response: httpx2.Response) -> tuple[str, str | None]:
    try:
        body = response.json()
    except ValueError:
        return "", None
    if not isinstance(body, dict):
        return "", None
    description = body.get("error_description")
    return str(body.get("error") or ""), str(description) if description else None


def _raise_token_error(response: httpx2.Response, grant: str) -> None:
    """Map a token/revocation endpoint failure onto the error tree."""
    status = response.status_code
    error, description = _oauth_error(response)
    detail = f"{error}: {description}" if description else error
    if error == "invalid_grant" and grant in ("refresh_token", "client_credentials"):
        raise NeedsReauthError("", detail)
    if error == "invalid_grant":
        raise AuthError("Xero refused the authorization code (invalid_grant): codes are single "
                        "use and expire after a few minutes, and the redirect_uri and PKCE "
                        "verifier must match the authorize request. Start the connection again.",
                        provider_status=status, details={"oauth_error": error})
    if error in ("invalid_client", "unauthorized_client"):
        raise AuthError(f"Xero rejected this app's credentials ({error}): check the client id "
                        "and secret, and for a custom connection that it is connected to an "
                        "organisation.", provider_status=status, details={"oauth_error": error})
    if status >= 500:
        raise ServerError(f"Xero's identity service failed ({status}) during {grant}.",
                          provider_status=status)
    raise AuthError(f"Xero's identity service refused {grant} ({detail or status}).",
                    provider_status=status, details={"oauth_error": error or None})


def _raise_api_error(response: httpx2.Response) -> None:
    status = response.status_code
    if status == 401:
        raise AuthError("Xero rejected the access token for /connections.", provider_status=401)
    if status >= 500:
        raise ServerError(f"Xero /connections failed ({status}).", provider_status=status)
    raise ProviderError(f"Xero /connections answered {status}: {response.text[:200]}",
                        provider_status=status)


def refresher_for(oauth: XeroOAuth, kind: ConnectionKind | None = None) -> Refresher:
    """A TokenManager refresher; without `kind` it follows each connection's own kind.

    Client-credentials connections "refresh" by asking for a new token with the same scopes;
    static tokens cannot be refreshed at all.
    """
    async def refresh(row: StoredConnection) -> TokenSet:
        which = kind or row.kind
        if which is ConnectionKind.OAUTH_CLIENT_CREDENTIALS:
            return await oauth.client_credentials(row.tokens.scopes if row.tokens else ())
        if which is ConnectionKind.STATIC_TOKEN:
            raise AuthError(f"Connection {row.connection_id!r} uses a static token, which "
                            "cannot be refreshed: store a new one.")
        old = row.tokens
        if old is None or not old.refresh_token:
            raise NeedsReauthError(row.connection_id, "no refresh token stored")
        try:
            new = await oauth.refresh(old.refresh_token)
        except NeedsReauthError as exc:
            raise NeedsReauthError(row.connection_id,
                                   str(exc.details.get("reason") or "invalid_grant")) from exc
        if new.refresh_token is None:  # RFC 6749 §6: no new one issued means keep the old one
            new = TokenSet(new.access_token, old.refresh_token, new.expires_at,
                           new.scopes or old.scopes, new.token_type, old.refreshed_at)
        return new

    return refresh
