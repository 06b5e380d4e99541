"""The running hub's shared objects: settings, database, secret box, provider access."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledgerlink.config import Settings
from ledgerlink.db.crypto import SecretBox
from ledgerlink.db.engine import Database


@dataclass
class Hub:
    """What services need from the process; built once by create_app or the CLI."""

    settings: Settings
    db: Database
    box: SecretBox
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings, db: Database | None = None) -> Hub:
        """Build the database and secret box from settings."""
        keys = settings.secret_keys.get_secret_value() if settings.secret_keys else ""
        return cls(settings=settings, db=db or Database(settings.resolved_database_url()),
                   box=SecretBox.from_setting(keys))

    @property
    def pepper(self) -> str:
        """The API key hashing pepper."""
        return self.settings.api_key_pepper.get_secret_value()

    async def close(self) -> None:
        """Release the database and any provider clients."""
        for closer in self.extras.get("closers", []):
            await closer()
        await self.db.dispose()
