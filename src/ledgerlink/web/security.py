"""The console's sign-in: the admin password (argon2), signed session cookies, CSRF, lock-out.

- The password is hashed with argon2id (argon2-cffi) and stored encrypted by the secret box
  as the install secret `console_password`; `ledgerlink admin set-password` writes it.
- A session id is random; the cookie carries it with an HMAC under the install's own
  console key (install secret `console_session_key`, made on first use), and the database
  keeps only a hash of it. Signing out, or setting a new password, deletes the row.
- CSRF tokens are HMACs of the session id (or, on the sign-in form, of a pre-session nonce),
  so they need no storage and differ for every browser.
- After `threshold` failures a scope (one client address, or the whole install) may not try
  again for a delay that doubles with each further failure, up to `max_delay`.
Nothing here logs a password, a cookie or a token.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ledgerlink.db.base import utcnow
from ledgerlink.errors import ConfigurationError, InputError
from ledgerlink.hub import Hub
from ledgerlink.web import repository

log = logging.getLogger("ledgerlink.web")

PASSWORD_SECRET = "console_password"
SESSION_KEY_SECRET = "console_session_key"
SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # argon2 takes any length; this bounds the work one request can ask for
INSTALL_SCOPE = "install"

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def check_new_password(password: str) -> None:
    """Refuse a password too short (or absurdly long) to be the console's."""
    if len(password) < MIN_PASSWORD:
        raise InputError(f"The admin password needs at least {MIN_PASSWORD} characters",
                         field="password")
    if len(password) > MAX_PASSWORD:
        raise InputError(f"The admin password may have at most {MAX_PASSWORD} characters",
                         field="password")


async def set_password(hub: Hub, password: str) -> None:
    """Store a new admin password (its argon2 hash, encrypted); every session ends."""
    check_new_password(password)
    hashed = await asyncio.to_thread(_hasher.hash, password)  # slow on purpose: off the loop
    value = hub.box.encrypt(hashed)
    assert value is not None
    async with hub.db.session() as session:
        await repository.put_secret(session, PASSWORD_SECRET, value)
        await repository.end_sessions(session)
        await repository.clear_failures(session)
    log.info("the console's admin password was set; every console session was ended")


async def password_is_set(hub: Hub) -> bool:
    """Whether `ledgerlink admin set-password` has been run for this install."""
    async with hub.db.session() as session:
        return await repository.secret(session, PASSWORD_SECRET) is not None


async def verify_password(hub: Hub, password: str) -> bool:
    """Whether this is the admin password (False when none is set)."""
    if not password or len(password) > MAX_PASSWORD:
        return False
    async with hub.db.session() as session:
        stored = hub.box.decrypt(await repository.secret(session, PASSWORD_SECRET))
    if not stored:
        return False
    try:
        await asyncio.to_thread(_hasher.verify, stored, password)
    except VerifyMismatchError:
        return False
    except (VerificationError, InvalidHashError):
        log.error("the stored console password hash is unreadable: set it again with "
                  "`ledgerlink admin set-password`")
        return False
    if _hasher.check_needs_rehash(stored):  # the library's parameters grew since
        await set_password_hash_only(hub, password)
    return True


async def set_password_hash_only(hub: Hub, password: str) -> None:
    """Re-hash the same password with current parameters (sessions are kept)."""
    value = hub.box.encrypt(await asyncio.to_thread(_hasher.hash, password))
    assert value is not None
    async with hub.db.session() as session:
        await repository.put_secret(session, PASSWORD_SECRET, value)


@dataclass(frozen=True)
class LockoutPolicy:
    """When failed sign-ins start to wait, and how long. A client address is locked after
    `threshold` failures; the install as a whole after `install_threshold` (from any address),
    so one address guessing locks itself out first without locking the admin out at once."""

    threshold: int = 5
    install_threshold: int = 20
    base_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(minutes=15)

    def delay(self, failures: int, threshold: int) -> timedelta | None:
        """The wait after this many failures (None below the threshold)."""
        if failures < threshold:
            return None
        doubled: timedelta = self.base_delay * (2 ** min(failures - threshold, 16))
        return min(doubled, self.max_delay)


