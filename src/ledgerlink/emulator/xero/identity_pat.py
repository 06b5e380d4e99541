"""Personal access tokens (PlanetCrust's system-to-system kind): a bearer for one organisation.

The control plane issues them (`POST /_emulator/pat`), as a person would generate one in
Xero's developer portal; the accounting API accepts one for its organisation only, it is
never refreshed, and once revoked or past its expiry every call answers 401.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ledgerlink.emulator.core.ids import IdGen
from ledgerlink.emulator.xero.apps import XeroApp
from ledgerlink.emulator.xero.errors import Unauthorized
from ledgerlink.emulator.xero.identity_tokens import expiry_text

TOKEN_PREFIX = "xpat_"
MAX_DAYS = 183  # PlanetCrust: the expiry period is at most six months
DAY = 86400.0
# What a token is granted when the request names no scope (a custom connection's defaults).
DEFAULT_SCOPES = (
    "accounting.transactions", "accounting.contacts", "accounting.settings",
    "accounting.attachments", "accounting.reports.read", "accounting.journals.read",
)


@dataclass
class PersonalToken:
    """One issued token; the secret never appears in a repr or a listing."""

    id: str
    token: str = field(repr=False)
    tenant_id: str = ""
    name: str = ""
    scopes: list[str] = field(default_factory=list)
    created_at: float = 0.0
    expires_at: float = 0.0

    def app(self) -> XeroApp:
        """Who the calls come from: the token itself (its own rate-limit key and name)."""
        return XeroApp(client_id=f"PAT-{self.id}", client_secret="", name=self.name)

    def public(self) -> dict[str, Any]:
        """What a listing shows: everything but the token."""
        return {"id": self.id, "tenant_id": self.tenant_id, "name": self.name,
                "scopes": list(self.scopes), "created_at": _iso(self.created_at),
                "expires_at": _iso(self.expires_at)}


class PatStore:
    """Issued tokens by their secret; revoking one forgets it."""

    def __init__(self, ids: IdGen) -> None:
        self._ids = ids
        self._by_token: dict[str, PersonalToken] = {}

    def clear(self) -> None:
        """Forget every token (emulator reset)."""
        self._by_token.clear()

    def issue(self, tenant_id: str, *, now: float, name: str = "Personal access token",
              scopes: list[str] | None = None, days: float = MAX_DAYS) -> PersonalToken:
        """A new token for one organisation, valid for `days` (at most six months)."""
        if not 0 < days <= MAX_DAYS:
            raise ValueError(f"expires_in_days must be more than 0 and at most {MAX_DAYS}")
        pat = PersonalToken(id=self._ids.guid(), token=TOKEN_PREFIX + self._ids.token(48),
                            tenant_id=tenant_id, name=name,
                            scopes=list(scopes or DEFAULT_SCOPES), created_at=now,
                            expires_at=now + days * DAY)
        self._by_token[pat.token] = pat
        return pat

    def revoke(self, token_id: str) -> bool:
        """Revoke by id; False when no live token has it."""
        for secret, pat in list(self._by_token.items()):
            if pat.id == token_id:
                del self._by_token[secret]
                return True
        return False

    def listing(self) -> list[dict[str, Any]]:
        """Every live token, without secrets, oldest first."""
        return [pat.public() for pat in sorted(self._by_token.values(),
                                               key=lambda p: p.created_at)]

    def find(self, token: str, now: float) -> PersonalToken | None:
        """The live token with this secret; None when it is not a PAT (revoked ones are not).

        An expired one answers 401 TokenExpired, as Xero's access tokens do.
        """
        pat = self._by_token.get(token)
        if pat is not None and now >= pat.expires_at:
            raise Unauthorized(f"TokenExpired: token expired at {expiry_text(pat.expires_at)}")
        return pat


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat()
