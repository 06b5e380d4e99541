"""Settings of one emulator instance: seed, latency, limits, token lifetimes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class EmulatorConfig:
    """How an emulator behaves; every window is configurable so tests run in seconds."""

    seed: str = "demo"  # "demo" or "empty"
    random_seed: int = 1
    latency_ms: int = 0
    rate_limits: bool = True
    auto_consent: bool = False
    base_url: str = "http://127.0.0.1:8766"
    access_token_ttl: int = 1800
    refresh_grace_seconds: int = 1800
    refresh_token_ttl: int = 60 * 86400
    concurrent_limit: int = 5
    minute_limit: int = 60
    day_limit: int = 5000
    app_minute_limit: int = 10000
    minute_window: float = 60.0
    day_window: float = 86400.0
    idempotency_ttl: float = 6 * 3600.0
    webhook_retry_base: float = 1.0
    webhook_retry_limit: int = 8
    webhook_batch_delay: float = 0.05
