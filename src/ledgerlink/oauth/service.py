"""Connecting Xero by the authorization code with PKCE: start, callback, the person's choice.

These functions own their transactions, as action runs do: a flow interleaves Xero calls with
writes. The callback consumes its state and commits before Xero is called, so a replay in any
hub process is refused even while the first callback is still exchanging its code; and no
write transaction is held open across a call to Xero.

Nothing secret is logged or answered: states, codes, verifiers and tokens stay out of both;
only hashes of the state and of the browser session are stored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from ledgerlink.db.base import utcnow
from ledgerlink.db.models.integrations import Integration
from ledgerlink.db.models.oauth import PendingAuthorization
from ledgerlink.errors import (
    AuthError,
    ConflictingInputError,
    InputError,
    ProviderError,
    RecordConflictError,
    RecordNotFoundError,
)
from ledgerlink.http.auth import ConnectionKind, TokenSet
from ledgerlink.hub import Hub
from ledgerlink.integrations import service as integrations
from ledgerlink.oauth import repository
from ledgerlink.oauth.linking import link
from ledgerlink.oauth.schemas import (
    AwaitingChoice,
    CallbackOutcome,
    Connected,
    Failure,
    FailureReason,
    Organisation,
    Started,
)
from ledgerlink.oauth.xero import hub_oauth, remove_connections
from ledgerlink.providers.xero.oauth import XeroConnection, auth_event_id

log = logging.getLogger("ledgerlink.oauth")

CALLBACK_PATH = "/oauth/xero/callback"
PENDING_TTL = timedelta(minutes=10)
# Spent and expired authorizations are kept this long, so a replayed state reads as a replay.
KEEP_SPENT = timedelta(days=1)
MAX_PARAMETER = 2048  # longer code or state values are not Xero's
XERO_ERROR_RE = re.compile(r"^[a-z_]{1,64}$")  # an OAuth error code, safe to show


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _same_browser(stored_hash: str, browser_session: str | None) -> bool:
    return bool(browser_session) and hmac.compare_digest(stored_hash,
                                                         _digest(browser_session or ""))


def default_redirect_uri(hub: Hub) -> str:
    """The callback on this hub's public URL (register it with the Xero app)."""
    return hub.settings.public_url.rstrip("/") + CALLBACK_PATH