@dataclass
class Console:
    """The console's state in one process: the clock, the lock-out policy, the cached key."""

    hub: Hub
    policy: LockoutPolicy = field(default_factory=LockoutPolicy)
    now: Callable[[], datetime] = utcnow
    _key: bytes | None = field(default=None, init=False, repr=False)

    async def key(self) -> bytes:
        """The install's console signing key (made by the first process that needs it)."""
        if self._key is None:
            async with self.hub.db.session() as session:
                stored = await repository.secret(session, SESSION_KEY_SECRET)
                if stored is None:
                    made = self.hub.box.encrypt(secrets.token_urlsafe(48))
                    assert made is not None
                    await repository.add_secret_if_absent(session, SESSION_KEY_SECRET, made)
                    stored = await repository.secret(session, SESSION_KEY_SECRET)
            opened = self.hub.box.decrypt(stored)
            if not opened:
                raise ConfigurationError("The console's session key is empty",
                                         field=SESSION_KEY_SECRET)
            self._key = opened.encode("utf-8")
        return self._key

    async def _mac(self, purpose: str, value: str) -> str:
        return _b64(hmac.new(await self.key(), f"{purpose}|{value}".encode(),
                             hashlib.sha256).digest())

    # ---- sessions ------------------------------------------------------------------------
    async def open_session(self) -> str:
        """A new signed-in session; the cookie value to set."""
        session_id = secrets.token_urlsafe(32)
        async with self.hub.db.session() as session:
            await repository.end_sessions(session, expired_before=self.now())
            await repository.add_session(session, _digest(session_id),
                                         self.now() + SESSION_LIFETIME)
        return f"{session_id}.{await self._mac('session', session_id)}"

    async def session_of(self, cookie: str | None) -> str | None:
        """The session id a cookie carries when its signature holds and it is still open."""
        if not cookie or len(cookie) > 200 or "." not in cookie:
            return None
        session_id, _, signature = cookie.partition(".")
        if not hmac.compare_digest(signature, await self._mac("session", session_id)):
            return None
        async with self.hub.db.session() as session:
            row = await repository.session_by_hash(session, _digest(session_id))
        if row is None or row.expires_at <= self.now():
            return None
        return session_id

    async def close_session(self, session_id: str) -> None:
        """Sign out: the session row goes, so the cookie is worthless even if kept."""
        async with self.hub.db.session() as session:
            await repository.end_session(session, _digest(session_id))

    # ---- CSRF ----------------------------------------------------------------------------
    async def csrf_token(self, session_id: str) -> str:
        """The token every form of this session carries."""
        return await self._mac("csrf", session_id)

    async def csrf_ok(self, session_id: str, token: str | None) -> bool:
        """Whether a submitted token is this session's."""
        return bool(token) and hmac.compare_digest(token or "",
                                                   await self.csrf_token(session_id))

    async def sign_in_token(self, nonce: str) -> str:
        """The sign-in form's token, bound to the pre-session nonce cookie."""
        return await self._mac("sign-in", nonce)

    async def sign_in_token_ok(self, nonce: str | None, token: str | None) -> bool:
        """Whether the sign-in form came from a page this browser was given."""
        return bool(nonce and token) and hmac.compare_digest(
            token or "", await self.sign_in_token(nonce or ""))

    # ---- lock-out ------------------------------------------------------------------------
    @staticmethod
    def scopes(client: str) -> tuple[str, str]:
        """The lock-out scopes of a sign-in from this address."""
        return f"client:{client[:70]}", INSTALL_SCOPE

    async def locked_for(self, client: str) -> timedelta | None:
        """How long sign-ins from this address must still wait (None: they may try)."""
        now = self.now()
        async with self.hub.db.session() as session:
            rows = await repository.failures(session, self.scopes(client))
        waits = [row.locked_until - now for row in rows
                 if row.locked_until is not None and row.locked_until > now]
        return max(waits) if waits else None

    async def failed(self, client: str) -> None:
        """Count a failed sign-in from this address and lock what passed its threshold."""
        now = self.now()
        client_scope, install_scope = self.scopes(client)
        async with self.hub.db.session() as session:
            for scope, threshold in ((client_scope, self.policy.threshold),
                                     (install_scope, self.policy.install_threshold)):
                count = await repository.count_failure(session, scope)
                delay = self.policy.delay(count, threshold)
                if delay is not None:
                    await repository.lock(session, scope, now + delay)
                    log.warning("console sign-in locked for %s after %d failures (%d s)",
                                scope, count, int(delay.total_seconds()))

    async def succeeded(self, client: str) -> None:
        """A right password: this address and the install start counting afresh."""
        async with self.hub.db.session() as session:
            await repository.clear_failures(session, self.scopes(client))
