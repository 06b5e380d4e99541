"""ledgerlink's settings: one Settings object, read from LEDGERLINK_* variables and `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything a deployment configures; secrets are SecretStr so they never print."""

    model_config = SettingsConfigDict(env_prefix="LEDGERLINK_", env_file=".env",
                                      env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Field(default=Path(".data"), description="Where the SQLite file lives")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; SQLite default")
    secret_keys: SecretStr | None = Field(
        default=None, description="Comma-separated Fernet keys; the first encrypts, all decrypt")
    api_key_pepper: SecretStr | None = Field(
        default=None, description="Mixed into API key hashes. Unset (the usual case): a random "
        "pepper made on first start, stored encrypted in the database, shared by every process")
    public_url: str = Field(default="http://127.0.0.1:8765", description="Base URL of this hub")
    redis_url: str | None = Field(default=None, description="Shared rate budget at scale")
    upkeep_interval_seconds: float = Field(
        default=60.0, ge=0, description="How often `serve` finishes token refreshes a crash "
        "interrupted (0: never; tests and one-shot commands)")
    # The Xero app this hub connects with (the emulator's demo app in the demo).
    xero_client_id: str | None = None
    xero_client_secret: SecretStr | None = None
    xero_api_url: str = "https://api.xero.com/api.xro/2.0"
    xero_identity_url: str | None = Field(
        default=None, description="One base URL for authorize/token/connections (the emulator)")
    xero_scopes: str = ("openid profile email offline_access accounting.transactions "
                        "accounting.contacts accounting.settings accounting.reports.read "
                        "accounting.attachments")
    xero_webhook_key: SecretStr | None = None
    # Outgoing mail for branded invoice emails (Postmark's SMTP works the same way).
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout: float = 10.0
    # Request bodies are JSON records and action parameters: 1 MiB is far above any of them.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024,
                                description="Largest request body accepted (413 above it)")

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("api_key_pepper", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        # `LEDGERLINK_API_KEY_PEPPER=` (empty) means unset, never an empty pepper.
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        return None if isinstance(text, str) and not text.strip() else value

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'ledgerlink.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own Settings instead)."""
    return Settings()