def _check_redirect(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(uri) > MAX_PARAMETER:
        raise InputError("redirect_uri must be an absolute http(s) URL of at most "
                         f"{MAX_PARAMETER} characters", field="redirect_uri")
    return uri


# ---- start ---------------------------------------------------------------------------------
async def start(hub: Hub, *, browser_session: str, redirect_uri: str | None = None,
                integration_id: str | None = None, ttl: timedelta = PENDING_TTL) -> Started:
    """Begin a consent: a state and PKCE verifier kept server-side, bound to this browser.

    With `integration_id`, the consent reconnects that integration: it must then cover the
    integration's own organisation, and only that one is connected.
    """
    if not browser_session:
        raise InputError("A browser session id is required to bind the sign-in to",
                         field="browser_session")
    oauth = hub_oauth(hub)
    redirect = _check_redirect(redirect_uri or default_redirect_uri(hub))
    scopes = hub.settings.xero_scopes.split()
    verifier, _ = oauth.new_pkce()
    state = oauth.new_state()
    now = utcnow()
    async with hub.db.session() as session:
        if integration_id is not None:
            await integrations.get_integration(session, integration_id)  # 404 when unknown
        await repository.purge(session, now - KEEP_SPENT)
        pending = await repository.add(session, PendingAuthorization(
            state_hash=_digest(state), browser_session_hash=_digest(browser_session),
            stage="started", redirect_uri=redirect, scopes=scopes,
            integration_id=integration_id, code_verifier_enc=hub.box.encrypt(verifier),
            expires_at=now + ttl))
    log.info("authorization %s started%s", pending.id,
             f" (reconnecting integration {integration_id})" if integration_id else "")
    return Started(authorization_id=pending.id, expires_at=pending.expires_at,
                   authorize_url=oauth.authorize_url(redirect, scopes, state, verifier))


# ---- callback ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Claimed:
    """What a consumed authorization still needs, read before its secrets were cleared."""

    id: str
    redirect_uri: str
    verifier: str
    integration_id: str | None
    ttl: timedelta


def _refused(reason: FailureReason, authorization_id: str | None = None,
             detail: str = "") -> Failure:
    log.warning("Xero callback refused: %s (authorization %s)", reason.value,
                authorization_id or "unknown")
    return Failure.of(reason, detail)


async def handle_callback(hub: Hub, *, browser_session: str | None,
                          params: Mapping[str, str]) -> CallbackOutcome:
    """Settle Xero's redirect: check the state, exchange the code, connect or offer a choice.

    Any presentation of a known state spends it, whatever else is wrong with the request.
    """
    state = params.get("state") or ""
    if not state:
        return _refused(FailureReason.MISSING_PARAMETERS)
    if len(state) > MAX_PARAMETER:
        return _refused(FailureReason.UNKNOWN_STATE)
    claimed = await _claim(hub, _digest(state), browser_session)
    if isinstance(claimed, Failure):
        return claimed
    error = params.get("error")
    if error:
        if error == "access_denied":
            return _refused(FailureReason.DENIED, claimed.id)
        shown = error if XERO_ERROR_RE.match(error) else "unrecognised error"
        return _refused(FailureReason.XERO_ERROR, claimed.id, shown)
    code = params.get("code") or ""
    if not code or len(code) > MAX_PARAMETER:
        return _refused(FailureReason.MISSING_PARAMETERS, claimed.id)
    oauth = hub_oauth(hub)
    try:
        tokens = await oauth.exchange_code(code, claimed.redirect_uri, claimed.verifier)
        found = await oauth.connections(tokens.access_token, auth_event_id(tokens.access_token))
    except AuthError as exc:
        credentials = exc.details.get("oauth_error") in ("invalid_client", "unauthorized_client")
        return _refused(FailureReason.APP_CREDENTIALS if credentials
                        else FailureReason.CODE_REFUSED, claimed.id)
    except ProviderError:
        return _refused(FailureReason.XERO_UNAVAILABLE, claimed.id)
    if not found:
        return _refused(FailureReason.NO_ORGANISATION, claimed.id)
    if claimed.integration_id is not None:
        return await _reconnect(hub, claimed, tokens, found)
    if len(found) == 1:
        return await _finish(hub, claimed.id, "used", tokens, found, [found[0].tenant_id])
    return await _offer_choice(hub, claimed, tokens, found)


async def _claim(hub: Hub, state_hash: str, browser_session: str | None) -> _Claimed | Failure:
    """Find the state's authorization and spend it (committed before anything else)."""
    now = utcnow()
    async with hub.db.session() as session:
        pending = await repository.by_state(session, state_hash)
        if pending is None:
            return _refused(FailureReason.UNKNOWN_STATE)
        if pending.stage != "started":
            return _refused(FailureReason.REPLAYED_STATE, pending.id)
        verifier = hub.box.decrypt(pending.code_verifier_enc) or ""
        claimed = _Claimed(pending.id, pending.redirect_uri, verifier, pending.integration_id,
                           pending.expires_at - pending.created_at)
        spent = await repository.advance(session, pending.id, "started", stage="used",
                                         used_at=now, code_verifier_enc=None)
        same_browser = _same_browser(pending.browser_session_hash, browser_session)
        expired = pending.expires_at <= now
    if not spent:  # another callback with this state got there first
        return _refused(FailureReason.REPLAYED_STATE, claimed.id)
    if not same_browser:
        return _refused(FailureReason.OTHER_BROWSER, claimed.id)
    if expired:
        minutes = max(1, round(claimed.ttl.total_seconds() / 60))
        return _refused(FailureReason.EXPIRED, claimed.id, str(minutes))
    return claimed


async def _reconnect(hub: Hub, claimed: _Claimed, tokens: TokenSet,
                     found: list[XeroConnection]) -> CallbackOutcome:
    """A reconnect connects its integration's own organisation, or nothing."""
    async with hub.db.session() as session:
        integration = await integrations.get_integration(session, claimed.integration_id or "")
        tenant_id, name = integration.tenant_id, integration.name
        existing = await repository.integrations_of_tenants(
            session, [c.tenant_id for c in found])
    if tenant_id not in {c.tenant_id for c in found}:
        await remove_connections(hub_oauth(hub), tokens.access_token,
                                 _unused(found, existing))
        return _refused(FailureReason.WRONG_ORGANISATION, claimed.id, name)
    return await _finish(hub, claimed.id, "used", tokens, found, [tenant_id])


async def _offer_choice(hub: Hub, claimed: _Claimed, tokens: TokenSet,
                        found: list[XeroConnection]) -> AwaitingChoice:
    """Keep the tokens (encrypted) while the person chooses; the choice gets a fresh window."""
    expires_at = utcnow() + claimed.ttl
    async with hub.db.session() as session:
        existing = await repository.integrations_of_tenants(
            session, [c.tenant_id for c in found])
        await repository.advance(
            session, claimed.id, "used", stage="awaiting_choice", expires_at=expires_at,
            tokens_enc=hub.box.encrypt(_tokens_json(tokens)),
            connections=[c.model_dump(mode="json", by_alias=True) for c in found],
            auth_event_id=auth_event_id(tokens.access_token))
    log.info("authorization %s covers %d organisations: awaiting the person's choice",
             claimed.id, len(found))
    organisations = []
    for conn in found:
        current = existing.get(conn.tenant_id)
        organisations.append(Organisation(
            tenant_id=conn.tenant_id, tenant_name=conn.tenant_name, tenant_type=conn.tenant_type,
            integration_id=current.id if current else None,
            integration_status=current.status if current else None))
    return AwaitingChoice(authorization_id=claimed.id, organisations=organisations,
                          expires_at=expires_at)


# ---- the person's choice -------------------------------------------------------------------
async def complete(hub: Hub, *, authorization_id: str, browser_session: str | None,
                   tenant_ids: list[str]) -> Connected:
    """Make integrations for the chosen organisations only (existing ones revived in place)."""
    chosen = list(dict.fromkeys(tenant_ids))
    if not chosen:
        raise InputError("Choose at least one organisation to connect", field="tenant_ids")
    async with hub.db.session() as session:
        pending = await repository.get(session, authorization_id)
        if pending is None or not _same_browser(pending.browser_session_hash, browser_session):
            # The same answer for both: an id from another browser reveals nothing.
            raise RecordNotFoundError(f"No sign-in awaiting a choice has id {authorization_id} "
                                      "in this browser session", field="authorization_id")
        if pending.stage != "awaiting_choice":
            raise RecordConflictError("This choice was already made (or the sign-in failed): "
                                      "start connecting again", field="authorization_id")
        if pending.expires_at <= utcnow():
            raise RecordConflictError("This sign-in expired before a choice was made: start "
                                      "connecting again", field="authorization_id")
        found = [XeroConnection.model_validate(c) for c in pending.connections or []]
        tokens = _tokens_from_json(hub.box.decrypt(pending.tokens_enc) or "{}")
    offered = {c.tenant_id for c in found}
    unknown = [t for t in chosen if t not in offered]
    if unknown:
        raise ConflictingInputError(f"Not among the organisations this consent covered: "
                                    f"{', '.join(unknown)}", field="tenant_ids")
    return await _finish(hub, authorization_id, "awaiting_choice", tokens, found, chosen)


async def _finish(hub: Hub, authorization_id: str, from_stage: str, tokens: TokenSet,
                  found: list[XeroConnection], chosen: list[str]) -> Connected:
    """Connect the chosen organisations; then, after the commit, remove at Xero the unchosen
    connections no active integration relies on (access nobody will use)."""
    picked = [c for c in found if c.tenant_id in chosen]
    unchosen = [c for c in found if c.tenant_id not in chosen]
    async with hub.db.session() as session:
        if not await repository.advance(session, authorization_id, from_stage,
                                        stage="completed", tokens_enc=None):
            raise RecordConflictError("This choice was already made: start connecting again",
                                      field="authorization_id")
        connected = await link(session, hub, tokens, picked,
                               ConnectionKind.OAUTH_AUTHORIZATION_CODE,
                               auth_event=auth_event_id(tokens.access_token))
        others = await repository.integrations_of_tenants(
            session, [c.tenant_id for c in unchosen])
    unused = _unused(unchosen, others)
    if unused:
        await remove_connections(hub_oauth(hub), tokens.access_token, unused)
    log.info("authorization %s connected %d organisation(s): %s", authorization_id,
             len(picked), ", ".join(i.id for i in connected.integrations))
    return connected


def _unused(connections: list[XeroConnection],
            integrations_by_tenant: Mapping[str, Integration]) -> list[XeroConnection]:
    """The connections no active integration relies on: access to hand back to Xero."""
    return [c for c in connections if (i := integrations_by_tenant.get(c.tenant_id)) is None
            or i.status != "active"]


def _tokens_json(tokens: TokenSet) -> str:
    return json.dumps({"access_token": tokens.access_token,
                       "refresh_token": tokens.refresh_token, "expires_at": tokens.expires_at,
                       "scopes": list(tokens.scopes), "token_type": tokens.token_type,
                       "refreshed_at": tokens.refreshed_at})


def _tokens_from_json(text: str) -> TokenSet:
    data = json.loads(text)
    if not isinstance(data, dict) or not data.get("access_token"):
        raise RecordConflictError("The stored sign-in has no tokens: start connecting again",
                                  field="authorization_id")
    return TokenSet(str(data["access_token"]), data.get("refresh_token"),
                    float(data.get("expires_at") or 0.0), tuple(data.get("scopes") or ()),
                    str(data.get("token_type") or "Bearer"), data.get("refreshed_at"))
