"""The demo seed: deterministic ids, a believable spread of data, and books that balance."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.xero.reports_aged import aging_buckets
from ledgerlink.emulator.xero.state import Emulator


def _fingerprint(emu: Emulator) -> list[str]:
    org = emu.default_org
    assert org is not None
    return [org.tenant_id, *sorted(org.contacts), *sorted(org.invoices), *sorted(org.payments)]


def test_same_seed_gives_same_ids() -> None:
    first, second = Emulator(EmulatorConfig(random_seed=7)), Emulator(EmulatorConfig(random_seed=7))
    assert _fingerprint(first) == _fingerprint(second)
    assert first.info()["client_secret"] == second.info()["client_secret"]
    assert _fingerprint(Emulator(EmulatorConfig(random_seed=8))) != _fingerprint(first)


def test_reset_returns_to_the_seeded_start() -> None:
    emu = Emulator()
    before = _fingerprint(emu)
    emu.create_org("Another", seed="empty")
    emu.reset()
    assert _fingerprint(emu) == before
    assert len(emu.orgs) == 1


def test_demo_has_the_advertised_shape() -> None:
    org = Emulator().default_org
    assert org is not None
    assert len(org.contacts) == 50
    assert len(org.items) == 20
    assert len(org.invoices) == 250
    statuses = Counter(i["Status"] for i in org.invoices.values())
    assert set(statuses) == {"DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED"}
    types = Counter(i["Type"] for i in org.invoices.values())
    assert types["ACCREC"] == 170 and types["ACCPAY"] == 80
    partly_paid = [i for i in org.invoices.values()
                   if i["Status"] == "AUTHORISED" and i["AmountPaid"] > 0]
    assert partly_paid, "some invoices should be partly paid"
    assert len(org.credit_notes) == 14
    assert any(n["Allocations"] for n in org.credit_notes.values())
    assert len(org.repeating_invoices) == 4
    dates = sorted(i["Date"] for i in org.invoices.values())
    assert (dates[-1] - dates[0]).days >= 500  # eighteen months of trading


def test_every_ageing_bucket_is_populated() -> None:
    org = Emulator().default_org
    assert org is not None
    rows = aging_buckets(org, {"ACCREC", "ACCRECCREDIT"}, org.today())
    for bucket in ("Current", "1-30", "31-60", "61-90", "90+"):
        assert sum((r[bucket] for r in rows), Decimal(0)) > 0, bucket


def test_empty_seed_has_settings_but_no_trading() -> None:
    org = Emulator(EmulatorConfig(seed="empty")).default_org
    assert org is not None
    assert org.accounts and org.tax_rates
    assert not org.contacts and not org.invoices
    assert org.account_by_type("DEBTORS") is not None
