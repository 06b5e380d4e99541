"""Attachments, connections, raw requests and the action registry, over loopback HTTP."""

from __future__ import annotations

import base64
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter
from pydantic import ValidationError as ParamsError

from ledgerlink.emulator.core.server import RunningEmulator
from ledgerlink.errors import InputError, NotFoundError, ValidationError
from ledgerlink.providers.xero.actions import (
    ACTIONS,
    AttachmentObject,
    AttachmentRef,
    CreateAttachment,
    GetAttachment,
    NoParams,
    RawRequest,
    WriteParams,
    action_spec,
    create_attachment,
    get_attachment,
    list_attachments,
    list_connections,
    raw_request,
    run_action,
)
from ledgerlink.providers.xero.client import XeroClient
from tests.providers.xero.conftest import RequestLog

pytestmark = pytest.mark.timeout(30)
# The seed's action keys, here because a user's clone has no ../shared/seeds; where the seed is
# beside the repository, test_every_seed_action_is_registered checks this list against it.
SEED = Path(__file__).resolve().parents[4] / "shared" / "seeds" / "prismatic-xero-component.txt"
SEED_ACTIONS = frozenset({
    "addNoteToInvoice", "addNoteToItem", "archiveAccount", "archiveContact", "createAccount",
    "createAttachment", "createContact", "createInvoice", "createItem", "deleteAccount",
    "deleteInvoice", "deleteItem", "getAccount", "getAttachment", "getContact",
    "getContactHistory", "getInvoice", "getItem", "getItemHistory", "getPayment",
    "getPaymentHistory", "listAccounts", "listConnections", "listContacts", "listInvoices",
    "listItems", "listPayments", "payInvoice", "rawRequest", "reversePayment", "sendInvoice",
    "updateAccount", "updateContact", "updateItem", "voidInvoice"})
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 4 + b"\n%%EOF"


def _first(emulator: RunningEmulator, collection: str, id_field: str) -> str:
    records = getattr(emulator.emulator.default_org, collection)
    return str(next(iter(records.values()))[id_field])


# ---- attachments ----------------------------------------------------------------------------
async def test_attachment_round_trip_on_an_invoice(xero: XeroClient,
                                                   emulator: RunningEmulator) -> None:
    invoice_id = _first(emulator, "invoices", "InvoiceID")
    meta = await create_attachment(xero, CreateAttachment(
        operation_id="att-1", object_type="Invoices", object_id=invoice_id,
        file_name="signed copy.pdf", content=PDF, content_type="application/pdf"))
    assert meta.file_name == "signed copy.pdf" and meta.content_length == len(PDF)
    assert meta.mime_type == "application/pdf" and meta.attachment_id

    got = await get_attachment(xero, GetAttachment(object_type="invoice", object_id=invoice_id,
                                                   file_name="Signed Copy.pdf"))
    assert got.content == PDF and got.mime_type == "application/pdf"

    # same name again (another operation): replaced, not added
    await create_attachment(xero, CreateAttachment(
        operation_id="att-2", object_type=AttachmentObject.INVOICES, object_id=invoice_id,
        file_name="signed copy.pdf", content=b"second version", content_type="application/pdf"))
    listed = await list_attachments(xero, AttachmentRef(object_type="Invoices",
                                                        object_id=invoice_id))
    assert [a.file_name for a in listed] == ["signed copy.pdf"]
    latest = await get_attachment(xero, GetAttachment(object_type="Invoices",
                                                      object_id=invoice_id,
                                                      file_name="signed copy.pdf"))
    assert latest.content == b"second version"

    with pytest.raises(NotFoundError):
        await get_attachment(xero, GetAttachment(object_type="Invoices", object_id=invoice_id,
                                                 file_name="missing.pdf"))


@pytest.mark.parametrize(("object_type", "collection", "id_field"), [
    ("Contacts", "contacts", "ContactID"), ("accounts", "accounts", "AccountID"),
    ("CreditNote", "credit_notes", "CreditNoteID"),
])
async def test_attachments_on_other_objects(xero: XeroClient, emulator: RunningEmulator,
                                            object_type: str, collection: str,
                                            id_field: str) -> None:
    object_id = _first(emulator, collection, id_field)
    data = b"name,amount\nOak,12.35\n"
    # JSON callers send the bytes as base64; `replace=False` creates with PUT
    created = await create_attachment(xero, CreateAttachment.model_validate({
        "operationId": f"att-{collection}", "objectType": object_type, "objectId": object_id,
        "fileName": "ledger.csv", "content": base64.b64encode(data).decode(),
        "contentType": "text/csv", "replace": False, "includeOnline": True}))
    assert created.include_online is True and created.mime_type == "text/csv"
    got = await get_attachment(xero, GetAttachment(object_type=object_type,
                                                   object_id=object_id, file_name="ledger.csv"))
    assert got.content == data


def test_attachment_params() -> None:
    with pytest.raises(ParamsError) as caught:
        CreateAttachment.model_validate({"operationId": "a", "objectType": "Widgets",
                                         "objectId": "x", "fileName": "f", "content": b"1"})
    error = caught.value.errors()[0]
    assert error["loc"] == ("objectType",) and "'Invoices'" in error["msg"]
    with pytest.raises(ParamsError, match="base64"):
        CreateAttachment.model_validate({"operationId": "a", "objectType": "Invoices",
                                         "objectId": "x", "fileName": "f",
                                         "content": "not base64!"})


# ---- connections and raw requests -----------------------------------------------------------
async def test_list_connections(xero: XeroClient, info: dict[str, Any]) -> None:
    connections = await list_connections(xero, NoParams())
    assert [c.tenant_id for c in connections] == [info["tenant_id"]]
    assert connections[0].tenant_name == info["tenant_name"]
    assert connections[0].tenant_type == "ORGANISATION"


