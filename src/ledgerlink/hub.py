"""The running hub's shared objects: settings, database, secret box, provider access."""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import text

from ledgerlink.config import Settings
from ledgerlink.db.crypto import SecretBox
from ledgerlink.db.engine import Database
from ledgerlink.db.faults import cause_of

if TYPE_CHECKING:
    from ledgerlink.auth.pepper import Peppers
    from ledgerlink.db.models.integrations import Integration
    from ledgerlink.http.budget import RateBudget
    from ledgerlink.integrations.call_log import CallLog
    from ledgerlink.providers.xero.provider import XeroProvider

# A query reuses an active integration's row (with its grant) for this long, so a busy caller's
# queries skip the lookup (see integrations.service.integration_for_query).
QUERY_LOOKUP_SECONDS = 1.0
# How long the readiness check waits for `SELECT 1` before calling the database unavailable.
READY_TIMEOUT_SECONDS = 2.0


@dataclass
class Hub:
    """What services need from the process; built once by create_app or the CLI.

    Besides settings, database and secret box, it holds what is shared by every request of
    the process: the Xero call budget and providers (made on first use), the briefly
    remembered integrations of queries, and the locks that keep two actions from creating the
    same Xero contact.
    """

    settings: Settings
    db: Database
    box: SecretBox
    xero_budget: RateBudget | None = None
    xero_providers: dict[str, XeroProvider] = field(default_factory=dict)
    query_lookup_seconds: float = QUERY_LOOKUP_SECONDS
    query_lookups: dict[str, tuple[Integration, float]] = field(default_factory=dict)
    contact_locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = field(
        default_factory=weakref.WeakValueDictionary)
    # The activity log of provider calls (integrations.call_log; made on first use).
    call_log: CallLog | None = None
    _peppers: Peppers | None = field(default=None, init=False, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, db: Database | None = None) -> Hub:
        """Build the database and secret box from settings."""
        keys = settings.secret_keys.get_secret_value() if settings.secret_keys else ""
        return cls(settings=settings, db=db or Database(settings.resolved_database_url()),
                   box=SecretBox.from_setting(keys))

    async def load_pepper(self) -> str:
        """The API-key pepper, read (or made, on an install's first start) once per process.

        LEDGERLINK_API_KEY_PEPPER when set; else this install's own, stored encrypted in the
        database (see ledgerlink.auth.pepper). Cheap after the first call.
        """
        if self._peppers is None:
            from ledgerlink.auth.pepper import load_peppers

            self._peppers = await load_peppers(self.settings, self.db, self.box)
        return self._peppers.current

    @property
    def pepper(self) -> str:
        """The pepper `load_pepper` loaded (or the configured one): for code without a loop."""
        if self._peppers is not None:
            return self._peppers.current
        if self.settings.api_key_pepper is not None:
            return self.settings.api_key_pepper.get_secret_value()
        raise RuntimeError("the install's API-key pepper is not loaded: await "
                           "hub.load_pepper() first")

    @property
    def legacy_peppers(self) -> tuple[str, ...]:
        """Older peppers that stored key hashes may still be made with (after load_pepper)."""
        return self._peppers.legacy if self._peppers is not None else ()

    async def database_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> str | None:
        """None when the database answers `SELECT 1` within `timeout`; else why not."""
        try:
            async with asyncio.timeout(timeout), self.db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except TimeoutError:
            return f"did not answer within {timeout:g} s"
        except Exception as exc:  # any failure to answer means: not ready, and why
            return f"failed ({cause_of(exc)})"
        return None

    async def close(self) -> None:
        """Release the database and any provider clients."""
        for provider in self.xero_providers.values():
            await provider.aclose()
        self.xero_providers.clear()
        if self.call_log is not None:  # after the providers: no call can still report
            await self.call_log.aclose()
        await self.db.dispose()
