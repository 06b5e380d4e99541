"""Xero's identity service as state and rules: consent, codes, token families, connections."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ledgerlink.emulator.core.ids import IdGen
from ledgerlink.emulator.xero import wire
from ledgerlink.emulator.xero.apps import XeroApp
from ledgerlink.emulator.xero.errors import Unauthorized
from ledgerlink.emulator.xero.identity_authorize import (
    AuthRequest,
    discovery_document,
    parse_authorize,
    redirect_with,
)
from ledgerlink.emulator.xero.identity_keys import SigningKey, at_hash
from ledgerlink.emulator.xero.identity_pat import PatStore
from ledgerlink.emulator.xero.identity_state import (
    AuthCode,
    Connection,
    ConnectionStore,
    Family,
    IssuedToken,
    RefreshRecord,
    Session,
    User,
    custom_user_id,
)
from ledgerlink.emulator.xero.identity_tokens import (
    OAuthError,
    access_claims,
    decode_jwt,
    encode_jwt,
    expiry_text,
    id_claims,
    narrow_scopes,
    parse_bearer,
    pkce_matches,
)

if TYPE_CHECKING:
    from ledgerlink.emulator.core.router import Router
    from ledgerlink.emulator.xero.state import Emulator

__all__ = ["AccessGrant", "AuthRequest", "Connection", "IdentityService", "OAuthError"]

CODE_TTL = 300.0
SWEEP_EVERY = 512  # issued access tokens between sweeps of expired ones
# What a custom connection is granted when the token request names no scope.
CUSTOM_DEFAULT_SCOPES = (
    "accounting.transactions", "accounting.contacts", "accounting.settings",
    "accounting.attachments", "accounting.reports.read", "accounting.journals.read",
)


@dataclass
class AccessGrant:
    """What a valid access token allows, computed afresh on every call."""

    app: XeroApp
    tenant_ids: list[str]  # organisations this token may act for (live connections)
    scopes: set[str]
    auth_event_id: str
    custom: bool  # client-credentials (custom connection) token
    expires_at: float
    user_id: str = ""


class IdentityService:
    """Consent, authorization codes, rotating refresh tokens, access tokens and connections."""

    def __init__(self, emulator: Emulator) -> None:
        self._em = emulator
        self.user = User.demo(emulator.config.random_seed)
        self._ids = IdGen(f"{emulator.config.random_seed}:identity")
        self._key = secrets.token_bytes(32)  # access tokens: only the emulator verifies them
        self.signing_key = SigningKey()  # id_tokens: clients verify them against the JWKS
        self.calls: Counter[tuple[str, str]] = Counter()  # (client id, operation)
        self._codes: dict[str, AuthCode] = {}
        self._families: dict[str, Family] = {}
        self._refresh: dict[str, RefreshRecord] = {}
        self._access: dict[str, IssuedToken] = {}
        self._connections = ConnectionStore()
        self.pats = PatStore(self._ids)  # personal access tokens, one organisation each
        self._issued = 0

    def reset(self) -> None:
        """Forget every code, token and connection; tokens signed before stop verifying."""
        # Identity draws from its own generator so the number of token refreshes never
        # shifts the ids of accounting records created afterwards.
        self._ids.reseed(f"{self._em.config.random_seed}:identity")
        self._key = secrets.token_bytes(32)
        for store in (self._codes, self._families, self._refresh, self._access,
                      self._connections, self.calls, self.pats):
            store.clear()
        self._issued = 0

    def router(self) -> Router:
        """The identity routes (authorize, token, revocation, connections)."""
        from ledgerlink.emulator.xero.identity_routes import build_router

        return build_router(self)

    def discovery(self) -> dict[str, Any]:
        """The OpenID discovery document."""
        return discovery_document(self._em.config.base_url, self._issuer())

    def jwks(self) -> dict[str, Any]:
        """The key set that verifies id_tokens (the discovery document's `jwks_uri`)."""
        return self.signing_key.jwks()

    def record_call(self, client_id: str, operation: str) -> None:
        """Count an identity call for /_emulator/calls; unregistered client ids count as ""."""
        self.calls[(client_id if client_id in self._em.apps else "", operation)] += 1

    # ---- consent (browser side) --------------------------------------------------------------
    def authorization_request(self, params: Mapping[str, str]) -> AuthRequest:
        """Validate authorize parameters; raises ConsentError (show a page) or AuthRedirect."""
        return parse_authorize(self._em.apps, params)

    def auto_consent(self, params: Mapping[str, str]) -> bool:
        """Whether to skip the consent page (config switch or `auto_consent=1`)."""
        return self._em.config.auto_consent or wire.parse_bool(params.get("auto_consent"))

    def default_tenants(self) -> list[str]:
        """What an automatic consent picks: the default organisation, else all of them."""
        default = self._em.default_org
        if default is not None and default.tenant_id in self._em.orgs:
            return [default.tenant_id]
        return list(self._em.orgs)

    def known_tenants(self, tenant_ids: list[str]) -> list[str]:
        """The ticked organisations that exist (a tampered form may name others)."""
        return [t for t in dict.fromkeys(tenant_ids) if t in self._em.orgs]

    def organisations(self) -> list[tuple[str, str]]:
        """(tenant id, name) of every organisation the person could pick."""
        return [(tenant_id, org.name) for tenant_id, org in self._em.orgs.items()]

    def deny(self, request: AuthRequest) -> str:
        """The redirect location telling the app the person said no."""
        return redirect_with(request.redirect_uri, error="access_denied", state=request.state)

    def approve(self, request: AuthRequest, tenant_ids: list[str]) -> str:
        """Record consent for these organisations; the redirect location carrying a new code."""
        session = self._new_session(request.app.client_id, self.user.user_id)
        self._connect_tenants(session, tenant_ids)
        code = self._ids.token(64)
        self._codes[code] = AuthCode(
            code=code, client_id=request.app.client_id, redirect_uri=request.redirect_uri,
            scopes=request.scopes, session=session, challenge=request.challenge,
            method=request.method, expires_at=self._now() + CODE_TTL, nonce=request.nonce)
        return redirect_with(request.redirect_uri, code=code, state=request.state)

    def connect(self, app: XeroApp, tenant_ids: list[str], scopes: list[str]) -> dict[str, Any]:
        """Programmatic consent for tests and demos: the token response a code exchange gives."""
        unknown = [t for t in tenant_ids if t not in self._em.orgs]
        if unknown:
            raise ValueError(f"unknown tenant id(s): {', '.join(unknown)}")
        session = self._new_session(app.client_id, self.user.user_id)
        self._connect_tenants(session, tenant_ids)
        return self._issue(app, session, list(scopes), public=False)

    # ---- token endpoint ------------------------------------------------------------------------
    def token(self, form: Mapping[str, str], basic: tuple[str, str] | None) -> dict[str, Any]:
        """Answer a token request; raises OAuthError with the RFC 6749 error code."""
        grant_type = form.get("grant_type", "")
        if not grant_type:
            raise OAuthError("invalid_request")
        handlers = {"authorization_code": self._grant_code, "refresh_token": self._grant_refresh,
                    "client_credentials": self._grant_client_credentials}
        handler = handlers.get(grant_type)
        if handler is None:
            raise OAuthError("unsupported_grant_type")
        app, confidential = self._client(form, basic)
        return handler(app, confidential, form)

    def revoke(self, form: Mapping[str, str], basic: tuple[str, str] | None) -> None:
        """Revoke a refresh token's family and drop the user's connections to that app."""
        app, confidential = self._client(form, basic)
        token = form.get("token", "")
        if not token:
            raise OAuthError("invalid_request")
        if token in self._access:  # RFC 7009 also lets a client revoke an access token
            if self._access[token].session.client_id == app.client_id:
                del self._access[token]
            return
        record = self._refresh.get(token)
        if record is None:
            return  # RFC 7009 §2.2: an unknown token is not an error
        family = self._families[record.family_id]
        if family.session.client_id != app.client_id:
            raise OAuthError("unauthorized_client")
        if not confidential and not family.public:
            raise OAuthError("invalid_client", 401)
        self._revoke_family(family, drop_access=True)
        self._connections.remove_all(app.client_id, family.session.user_id)

    def _grant_code(self, app: XeroApp, confidential: bool,
                    form: Mapping[str, str]) -> dict[str, Any]:
        code = form.get("code", "")
        if not code:
            raise OAuthError("invalid_request")
        record = self._codes.pop(code, None)  # single use: gone on the first attempt
        if record is None or record.expires_at <= self._now():
            raise OAuthError("invalid_grant")
        if not confidential and record.challenge is None:
            raise OAuthError("invalid_client", 401)
        if record.client_id != app.client_id or form.get("redirect_uri") != record.redirect_uri:
            raise OAuthError("invalid_grant")
        if record.challenge is not None and not pkce_matches(
                form.get("code_verifier"), record.challenge, record.method):
            raise OAuthError("invalid_grant")
        return self._issue(app, record.session, record.scopes, public=not confidential,
                           nonce=record.nonce)

    def _grant_refresh(self, app: XeroApp, confidential: bool,
                       form: Mapping[str, str]) -> dict[str, Any]:
        token = form.get("refresh_token", "")
        if not token:
            raise OAuthError("invalid_request")
        record = self._refresh.get(token)
        family = self._families.get(record.family_id) if record else None
        if record is None or family is None or family.revoked:
            raise OAuthError("invalid_grant")
        if family.session.client_id != app.client_id:
            raise OAuthError("invalid_grant")
        if not confidential and not family.public:
            raise OAuthError("invalid_client", 401)
        if self._em.faults.take_invalid_grant():
            self._revoke_family(family, drop_access=False)
            raise OAuthError("invalid_grant")
        self._use_refresh(record)
        scopes = narrow_scopes(family.scopes, form.get("scope"))
        return self._issue(app, family.session, scopes, public=family.public, family=family)

    def _grant_client_credentials(self, app: XeroApp, confidential: bool,
                                  form: Mapping[str, str]) -> dict[str, Any]:
        if not confidential:
            raise OAuthError("invalid_client", 401)
        tenant_id = app.custom_org_id
        if tenant_id is None or tenant_id not in self._em.orgs:
            raise OAuthError("unauthorized_client")
        requested = (form.get("scope") or "").split()
        scopes = requested or list(CUSTOM_DEFAULT_SCOPES)
        user_id = custom_user_id(app.client_id)
        existing = self._connections.of(app.client_id, user_id)
        if existing:
            event = existing[0].auth_event_id
        else:
            event = self._ids.guid()
            self._connect_tenants(self._new_session(app.client_id, user_id, event), [tenant_id])
        session = Session(app.client_id, user_id, event, self._ids.hex(16),
                          int(self._now()), custom=True)
        return self._issue(app, session, scopes, public=False)

    def _client(self, form: Mapping[str, str],
                basic: tuple[str, str] | None) -> tuple[XeroApp, bool]:
        """The calling app and whether it proved its secret (False: a PKCE public client)."""
        body_id = form.get("client_id", "")
        if basic is not None and body_id and body_id != basic[0]:
            raise OAuthError("invalid_request")
        client_id, secret = basic if basic is not None else (body_id,
                                                             form.get("client_secret", ""))
        app = self._em.apps.get(client_id) if client_id else None
        if app is None:
            raise OAuthError("invalid_client", 401)
        if not secret:
            return app, False
        if not secrets.compare_digest(secret.encode(), app.client_secret.encode()):
            raise OAuthError("invalid_client", 401)
        return app, True

    def _use_refresh(self, record: RefreshRecord) -> None:
        """Rotation: unused tokens live refresh_token_ttl; used ones a grace period more."""
        now, cfg = self._now(), self._em.config
        if record.first_used_at is None:
            if now >= record.issued_at + cfg.refresh_token_ttl:
                del self._refresh[record.token]
                raise OAuthError("invalid_grant")
            record.first_used_at = now
        elif now >= record.first_used_at + cfg.refresh_grace_seconds:
            del self._refresh[record.token]
            raise OAuthError("invalid_grant")

    def _issue(self, app: XeroApp, session: Session, scopes: list[str], public: bool,
               family: Family | None = None, nonce: str | None = None) -> dict[str, Any]:
        """Mint an access token (and refresh/id tokens when their scopes ask) for a session."""
        now = self._now()
        ttl = self._em.config.access_token_ttl
        offline = "offline_access" in scopes and not session.custom
        if offline and family is None:
            family = Family(self._ids.guid(), session, list(scopes), public)
            self._families[family.id] = family
        claims = access_claims(self._issuer(), app.client_id, session, scopes, now, ttl,
                               jti=self._ids.hex(16).upper())
        access = encode_jwt(claims, self._key)
        self._access[access] = IssuedToken(session, list(scopes), now + ttl,
                                           family.id if offline and family else None)
        self._sweep(now)
        response: dict[str, Any] = {}
        if "openid" in scopes and not session.custom:
            # RS256 as Xero signs it: OIDC clients (openid-client) verify it with the JWKS.
            claims = id_claims(self._issuer(), app.client_id, session, self.user, now, ttl)
            claims["at_hash"] = at_hash(access)
            if nonce is not None:  # only the code exchange echoes it (OIDC Core §12.2)
                claims["nonce"] = nonce
            response["id_token"] = self.signing_key.sign(claims)
        response.update(access_token=access, expires_in=ttl, token_type="Bearer")
        if offline and family is not None:
            token = self._ids.hex(32).upper()
            self._refresh[token] = RefreshRecord(token, family.id, now)
            response["refresh_token"] = token
        response["scope"] = " ".join(scopes)
        return response

    # ---- bearer side ---------------------------------------------------------------------------
    def authenticate(self, authorization: str | None) -> AccessGrant:
        """The grant of a Bearer token; raises Unauthorized (TokenExpired / TokenInvalid)."""
        token = parse_bearer(authorization)
        if token is None:
            raise Unauthorized("TokenInvalid")
        now = self._now()
        issued = self._access.get(token)
        pat = self.pats.find(token, now) if issued is None else None
        if pat is not None:  # a personal access token acts for its one organisation only
            tenants = [pat.tenant_id] if pat.tenant_id in self._em.orgs else []
            return AccessGrant(pat.app(), tenants, set(pat.scopes), pat.id, False,
                               pat.expires_at)
        if issued is None:
            # Swept or revoked tokens: a genuine one past its exp still reads as expired.
            claims = decode_jwt(token, self._key)
            exp = claims.get("exp") if claims else None
            if isinstance(exp, int | float) and exp <= now:
                raise Unauthorized(f"TokenExpired: token expired at {expiry_text(exp)}")
            raise Unauthorized("TokenInvalid")
        if now >= issued.expires_at:
            raise Unauthorized(f"TokenExpired: token expired at {expiry_text(issued.expires_at)}")
        session = issued.session
        app = self._em.apps.get(session.client_id)
        if app is None:
            raise Unauthorized("TokenInvalid")
        tenants = [c.tenant_id for c in self._connections.of(session.client_id, session.user_id)
                   if c.tenant_id in self._em.orgs]
        return AccessGrant(app, tenants, set(issued.scopes), session.auth_event_id,
                           session.custom, issued.expires_at, session.user_id)

    def connections(self, grant: AccessGrant, auth_event_id: str | None = None
                    ) -> list[dict[str, Any]]:
        """GET /Connections: this app's connections for the token's user, oldest first."""
        rows = []
        for conn in self._connections.of(grant.app.client_id, grant.user_id):
            org = self._em.orgs.get(conn.tenant_id)
            if org is None or (auth_event_id and conn.auth_event_id != auth_event_id):
                continue
            rows.append({
                "id": conn.id, "authEventId": conn.auth_event_id, "tenantId": conn.tenant_id,
                "tenantType": "ORGANISATION", "tenantName": org.name,
                "createdDateUtc": wire.iso_no_zone(conn.created),
                "updatedDateUtc": wire.iso_no_zone(conn.updated),
            })
        return rows

    def connected_apps(self, tenant_id: str) -> set[str]:
        """Client ids of the apps connected to an organisation (webhooks go only to those)."""
        return {c.client_id for c in self._connections.by_id.values() if c.tenant_id == tenant_id}

    def disconnect(self, grant: AccessGrant, connection_id: str) -> bool:
        """DELETE /Connections/{id}; False when the token's user has no such connection."""
        return self._connections.remove(connection_id, grant.app.client_id, grant.user_id)

    # ---- internals -----------------------------------------------------------------------------
    def _now(self) -> float:
        return self._em.clock.time()

    def _issuer(self) -> str:
        return self._em.config.base_url.rstrip("/") + "/identity"

    def _new_session(self, client_id: str, user_id: str, event: str | None = None) -> Session:
        return Session(client_id, user_id, event or self._ids.guid(), self._ids.hex(16),
                       int(self._now()))

    def _connect_tenants(self, session: Session, tenant_ids: list[str]) -> None:
        self._connections.connect(session, tenant_ids, self._em.clock.now(), self._ids.guid)

    def _revoke_family(self, family: Family, drop_access: bool) -> None:
        family.revoked = True
        for token in [t for t, r in self._refresh.items() if r.family_id == family.id]:
            del self._refresh[token]
        if drop_access:
            for token in [t for t, a in self._access.items() if a.family_id == family.id]:
                del self._access[token]

    def _sweep(self, now: float) -> None:
        """Drop expired access tokens now and then; authenticate() still reports them expired."""
        self._issued += 1
        if self._issued % SWEEP_EVERY:
            return
        for token in [t for t, a in self._access.items() if a.expires_at <= now]:
            del self._access[token]

