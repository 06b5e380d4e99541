"""The accounting API's routes, one module per family of resources."""

from __future__ import annotations

from ledgerlink.emulator.core.router import Router
from ledgerlink.emulator.xero.routes import contacts, invoices, payments, reports, settings


def accounting_router() -> Router:
    """Every implemented accounting operation, paths relative to /api.xro/2.0."""
    router = Router()
    for module in (settings, contacts, invoices, payments, reports):
        router.include(module.router())
    return router
