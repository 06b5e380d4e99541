"""The module-wise configuration: every flag the seed lists, its default, and the merge rules.

Defaults for a connection never configured (what GET answers before the first PUT):
- account: customer accounts go to Xero as contacts (an invoice needs its contact there):
  `account_sync_to_xero`, `account_to_xero_enabled`, the receivable mapping and tax on;
  the payable mapping off (suppliers belong to purchases).
- item: off. Xero invoices do not need items; their lines carry account codes.
- transaction: invoices (with their sales revenue account and tax) and payments go to Xero;
  credit notes and refunds off: they are opted into once a company has decided how.
- purchase: off; the hub's actions are about sales.
- every import flag off: an import writes into the application's own records, so it is
  switched on deliberately, never by default.
The account module's import section repeats three `account_to_xero_*` names: that is how the
seed lists them, and the API keeps the seed's names exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SECTIONS = ("export", "import")


@dataclass(frozen=True)
class ModuleSpec:
    """The flags of one module with their defaults: module switches, then the two sections."""

    switches: dict[str, bool]
    export: dict[str, bool]
    import_: dict[str, bool]

    def section(self, name: str) -> dict[str, bool]:
        """The export or import flags."""
        return self.export if name == "export" else self.import_


MODULES: dict[str, ModuleSpec] = {
    "account": ModuleSpec(
        switches={"account_sync_to_xero": True},
        export={"account_to_xero_enabled": True,
                "account_to_xero_account_receivable_enable": True,
                "account_to_xero_account_payable_enable": False,
                "account_to_xero_tax_enable": True},
        import_={"account_from_xero_enabled": False,
                 "account_to_xero_account_receivable_enable": False,
                 "account_to_xero_account_payable_enable": False,
                 "account_to_xero_tax_enable": False}),
    "item": ModuleSpec(
        switches={"item_sync_to_xero": False},
        export={"item_to_xero_enabled": False,
                "product_to_xero_sales_revenue_enable": False,
                "product_to_xero_tax_enable": False},
        import_={"item_from_xero_enabled": False,
                 "product_from_xero_sales_revenue_enable": False,
                 "product_from_xero_tax_enable": False}),
    "transaction": ModuleSpec(
        switches={"invoice_sync_to_xero": True, "payment_sync_to_xero": True,
                  "credit_note_sync_to_xero": False, "refund_sync_to_xero": False},
        export={"invoice_to_xero_enabled": True,
                "invoice_to_xero_sales_revenue_enable": True,
                "invoice_to_xero_tax_enable": True,
                "payment_to_xero_enabled": True,
                "credit_note_to_xero_enabled": False,
                "refund_to_xero_enabled": False},
        import_={"invoice_from_xero_enabled": False,
                 "invoice_from_xero_sales_revenue_enable": False,
                 "invoice_from_xero_tax_enable": False,
                 "payment_from_xero_enabled": False,
                 "credit_note_from_xero_enabled": False,
                 "refund_from_xero_enabled": False}),
    "purchase": ModuleSpec(
        switches={"purchase_order_sync_to_xero": False, "purchase_invoice_sync_to_xero": False,
                  "purchase_payment_sync_to_xero": False},
        export={"purchase_order_to_xero_enabled": False,
                "purchase_order_to_xero_tax_enable": False,
                "purchase_invoice_to_xero_enabled": False,
                "purchase_invoice_to_xero_tax_enable": False,
                "purchase_payment_to_xero_enabled": False,
                "purchase_payment_to_xero_tax_enable": False,
                "purchase_credit_note_to_xero_enabled": False,
                "purchase_refund_to_xero_enabled": False},
        import_={"purchase_order_from_xero_enabled": False,
                 "purchase_order_from_xero_expense_enable": False,
                 "purchase_order_from_xero_tax_enable": False,
                 "purchase_bill_from_xero_enabled": False,
                 "purchase_bill_from_xero_expense_enable": False,
                 "purchase_bill_from_xero_tax_enable": False,
                 "purchase_payment_from_xero_enabled": False,
                 "purchase_payment_processor_from_xero_enable": False,
                 "purchase_credit_note_from_xero_enabled": False,
                 "purchase_refund_from_xero_enabled": False}),
}

Flags = dict[str, Any]  # {module: {switch: bool, "export": {flag: bool}, "import": {...}}}


def _pick(source: Any, key: str) -> Any:
    return source.get(key) if isinstance(source, dict) else None


def resolve(stored: dict[str, Any] | None) -> Flags:
    """Every flag: the stored value where there is a boolean one, else the default."""
    out: Flags = {}
    for module, spec in MODULES.items():
        saved = _pick(stored, module)
        values: dict[str, Any] = {}
        for flag, default in spec.switches.items():
            value = _pick(saved, flag)
            values[flag] = value if isinstance(value, bool) else default
        for section in SECTIONS:
            saved_section = _pick(saved, section)
            values[section] = {}
            for flag, default in spec.section(section).items():
                value = _pick(saved_section, flag)
                values[section][flag] = value if isinstance(value, bool) else default
        out[module] = values
    return out


def merge(current: Flags, patch: dict[str, Any]) -> Flags:
    """`current` with the flags `patch` names replaced; flags it does not name are kept.

    `patch` is already validated (known modules and flags, booleans only).
    """
    out: Flags = {module: {key: dict(value) if isinstance(value, dict) else value
                           for key, value in flags.items()}
                  for module, flags in current.items()}
    for module, changes in patch.items():
        for key, value in changes.items():
            if key in SECTIONS:
                out[module][key].update(value)
            else:
                out[module][key] = value
    return out


def render(flags: Flags, provider: str) -> dict[str, Any]:
    """The seed's shape: each module with `provider` first, its switches, export, import."""
    return {"integration": {module: {"provider": provider, **values}
                            for module, values in flags.items()}}