async def test_raw_get_organisation(xero: XeroClient, info: dict[str, Any],
                                    request_log: RequestLog) -> None:
    answer = await raw_request(xero, RawRequest(url="/Organisation"))
    assert answer.status_code == 200
    (org,) = answer.data["Organisations"]
    assert org["Name"] == info["tenant_name"] and org["OrganisationID"] == info["tenant_id"]
    assert request_log.api()[-1].headers["xero-tenant-id"] == info["tenant_id"]


async def test_raw_write_is_idempotent_and_errors_can_be_returned(
        xero: XeroClient, emulator: RunningEmulator, request_log: RequestLog) -> None:
    body = {"Contacts": [{"Name": "Raw Contact Ltd"}]}
    params = RawRequest(method="put", url="/Contacts", data=body, operation_id="raw-1",
                        headers={"Authorization": "Bearer stolen", "X-Trace": "t1"})
    first = await raw_request(xero, params)
    second = await raw_request(xero, params)
    assert first.data["Contacts"][0]["ContactID"] == second.data["Contacts"][0]["ContactID"]
    names = [c["Name"] for c in emulator.emulator.default_org.contacts.values()]
    assert names.count("Raw Contact Ltd") == 1
    sent = [r for r in request_log.api() if r.method == "PUT"]
    assert sent[0].headers["idempotency-key"] == sent[1].headers["idempotency-key"]
    assert sent[0].headers["x-trace"] == "t1"
    assert sent[0].headers["authorization"] != "Bearer stolen"

    with pytest.raises(NotFoundError):
        await raw_request(xero, RawRequest(url="/Invoices/not-a-thing"))
    kept = await raw_request(xero, RawRequest(url="/Invoices/not-a-thing", raise_errors=False,
                                              response_type="text"))
    assert kept.status_code == 404 and isinstance(kept.data, str)
    pdf = await raw_request(xero, RawRequest(
        url=f"/Invoices/{_first(emulator, 'invoices', 'InvoiceID')}/pdf",
        response_type="binary"))
    assert isinstance(pdf.data, bytes) and pdf.data.startswith(b"%PDF")


@pytest.mark.parametrize("url", ["http://evil.example/steal", "//evil.example/x",
                                 "/../../connections", "/Invoices/../../x", "Accounts"])
def test_raw_request_stays_under_the_accounting_api(url: str) -> None:
    with pytest.raises(ParamsError) as caught:
        RawRequest(url=url)
    assert "accounting API" in str(caught.value)


def test_raw_writes_need_an_operation_id() -> None:
    with pytest.raises(ParamsError, match="operation_id"):
        RawRequest(method="POST", url="/Contacts", data={})
    with pytest.raises(ParamsError) as caught:
        RawRequest.model_validate({"method": "PATCH", "url": "/Contacts"})
    assert "'GET'" in caught.value.errors()[0]["msg"]


# ---- the registry ---------------------------------------------------------------------------
def test_every_seed_action_is_registered() -> None:
    if SEED.exists():
        assert set(re.findall(r"\| key: (\w+)", SEED.read_text())) - {"webhook"} == SEED_ACTIONS
    keys = SEED_ACTIONS
    assert len(keys) == 35
    registered = {spec.key for spec in ACTIONS.values()}
    assert keys <= registered, sorted(keys - registered)
    for spec in ACTIONS.values():
        assert spec.description and action_spec(spec.key) is spec
        # the hub publishes these: every params model and output type has a JSON schema
        assert spec.params.model_json_schema()["additionalProperties"] is False
        TypeAdapter(spec.output).json_schema(by_alias=True)
        if spec.write and spec.name != "raw_request":
            assert issubclass(spec.params, WriteParams)
            assert "operation_id" in spec.params.model_fields
        else:
            assert not issubclass(spec.params, WriteParams)


async def test_run_action_takes_json_and_answers_json(xero: XeroClient,
                                                      emulator: RunningEmulator) -> None:
    contact_id = next(c["ContactID"] for c in emulator.emulator.default_org.contacts.values()
                      if c.get("EmailAddress"))
    created = await run_action(xero, "createInvoice", {
        "operationId": "json-1", "Type": "ACCREC", "Contact": {"ContactID": contact_id},
        "LineItems": [{"Description": "Consult", "Quantity": 1, "UnitAmount": "180.00",
                       "AccountCode": "200"}], "Date": "2025-04-01"})
    assert json.loads(json.dumps(created)) == created
    assert Decimal(created["Total"]) == Decimal("207.00")  # money as exact strings in JSON
    assert created["Date"] == "2025-04-01"
    got = await run_action(xero, "get_invoice", {"invoiceId": created["InvoiceID"]})
    assert got["InvoiceNumber"] == created["InvoiceNumber"]
    listed = await run_action(xero, "list_connections", {})
    assert isinstance(listed, list) and listed[0]["tenantId"] == xero.tenant_id
    invoice_id = created["InvoiceID"]
    await run_action(xero, "create_attachment", {
        "operation_id": "j-att", "object_type": "Invoices", "object_id": invoice_id,
        "file_name": "a.txt", "content": base64.b64encode(b"hello").decode(),
        "content_type": "text/plain"})
    fetched = await run_action(xero, "getAttachment", {
        "objectType": "Invoices", "objectId": invoice_id, "fileName": "a.txt"})
    assert base64.b64decode(fetched["Content"]) == b"hello"
    with pytest.raises(InputError, match=r"allowed: .*create_invoice"):
        await run_action(xero, "create_unicorn", {})
    with pytest.raises(ValidationError):  # Xero's own refusal, unchanged
        await run_action(xero, "void_invoice", {"operation_id": "v", "invoice_id": invoice_id})
