"""An offline, stateful, multi-tenant Xero: identity, accounting API, webhooks, limits, faults."""

from ledgerlink.emulator.core.app import create_emulator
from ledgerlink.emulator.core.config import EmulatorConfig

__all__ = ["EmulatorConfig", "create_emulator"]
