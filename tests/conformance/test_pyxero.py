"""pyxero 0.9.5 (XML writes, OAuth2 via requests-oauthlib) driven against the emulator."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
import requests
import xero.auth
from xero import Xero
from xero.auth import OAuth2Credentials
from xero.exceptions import XeroBadRequest, XeroNotFound

from ledgerlink.emulator.core.server import RunningEmulator
from ledgerlink.emulator.xero.models.base import Org
from tests.conformance.conftest import info

pytestmark = pytest.mark.conformance

TIMEOUT = 10
SCOPES = ["openid", "profile", "email", "offline_access", "accounting.transactions",
          "accounting.contacts", "accounting.settings", "accounting.reports.read"]




@dataclass
class Wire:
    """Every request pyxero (and requests-oauthlib under it) put on the wire."""

    sent: list[requests.PreparedRequest] = field(default_factory=list)

    def to(self, url: str) -> list[requests.PreparedRequest]:
        """The requests whose URL starts with `url`."""
        return [r for r in self.sent if (r.url or "").startswith(url)]


@pytest.fixture(scope="module")
def wire(emulator: RunningEmulator) -> Iterator[Wire]:
    """Redirect pyxero's token/authorize URLs, allow http on loopback, and watch the wire."""
    seen = Wire()
    original_send = requests.Session.send

    def send(self: requests.Session, request: requests.PreparedRequest,
             **kwargs: Any) -> requests.Response:
        assert (request.url or "").startswith("http://127.0.0.1:"), request.url
        seen.sent.append(request)
        if kwargs.get("timeout") is None:  # get_tenants/refresh/verify pass no timeout
            kwargs["timeout"] = TIMEOUT
        return original_send(self, request, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
        mp.setattr(xero.auth, "XERO_OAUTH2_TOKEN_URL", emulator.token_url)
        mp.setattr(xero.auth, "XERO_OAUTH2_AUTHORIZE_URL", info(emulator)["authorize_url"])
        mp.setattr(requests.Session, "send", send)
        yield seen


@pytest.fixture(scope="module")
def creds(emulator: RunningEmulator, wire: Wire) -> OAuth2Credentials:
    """Credentials from pyxero's own code flow: generate_url, consent, verify."""
    app = info(emulator)
    credentials = OAuth2Credentials(app["client_id"], app["client_secret"],
                                    callback_uri=app["redirect_uris"][0], scope=SCOPES)
    credentials.base_url = emulator.base_url
    url = credentials.generate_url()
    assert url.startswith(app["authorize_url"] + "?")
    consent = requests.get(url + "&auto_consent=1", allow_redirects=False, timeout=TIMEOUT)
    assert consent.status_code == 302, consent.text
    callback = consent.headers["Location"]
    assert callback.startswith(app["redirect_uris"][0] + "?code=")
    credentials.verify(callback)
    credentials.set_default_tenant()
    return credentials


@pytest.fixture(scope="module")
def client(creds: OAuth2Credentials) -> Xero:
    """The pyxero facade, built after base_url was redirected."""
    return Xero(creds)


def org_state(emulator: RunningEmulator) -> Org:
    """The seeded organisation's live state."""
    org = emulator.emulator.default_org
    assert org is not None
    return org


def advance_clock(emulator: RunningEmulator, seconds: float) -> dt.datetime:
    """Move emulator time forward through the control plane; returns the new now."""
    resp = httpx.post(emulator.base_url + "/_emulator/clock",
                      json={"advance_seconds": seconds}, timeout=TIMEOUT)
    resp.raise_for_status()
    return dt.datetime.fromisoformat(resp.json()["now"])


def money(value: Any) -> float:
    """pyxero leaves JSON numbers as floats; the emulator keeps Decimals."""
    return float(Decimal(str(value)))


# ---- identity --------------------------------------------------------------------------------

def test_code_flow_token_and_tenants(emulator: RunningEmulator,
                                     creds: OAuth2Credentials) -> None:
    token = creds.token
    assert token["token_type"] == "Bearer"
    assert token["refresh_token"]
    assert set(token["scope"]) == set(SCOPES)
    assert not creds.expired()
    tenants = creds.get_tenants()
    assert [t["tenantId"] for t in tenants] == [info(emulator)["tenant_id"]]
    assert tenants[0]["tenantType"] == "ORGANISATION"
    assert tenants[0]["tenantName"] == "Harbourside Joinery Ltd"
    assert creds.tenant_id == info(emulator)["tenant_id"]


def test_refresh_uses_basic_auth_and_rotates(emulator: RunningEmulator,
                                             creds: OAuth2Credentials, client: Xero,
                                             wire: Wire) -> None:
    app = info(emulator)
    before = dict(creds.token)
    wire.sent.clear()
    token = creds.refresh()
    posts = wire.to(emulator.token_url)
    assert len(posts) == 1
    auth = str(posts[0].headers["Authorization"])
    assert auth.startswith("Basic ")
    assert base64.b64decode(auth[6:]).decode() == f"{app['client_id']}:{app['client_secret']}"
    body = str(posts[0].body)
    assert "grant_type=refresh_token" in body
    assert token["access_token"] != before["access_token"]
    assert token["refresh_token"] != before["refresh_token"]
    assert creds.token is token
    # the managers read credentials.oauth per call, so the new token is used from now on
    assert client.organisations.all(timeout=TIMEOUT)[0]["Name"] == "Harbourside Joinery Ltd"
    assert wire.sent[-1].headers["Authorization"] == f"Bearer {token['access_token']}"


# ---- organisation ----------------------------------------------------------------------------

def test_organisations_plural_path(client: Xero, wire: Wire) -> None:
    orgs = client.organisations.all(timeout=TIMEOUT)
    assert wire.sent[-1].path_url.endswith("/api.xro/2.0/Organisations")
    assert len(orgs) == 1
    org = orgs[0]
    assert org["Name"] == "Harbourside Joinery Ltd"
    assert org["CountryCode"] == "NZ" and org["BaseCurrency"] == "NZD"
    assert org["PaysTax"] is True
    assert isinstance(org["CreatedDateUTC"], dt.datetime)
    assert isinstance(org["FinancialYearEndMonth"], int)


# ---- contacts --------------------------------------------------------------------------------

def test_contacts_all(emulator: RunningEmulator, client: Xero) -> None:
    expected = {c["ContactID"] for c in org_state(emulator).contacts.values()
                if c["ContactStatus"] != "ARCHIVED"}
    contacts = client.contacts.all(timeout=TIMEOUT)
    assert {c["ContactID"] for c in contacts} == expected
    for contact in contacts:
        assert isinstance(contact["UpdatedDateUTC"], dt.datetime)
        assert contact["UpdatedDateUTC"].tzinfo is not None
        assert isinstance(contact["IsCustomer"], bool)
        assert contact["ContactStatus"] in ("ACTIVE", "ARCHIVED")


def test_contacts_filter_name_contains(emulator: RunningEmulator, client: Xero,
                                       wire: Wire) -> None:
    found = client.contacts.filter(Name__contains="Harbour", timeout=TIMEOUT)
    assert 'Name.contains("Harbour")' in unquote(wire.sent[-1].url or "")
    expected = {c["ContactID"] for c in org_state(emulator).contacts.values()
                if "Harbour" in c["Name"] and c["ContactStatus"] != "ARCHIVED"}
    assert expected, "the demo seed should have a contact named Harbour…"
    assert {c["ContactID"] for c in found} == expected


def test_contact_put_get_save(emulator: RunningEmulator, client: Xero, wire: Wire) -> None:
    created = client.contacts.put({
        "Name": "Pyxero Joinery Client", "EmailAddress": "first@pyxero.example",
        "FirstName": "Ana", "Addresses": [{"AddressType": "STREET", "City": "Nelson"}],
        "Phones": [{"PhoneType": "MOBILE", "PhoneNumber": "5551234"}],
    }, timeout=TIMEOUT)
    sent = wire.sent[-1]
    assert sent.method == "PUT" and sent.headers["Content-Type"] == "application/xml"
    assert isinstance(sent.body, bytes) and sent.body.startswith(b"<Contact>")
    assert b"<Addresses><Address>" in sent.body
    assert len(created) == 1 and created[0]["StatusAttributeString"] == "OK"
    contact_id = created[0]["ContactID"]
    stored = org_state(emulator).contacts[contact_id]
    assert stored["Addresses"][0]["City"] == "Nelson"
    assert stored["Phones"][0]["PhoneNumber"] == "5551234"

    fetched = client.contacts.get(contact_id, timeout=TIMEOUT)
    assert fetched[0]["Name"] == "Pyxero Joinery Client"
    first_stamp = fetched[0]["UpdatedDateUTC"]

    advance_clock(emulator, 5)
    record = dict(fetched[0], EmailAddress="second@pyxero.example")
    saved = client.contacts.save(record, timeout=TIMEOUT)
    assert wire.sent[-1].method == "POST"
    assert saved[0]["ContactID"] == contact_id
    assert saved[0]["EmailAddress"] == "second@pyxero.example"
    again = client.contacts.get(contact_id, timeout=TIMEOUT)[0]
    assert again["EmailAddress"] == "second@pyxero.example"
    assert again["UpdatedDateUTC"] > first_stamp


def test_contacts_filter_since_sends_rfc1123(emulator: RunningEmulator, client: Xero,
                                             wire: Wire) -> None:
    cutoff = advance_clock(emulator, 120).replace(microsecond=0, tzinfo=None)
    advance_clock(emulator, 2)
    created = client.contacts.put({"Name": "Pyxero Since Ltd"}, timeout=TIMEOUT)
    changed = client.contacts.filter(since=cutoff, timeout=TIMEOUT)
    assert wire.sent[-1].headers["If-Modified-Since"] == cutoff.strftime(
        "%a, %d %b %Y %H:%M:%S GMT")
    assert [c["ContactID"] for c in changed] == [created[0]["ContactID"]]


def test_contact_errors(emulator: RunningEmulator, client: Xero) -> None:
    with pytest.raises(XeroNotFound):
        client.contacts.get("00000000-0000-0000-0000-000000000001", timeout=TIMEOUT)
    taken = next(iter(org_state(emulator).contacts.values()))["Name"]
    with pytest.raises(XeroBadRequest) as caught:
        client.contacts.put({"Name": taken}, timeout=TIMEOUT)
    assert caught.value.errors, "pyxero reads Elements[].ValidationErrors[].Message"
    assert "already assigned to another contact" in caught.value.errors[0]


# ---- invoices --------------------------------------------------------------------------------

def test_invoices_filter_status(emulator: RunningEmulator, client: Xero, wire: Wire) -> None:
    found = client.invoices.filter(Status="AUTHORISED", timeout=TIMEOUT)
    assert 'Status=="AUTHORISED"' in unquote(wire.sent[-1].url or "")
    state = org_state(emulator).invoices
    expected = {i["InvoiceID"] for i in state.values() if i["Status"] == "AUTHORISED"}
    assert {i["InvoiceID"] for i in found} == expected
    for inv in found:
        stored = state[inv["InvoiceID"]]
        assert inv["Status"] == "AUTHORISED"
        assert isinstance(inv["Total"], float) and inv["Total"] == money(stored["Total"])
        assert inv["AmountDue"] == money(stored["AmountDue"])
        assert isinstance(inv["Date"], dt.datetime) and inv["Date"].date() == stored["Date"]
        assert inv["DueDate"].date() == stored["DueDate"]
        assert isinstance(inv["UpdatedDateUTC"], dt.datetime)
        assert inv["DateString"] == stored["Date"]  # `YYYY-MM-DDT00:00:00` parses as a date


def test_invoices_filter_contact_id(emulator: RunningEmulator, client: Xero,
                                    wire: Wire) -> None:
    state = org_state(emulator).invoices
    contact_id = next(i for i in state.values() if i["Type"] == "ACCREC")["Contact"]["ContactID"]
    found = client.invoices.filter(Contact_ContactID=contact_id, timeout=TIMEOUT)
    url = unquote(wire.sent[-1].url or "")
    assert f'Contact.ContactID==Guid("{contact_id}")' in url
    expected = {i["InvoiceID"] for i in state.values()
                if i["Contact"]["ContactID"] == contact_id and i["Status"] != "DELETED"}
    assert expected and {i["InvoiceID"] for i in found} == expected


def test_invoices_pages(emulator: RunningEmulator, client: Xero) -> None:
    visible = [i for i in org_state(emulator).invoices.values() if i["Status"] != "DELETED"]
    first = client.invoices.filter(page=1, timeout=TIMEOUT)
    assert len(first) == 100
    assert all("LineItems" in i for i in first), "paged lists carry line items"
    pages, page = [first], 2
    while len(pages[-1]) == 100:
        pages.append(client.invoices.filter(page=page, timeout=TIMEOUT))
        page += 1
    ids = [i["InvoiceID"] for p in pages for i in p]
    assert len(ids) == len(set(ids)) == len(visible)


def _create_invoice(client: Xero, contact_id: str) -> dict[str, Any]:
    created = client.invoices.put({
        "Type": "ACCREC", "Contact": {"ContactID": contact_id},
        "Date": dt.date(2026, 11, 2), "DueDate": dt.date(2026, 12, 2),
        "LineAmountTypes": "Exclusive", "Status": "DRAFT", "Reference": "PX-DRAFT",
        "LineItems": [
            {"Description": "Oak dining table", "Quantity": 2, "UnitAmount": "450.00",
             "AccountCode": "200", "TaxType": "OUTPUT2"},
            {"Description": "Delivery", "Quantity": 1, "UnitAmount": "80.50",
             "AccountCode": "200", "TaxType": "OUTPUT2"},
        ],
    }, timeout=TIMEOUT)
    assert len(created) == 1 and created[0]["StatusAttributeString"] == "OK", created
    return dict(created[0])


@pytest.fixture(scope="module")
def new_contact_id(client: Xero) -> str:
    """A contact of this module's own, for documents and reports."""
    created = client.contacts.put({"Name": "Pyxero Ledger Customer",
                                   "EmailAddress": "ledger@pyxero.example"}, timeout=TIMEOUT)
    return str(created[0]["ContactID"])


def test_invoice_put_save_payment_history(emulator: RunningEmulator, client: Xero,
                                          wire: Wire, new_contact_id: str) -> None:
    invoice = _create_invoice(client, new_contact_id)
    body = wire.sent[-1].body
    assert isinstance(body, bytes) and body.startswith(b"<Invoice>")
    assert b"<LineItems><LineItem>" in body and b"<Date>2026-11-02T00:00:00</Date>" in body
    assert invoice["Status"] == "DRAFT"
    assert (invoice["SubTotal"], invoice["TotalTax"], invoice["Total"]) == (980.5, 147.08, 1127.58)
    assert [li["LineAmount"] for li in invoice["LineItems"]] == [900.0, 80.5]
    assert invoice["Date"] == dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
    invoice_id = invoice["InvoiceID"]
    assert invoice["InvoiceNumber"] == org_state(emulator).invoices[invoice_id]["InvoiceNumber"]

    # save: approve it and change the reference (XML POST, the parsed record sent back)
    saved = client.invoices.save(dict(invoice, Status="AUTHORISED", Reference="PX-1"),
                                 timeout=TIMEOUT)
    assert saved[0]["Status"] == "AUTHORISED" and saved[0]["Reference"] == "PX-1"
    stored = org_state(emulator).invoices[invoice_id]
    assert stored["Status"] == "AUTHORISED" and stored["AmountDue"] == Decimal("1127.58")

    # pay part of it, then delete the payment (pyxero POSTs <Payment><Status>DELETED…)
    paid = client.payments.put({"Invoice": {"InvoiceID": invoice_id},
                                "Account": {"Code": "090"}, "Date": dt.date(2026, 11, 10),
                                "Amount": "127.58", "Reference": "PX part"}, timeout=TIMEOUT)
    payment = paid[0]
    assert payment["Status"] == "AUTHORISED" and payment["Amount"] == 127.58
    assert payment["PaymentType"] == "ACCRECPAYMENT"
    assert payment["Date"] == dt.datetime(2026, 11, 10, tzinfo=dt.UTC)
    assert client.invoices.get(invoice_id, timeout=TIMEOUT)[0]["AmountDue"] == 1000.0

    deleted = client.payments.delete(payment["PaymentID"], timeout=TIMEOUT)
    sent = wire.sent[-1]
    assert sent.method == "POST" and sent.body == b"<Payment><Status>DELETED</Status></Payment>"
    assert deleted[0]["Status"] == "DELETED"
    after = client.invoices.get(invoice_id, timeout=TIMEOUT)[0]
    assert after["AmountDue"] == 1127.58 and after["AmountPaid"] == 0.0

    # history: lower-case `history/` with a trailing slash, and a note through put_history
    client.invoices.put_history(invoice_id, "Called the customer about the balance",
                                timeout=TIMEOUT)
    history = client.invoices.get_history(invoice_id, timeout=TIMEOUT)
    assert wire.sent[-1].path_url.endswith(f"/Invoices/{invoice_id}/history/")
    records = history["HistoryRecords"]
    assert any(r["Details"] == "Called the customer about the balance" for r in records)
    assert {"Created", "Approved"} <= {r["Changes"] for r in records}
    assert all(isinstance(r["DateUTC"], dt.datetime) for r in records)


def test_invoice_validation_error(client: Xero, new_contact_id: str) -> None:
    with pytest.raises(XeroBadRequest) as caught:
        client.invoices.put({"Type": "ACCREC", "Contact": {"ContactID": new_contact_id},
                             "LineItems": [{"Description": "x", "Quantity": 1,
                                            "UnitAmount": 1, "AccountCode": "NOPE"}]},
                            timeout=TIMEOUT)
    assert caught.value.errors
    assert str(caught.value).startswith("ValidationException: ")


# ---- reports ---------------------------------------------------------------------------------

def _rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for row in report["Rows"]:
        out.append(row)
        out.extend(row.get("Rows", []))
    return out


def _summary(report: dict[str, Any], label: str) -> str:
    for row in _rows(report):
        cells = row.get("Cells", [])
        if row["RowType"] == "SummaryRow" and cells and cells[0]["Value"] == label:
            return str(cells[-1]["Value"])
    raise AssertionError(f"no summary row {label!r}")


def test_reports(emulator: RunningEmulator, client: Xero, new_contact_id: str) -> None:
    balance = client.reports.get("BalanceSheet", params={"date": "2026-10-31"},
                                 timeout=TIMEOUT)[0]
    assert balance["ReportType"] == "BalanceSheet"
    assert balance["ReportTitles"][1] == "Harbourside Joinery Ltd"
    assert balance["Rows"][0]["RowType"] == "Header"
    assert Decimal(_summary(balance, "Total Assets")) > 0

    pnl = client.reports.get("ProfitAndLoss",
                             params={"fromDate": "2026-01-01", "toDate": "2026-10-31"},
                             timeout=TIMEOUT)[0]
    assert pnl["ReportType"] == "ProfitAndLoss"
    assert "1 January 2026 to 31 October 2026" in pnl["ReportTitles"]
    assert Decimal(_summary(pnl, "Total Income")) > 0

    trial = client.reports.get("TrialBalance", params={"date": "2026-10-31"},
                               timeout=TIMEOUT)[0]
    assert trial["ReportType"] == "TrialBalance"
    totals = next(r for r in _rows(trial) if r["RowType"] == "SummaryRow")
    debit, credit = (Decimal(c["Value"]) for c in totals["Cells"][1:3])
    assert debit == credit, "a trial balance balances"

    invoice = _create_invoice(client, new_contact_id)
    client.invoices.save({"InvoiceID": invoice["InvoiceID"], "Status": "AUTHORISED"},
                         timeout=TIMEOUT)
    aged = client.reports.get("AgedReceivablesByContact",
                              params={"contactID": new_contact_id}, timeout=TIMEOUT)[0]
    assert aged["ReportType"] == "AgedReceivablesByContact"
    assert "Pyxero Ledger Customer" in aged["ReportTitles"]
    cells = [[c["Value"] for c in r.get("Cells", [])] for r in _rows(aged)]
    line = next(c for c in cells if invoice["InvoiceNumber"] in c)
    assert "1127.58" in line
