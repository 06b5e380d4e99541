"""XeroClient against the emulator over loopback: paging, incremental reads, filters, batches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx2
import pytest

from ledgerlink.emulator.core.server import RunningEmulator
from ledgerlink.errors import (
    ConfigurationError,
    ConflictError,
    ForbiddenError,
    InputError,
    NotFoundError,
    ProviderError,
    ValidationError,
)
from ledgerlink.http.budget import Priority
from ledgerlink.providers.xero.client import BatchItemResult, XeroClient
from ledgerlink.providers.xero.where import Field, Guid
from ledgerlink.providers.xero.wire import parse_msdate, parse_record
from tests.providers.xero.conftest import HttpFactory, RequestLog, connect

pytestmark = pytest.mark.timeout(60)


def _calls(emulator: RunningEmulator, tenant: str, operation: str) -> int:
    return emulator.emulator.calls[(tenant, operation)]


def _invoice(n: int, contact_id: str) -> dict[str, Any]:
    return {"Type": "ACCREC", "Contact": {"ContactID": contact_id}, "Reference": f"batch-{n}",
            "Date": "2025-01-15", "DueDate": "2025-02-15", "Status": "AUTHORISED",
            "LineItems": [{"Description": f"Item {n}", "Quantity": Decimal("2"),
                           "UnitAmount": Decimal("12.35"), "AccountCode": "200"}]}


def _new_org(emulator: RunningEmulator, name: str) -> str:
    return emulator.emulator.create_org(name, "NZ", "empty").tenant_id


# ---- construction ---------------------------------------------------------------------------
@pytest.mark.parametrize("tenant", ["", "   "])
def test_tenant_is_required(http: Any, tenant: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        XeroClient(http, tenant_id=tenant, app_id="app")
    assert caught.value.field == "tenant_id"


async def test_unconnected_tenant_is_forbidden(http: Any, emulator: RunningEmulator,
                                               info: dict[str, Any]) -> None:
    stranger = _new_org(emulator, "Not Consented Ltd")  # created after the token was issued
    client = XeroClient(http, tenant_id=stranger, app_id=info["client_id"])
    with pytest.raises(ForbiddenError) as caught:
        await client.list_all("Contacts", operation="contacts")
    assert stranger in caught.value.message


# ---- reads ----------------------------------------------------------------------------------
async def test_list_all_invoices_in_one_call(xero: XeroClient, emulator: RunningEmulator,
                                             request_log: RequestLog) -> None:
    invoices = await xero.list_all("Invoices", operation="invoices",
                                   params={"includeArchived": "true"})
    assert len(invoices) == 250
    assert len({i["InvoiceID"] for i in invoices}) == 250
    assert _calls(emulator, xero.tenant_id, "getInvoices") == 1
    (seen,) = request_log.api()
    assert "page=1" in seen.query and "pageSize=1000" in seen.query
    assert seen.headers["xero-tenant-id"] == xero.tenant_id
    assert seen.headers["accept"] == "application/json"
    assert all("LineItems" in i for i in invoices)  # Xero leaves lines out of unpaged lists
    assert all(isinstance(i["Total"], Decimal | int) for i in invoices)
    assert invoices[0]["UpdatedDateUTC"].startswith("/Date(")  # raw: the catalogue parses
    record = parse_record(invoices[0])
    assert isinstance(record["UpdatedDateUTC"], datetime) and isinstance(record["Total"], Decimal)


async def test_2500_contacts_in_three_calls(make_http: HttpFactory, emulator: RunningEmulator,
                                            control: httpx2.Client, info: dict[str, Any]) -> None:
    tenant = _new_org(emulator, "Big Contacts Ltd")
    client = XeroClient(make_http(connect(control, info["client_id"], [tenant])),
                        tenant_id=tenant, app_id=info["client_id"], priority=Priority.BACKGROUND)
    people = [{"Name": f"Customer {n:05d}", "EmailAddress": f"c{n}@example.com"}
              for n in range(2500)]
    results = await client.batch("Contacts", people, operation="seed", method="PUT",
                                 idempotency_prefix="seed-2500")
    assert [r.index for r in results] == list(range(2500))
    assert all(r.status == "created" for r in results)
    assert _calls(emulator, tenant, "createContacts") == 50

    pages = [len(p) async for p in client.iter_pages("Contacts", operation="contacts")]
    assert pages == [1000, 1000, 500]
    everyone = await client.list_all("Contacts", operation="contacts")
    assert sorted(c["Name"] for c in everyone) == [p["Name"] for p in people]
    assert _calls(emulator, tenant, "getContacts") == 6  # 3 for iter_pages, 3 for list_all

    # An exact multiple of the page size: pageCount saves the empty trailing page.
    emulator.emulator.calls.clear()
    halves = await client.list_all("Contacts", operation="contacts", page_size=500)
    assert len(halves) == 2500 and _calls(emulator, tenant, "getContacts") == 5


async def test_if_modified_since_returns_only_later_changes(
        xero: XeroClient, control: httpx2.Client, request_log: RequestLog) -> None:
    contacts = await xero.list_all("Contacts", operation="contacts")
    mark = max(parse_msdate(c["UpdatedDateUTC"]) for c in contacts)  # type: ignore[type-var]
    assert mark is not None
    control.post("/_emulator/clock", json={"advance_seconds": 120})
    changes = [{"ContactID": contacts[0]["ContactID"], "EmailAddress": "new@example.com"},
               {"ContactID": contacts[1]["ContactID"], "FirstName": "Changed"},
               {"Name": "Brand New Customer"}]
    results = await xero.batch("Contacts", changes, operation="edit", idempotency_prefix="ims")
    assert [r.status for r in results] == ["updated", "updated", "created"]

    later = await xero.list_all("Contacts", operation="contacts", if_modified_since=mark)
    assert sorted(c["Name"] for c in later) == sorted(
        [contacts[0]["Name"], contacts[1]["Name"], "Brand New Customer"])
    sent = request_log.api()[-1].headers["if-modified-since"]
    assert sent == mark.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{mark.microsecond // 1000:03d}Z"
    newest = max(parse_msdate(c["UpdatedDateUTC"]) for c in later)  # type: ignore[type-var]
    assert await xero.list_all("Contacts", operation="contacts",
                               if_modified_since=newest) == []
    body = await xero.get("Contacts", operation="contacts", if_modified_since=newest)
    assert body["Contacts"] == []


async def test_where_and_order(xero: XeroClient, emulator: RunningEmulator) -> None:
    org = emulator.emulator.default_org
    assert org is not None
    live = [i for i in org.invoices.values() if i["Status"] != "DELETED"]
    clause = Field("Status").eq("PAID") & Field("Type").eq("ACCREC")
    paid = await xero.list_all("Invoices", operation="invoices", where=clause,
                               order="Total DESC")
    expected = {i["InvoiceID"] for i in live if i["Status"] == "PAID" and i["Type"] == "ACCREC"}
    assert expected and {i["InvoiceID"] for i in paid} == expected
    totals = [i["Total"] for i in paid]
    assert totals == sorted(totals, reverse=True)

    await xero.batch("Contacts", [{"Name": 'The "Best" Joinery \\ Co'}, {"Name": "Best Co"}],
                     operation="add", method="PUT", idempotency_prefix="quote")
    found = await xero.list_all("Contacts", operation="contacts",
                                where=Field("Name").eq('The "Best" Joinery \\ Co'))
    assert [c["Name"] for c in found] == ['The "Best" Joinery \\ Co']
    one = found[0]["ContactID"]
    by_id = await xero.list_all("Contacts", operation="contacts",
                                where=Field("ContactID").eq(Guid(one)))
    assert [c["ContactID"] for c in by_id] == [one]


async def test_unpaged_resources_and_single_gets(xero: XeroClient) -> None:
    accounts = await xero.list_all("Accounts", operation="accounts", paged=False)
    assert any(a["Code"] == "200" for a in accounts)
    invoice = (await xero.list_all("Invoices", operation="invoices"))[0]
    body = await xero.get(f"Invoices/{invoice['InvoiceID']}", operation="invoice")
    assert body["Invoices"][0]["InvoiceID"] == invoice["InvoiceID"]
    pdf = await xero.get_bytes(f"Invoices/{invoice['InvoiceID']}", operation="pdf",
                               accept="application/pdf")
    assert pdf.startswith(b"%PDF")
    with pytest.raises(NotFoundError):
        await xero.get("Invoices/00000000-0000-0000-0000-000000000001", operation="invoice")
    with pytest.raises(InputError):
        await xero.list_all("Invoices", operation="invoices", page_size=1001)
    with pytest.raises(ProviderError, match="paged=False"):  # never loop on the same rows
        await xero.list_all("Accounts", operation="accounts", page_size=10)


def test_more_trusts_the_page_size_xero_used() -> None:
    full_of_100: list[dict[str, Any]] = [{}] * 100
    capped = {"page": 1, "pageSize": 100, "pageCount": 3, "itemCount": 250}
    assert XeroClient._more(capped, full_of_100, 1, 1000)  # capped at 100: not the end
    assert not XeroClient._more(capped, [{}] * 50, 3, 1000)
    assert not XeroClient._more({"pageSize": 100, "pageCount": 2}, full_of_100, 2, 1000)
    assert XeroClient._more(None, [{}] * 1000, 1, 1000)
    assert not XeroClient._more(None, [{}] * 999, 1, 1000)


# ---- writes ---------------------------------------------------------------------------------
async def test_batch_maps_items_back_and_replays(xero: XeroClient, emulator: RunningEmulator,
                                                 request_log: RequestLog) -> None:
    org = emulator.emulator.default_org
    assert org is not None
    contact_id = next(iter(org.contacts))
    items = [_invoice(n, contact_id) for n in range(120)]
    items[7]["Type"] = "NOPE"
    items[64]["LineItems"][0]["AccountCode"] = "999"
    items[119]["Contact"] = {}
    before = len(org.invoices)

    results = await xero.batch("Invoices", items, operation="export", method="PUT",
                               idempotency_prefix="job-42")
    assert [r.index for r in results] == list(range(120))
    errors = {r.index: r.errors for r in results if r.status == "error"}
    assert sorted(errors) == [7, 64, 119]
    assert errors[7] == ["Invoice Type must be ACCREC or ACCPAY."]
    assert "999" in errors[64][0] and errors[119][0].startswith("The Contact must contain")
    created = [r for r in results if r.status == "created"]
    assert len(created) == 117 and all(r.record and r.record["InvoiceID"] for r in created)
    assert created[0].record is not None and created[0].record["Reference"] == "batch-0"
    assert len(org.invoices) == before + 117
    assert _calls(emulator, xero.tenant_id, "createInvoices") == 3

    writes = [r for r in request_log.api() if r.method == "PUT"]
    assert len(writes) == 3
    assert all("summarizeErrors=false" in r.query for r in writes)
    keys = [r.headers["idempotency-key"] for r in writes]
    assert len(set(keys)) == 3 and all(len(k) <= 128 for k in keys)

    again = await xero.batch("Invoices", items, operation="export", method="PUT",
                             idempotency_prefix="job-42")
    assert len(org.invoices) == before + 117  # nothing new: every chunk was replayed
    assert [(r.index, r.status, r.errors) for r in again] == \
        [(r.index, r.status, r.errors) for r in results]
    assert [r.headers["idempotency-key"] for r in request_log.api()
            if r.method == "PUT"][3:] == keys

    items[0]["Reference"] = "changed"
    with pytest.raises(ConflictError):  # the same operation id for a different request
        await xero.batch("Invoices", items, operation="export", method="PUT",
                         idempotency_prefix="job-42")


async def test_batch_updates_and_concurrency(xero: XeroClient) -> None:
    contacts = await xero.list_all("Contacts", operation="contacts")
    edits: list[dict[str, Any]] = [{"ContactID": c["ContactID"], "AccountNumber": f"A{n}"}
                                   for n, c in enumerate(contacts[:30])]
    edits += [{"Name": f"Fresh {n}"} for n in range(40)]
    edits.insert(5, {"ContactID": "not-a-guid", "Name": "Broken"})
    results = await xero.batch("Contacts", edits, operation="sync", idempotency_prefix="upd",
                               chunk=10, concurrency=3)
    assert [r.index for r in results] == list(range(71))
    assert [r.status for r in results[:5]] == ["updated"] * 5
    assert results[5].status == "error" and results[5].record is None
    assert {r.status for r in results[6:31]} == {"updated"}
    assert {r.status for r in results[31:]} == {"created"}
    assert results[6].record is not None and results[6].record["AccountNumber"] == "A5"
    with pytest.raises(InputError):
        await xero.batch("Contacts", edits, operation="sync", idempotency_prefix="x", chunk=51)


async def test_answers_that_cannot_be_matched_raise(xero: XeroClient) -> None:
    # The wrong envelope key: Xero answers under "Contacts", so nothing can be matched.
    with pytest.raises(ProviderError) as caught:
        await xero.batch("Contacts", [{"Name": "a"}, {"Name": "b"}], operation="bad",
                         idempotency_prefix="whole", key="Nonsense")
    assert "cannot be matched" in caught.value.message
    assert isinstance(BatchItemResult(0, "created", {}, []).ok, bool)


async def test_single_writes_bytes_and_raw(xero: XeroClient, emulator: RunningEmulator,
                                           request_log: RequestLog) -> None:
    contact = await xero.write("PUT", "Contacts", {"Contacts": [{"Name": "Single Write"}]},
                               operation="create", idempotency_key="single-1")
    contact_id = contact["Contacts"][0]["ContactID"]
    invoice = await xero.write("PUT", "Invoices", {"Invoices": [_invoice(1, contact_id)]},
                               operation="create", idempotency_key="single-2")
    invoice_id = invoice["Invoices"][0]["InvoiceID"]
    assert invoice["Invoices"][0]["Total"] == Decimal("28.41")  # 24.70 + 15% GST, exact
    attached = await xero.put_bytes(f"Invoices/{invoice_id}/Attachments/note.txt", b"hello",
                                    operation="attach", idempotency_key="single-3",
                                    content_type="text/plain")
    assert attached["Attachments"][0]["FileName"] == "note.txt"
    item = await xero.write("PUT", "Items", {"Items": [{"Code": "W-1", "Name": "Widget"}]},
                            operation="item", idempotency_key="single-4")
    gone = await xero.write("DELETE", f"Items/{item['Items'][0]['ItemID']}", None,
                            operation="delete", idempotency_key="single-5")
    assert gone == {}
    with pytest.raises(ValidationError) as caught:
        await xero.write("PUT", "Contacts", {"Contacts": [{"Name": "Single Write"}]},
                         operation="dup", idempotency_key="single-6")
    assert caught.value.problems[0].field == "Name"
    writes = [r for r in request_log.api() if r.method in ("PUT", "DELETE")]
    assert [r.headers["idempotency-key"] for r in writes] == [f"single-{n}" for n in range(1, 7)]

    response = await xero.raw("GET", "Invoices/00000000-0000-0000-0000-000000000001",
                              operation="raw")
    assert response.status_code == 404  # raw answers as Xero did
    elsewhere = await xero.raw("GET", "Organisation", operation="raw",
                               headers={"Xero-Tenant-Id": "00000000-0000-0000-0000-000000000009"})
    assert elsewhere.status_code == 200  # a caller's header cannot redirect the call
    assert request_log.api()[-1].headers["xero-tenant-id"] == xero.tenant_id
    with pytest.raises(InputError):
        await xero.raw("POST", "Contacts", operation="raw", json={"Name": "x"})
    with pytest.raises(InputError):
        await xero.write("PUT", "Contacts", {}, operation="x", idempotency_key="k" * 129)


async def test_writes_survive_faults_without_duplicates(
        make_http: HttpFactory, emulator: RunningEmulator, control: httpx2.Client,
        info: dict[str, Any]) -> None:
    tenant = _new_org(emulator, "Faulty Ltd")
    client = XeroClient(make_http(connect(control, info["client_id"], [tenant]), timeout=0.5),
                        tenant_id=tenant, app_id=info["client_id"])
    control.post("/_emulator/faults", json={
        "error_5xx": 0.1, "rate_429": 0.05, "reset_after": 0.1, "timeout_after": 0.05,
        "timeout_seconds": 1.0, "writes_only": True})
    people = [{"Name": f"Person {n:03d}"} for n in range(300)]
    results = await client.batch("Contacts", people, operation="export", method="PUT",
                                 idempotency_prefix="faulty", chunk=10)
    faults = control.get("/_emulator/faults").json()
    control.delete("/_emulator/faults")
    assert all(r.status == "created" for r in results)
    org = emulator.emulator.orgs[tenant]
    assert sorted(c["Name"] for c in org.contacts.values()) == [p["Name"] for p in people]
    injected = faults["injected"]
    # Writes that committed before the answer was lost were retried under the same key.
    assert injected.get("reset_after", 0) > 0 and injected.get("timeout_after", 0) > 0, faults
    assert _calls(emulator, tenant, "createContacts") == sum(injected.values())


async def test_clock_advance_does_not_leak_between_tests(xero: XeroClient) -> None:
    # Each test has its own emulator: the clock starts at real time again.
    body = await xero.get("Organisation", operation="org")
    now = parse_msdate(body["DateTimeUTC"])
    assert now is not None and abs(now - datetime.now(UTC)) < timedelta(minutes=1)
