"""docs/emulator-coverage.md matches its generator and marks the requested operations done."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "emulator-coverage.md"

# The operations of the resources the emulator was asked for (facts §5.1-5.9, plus credit notes).
REQUIRED = {
    "Accounts": ["getAccounts", "createAccount", "getAccount", "updateAccount", "deleteAccount",
                 "getAccountAttachments", "getAccountAttachmentById",
                 "getAccountAttachmentByFileName", "createAccountAttachmentByFileName",
                 "updateAccountAttachmentByFileName"],
    "Contacts": ["getContacts", "createContacts", "updateOrCreateContacts", "getContact",
                 "getContactByContactNumber", "updateContact", "getContactHistory",
                 "createContactHistory", "getContactCISSettings", "getContactAttachments",
                 "createContactAttachmentByFileName"],
    "Invoices": ["getInvoices", "createInvoices", "updateOrCreateInvoices", "getInvoice",
                 "updateInvoice", "getInvoiceAsPdf", "emailInvoice", "getOnlineInvoice",
                 "getInvoiceHistory", "createInvoiceHistory", "getInvoiceAttachments",
                 "getInvoiceAttachmentById", "createInvoiceAttachmentByFileName"],
    "Items": ["getItems", "createItems", "updateOrCreateItems", "getItem", "updateItem",
              "deleteItem", "getItemHistory", "createItemHistory"],
    "Payments": ["getPayments", "createPayments", "createPayment", "getPayment", "deletePayment",
                 "getPaymentHistory", "createPaymentHistory"],
    "CreditNotes": ["getCreditNotes", "createCreditNotes", "updateOrCreateCreditNotes",
                    "getCreditNote", "updateCreditNote", "getCreditNoteAsPdf",
                    "createCreditNoteAllocation", "deleteCreditNoteAllocations",
                    "getCreditNoteHistory"],
    "RepeatingInvoices": ["getRepeatingInvoices", "createRepeatingInvoices",
                          "updateOrCreateRepeatingInvoices", "getRepeatingInvoice",
                          "updateRepeatingInvoice", "getRepeatingInvoiceHistory"],
    "TaxRates": ["getTaxRates", "createTaxRates", "updateTaxRate", "getTaxRateByTaxType"],
    "Organisation": ["getOrganisations", "getOrganisationActions"],
    "Reports": ["getReportProfitAndLoss", "getReportBalanceSheet", "getReportTrialBalance",
                "getReportAgedReceivablesByContact", "getReportAgedPayablesByContact"],
    "Connections": ["getConnections", "deleteConnection"],
}


@pytest.fixture(scope="module")
def script() -> ModuleType:
    """The generator, loaded from its file (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("emulator_coverage",
                                                  REPO / "scripts" / "emulator_coverage.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def coverage(script: ModuleType) -> Any:
    """The coverage data of this checkout."""
    return script.collect()


def test_committed_doc_is_up_to_date(script: ModuleType, coverage: Any) -> None:
    assert DOC.read_text(encoding="utf-8") == script.render(coverage), (
        "docs/emulator-coverage.md is stale: run `make coverage-doc` and commit it")


def test_generation_is_deterministic(script: ModuleType, coverage: Any) -> None:
    assert script.render(script.collect()) == script.render(coverage)


def test_requested_operations_are_implemented(coverage: Any) -> None:
    by_id = {op.operation_id: op for op in coverage.operations}
    missing = [(res, op_id) for res, ids in REQUIRED.items() for op_id in ids
               if op_id not in by_id or not by_id[op_id].implemented]
    assert not missing
    assert all(by_id[op_id].resource == res for res, ids in REQUIRED.items() for op_id in ids)


def test_doc_marks_them_implemented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for op_id in ("getInvoices", "createPayment", "getReportBalanceSheet", "getTaxRateByTaxType",
                  "updateOrCreateRepeatingInvoices", "getCreditNoteAsPdf", "getItems"):
        assert re.search(rf"^\| yes \| [A-Z]+ \| `[^`]+` \| {op_id} \|", text, re.M), op_id
    assert re.search(r"^\| no \| GET \| `/Journals` \| getJournals \|", text, re.M)


def test_counts_and_unimplemented_operations(coverage: Any) -> None:
    ops = coverage.operations
    accounting = [op for op in ops if op.spec == "xero_accounting.yaml"]
    assert len(accounting) == 235  # the 138 paths of spec 16.1.0 hold 235 operations
    journals = [op for op in accounting if op.resource == "Journals"]
    assert journals and not any(op.implemented for op in journals)
    text = DOC.read_text(encoding="utf-8")
    done = sum(op.implemented for op in ops)
    assert f"**{done} of {len(ops)} operations implemented" in text


def test_emulator_only_routes_are_listed(coverage: Any) -> None:
    extra = coverage.extra_routes
    paths = {(r.method, r.pattern) for routes in extra.values() for r in routes}
    assert ("GET", "/Organisations") in paths
    assert ("POST", "/connect/token") in paths
    assert ("GET", "/identity/connect/authorize") in paths
    assert ("GET", "/_emulator/info") in paths
    assert ("GET", "/Invoices") not in paths
    text = DOC.read_text(encoding="utf-8")
    assert "| GET | `/api.xro/2.0/Organisations` | getOrganisations |" in text
