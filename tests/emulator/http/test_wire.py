"""Wire conventions over HTTP: envelope, dates, paging, If-Modified-Since, query forms, errors."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from ledgerlink.emulator.core.server import RunningEmulator
from tests.emulator.http.support import (
    MS_DATE,
    api_client,
    body,
    contact,
    invoice,
    new_tenant,
    ok,
    sale,
    set_clock,
)

NOT_FOUND = "The resource you're looking for cannot be found"


@contextmanager
def clock_at(ctl: httpx.Client, when: datetime) -> Iterator[None]:
    """Run a block with the emulator clock at an instant, then go back to real time."""
    set_clock(ctl, when)
    try:
        yield
    finally:
        ctl.post("/_emulator/clock", json={"reset": True})


def names(data: dict[str, Any]) -> list[str]:
    """The Names of a Contacts response, in order."""
    return [c["Name"] for c in data["Contacts"]]


# ---- envelope and dates ---------------------------------------------------------------------
def test_envelope_keys(api: httpx.Client) -> None:
    contact(api, "Envelope Ltd")
    response = api.get("/Contacts")
    data = ok(response)
    assert list(data)[:4] == ["Id", "Status", "ProviderName", "DateTimeUTC"]
    assert data["Status"] == "OK"
    assert data["ProviderName"] == "ledgerlink demo"
    assert uuid.UUID(data["Id"])
    assert data["Id"] == response.headers["Xero-Correlation-Id"]
    assert re.fullmatch(r"/Date\(\d+\)/", data["DateTimeUTC"])  # no offset on the envelope
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    empty = ok(api.get("/RepeatingInvoices"))
    assert empty["RepeatingInvoices"] == []


def test_single_get_is_a_one_element_list(api: httpx.Client) -> None:
    cid = contact(api, "Single Get Ltd")
    data = ok(api.get(f"/Contacts/{cid}"))
    assert [c["ContactID"] for c in data["Contacts"]] == [cid]


@pytest.mark.parametrize("form", ["/Date(1602288000000+0000)/", "2020-10-10",
                                  "2020-10-10T00:00:00", "/Date(1602288000000)/"])
def test_dates_in_any_client_form_come_back_as_ms_dates(api: httpx.Client, form: str) -> None:
    cid = contact(api, f"Date Form {form} Ltd")
    inv = invoice(api, cid, [sale(10)], status="DRAFT", Date=form, DueDate="2020-11-09")
    # 2020-10-10T00:00:00Z is 1602288000 s after the epoch.
    assert inv["Date"] == "/Date(1602288000000+0000)/"
    assert inv["DateString"] == "2020-10-10T00:00:00"
    assert inv["DueDate"] == "/Date(1604880000000+0000)/"  # 2020-11-09, 30 days later
    assert inv["DueDateString"] == "2020-11-09T00:00:00"
    assert re.fullmatch(MS_DATE, inv["UpdatedDateUTC"])


def test_amounts_are_json_numbers(api: httpx.Client) -> None:
    cid = contact(api, "Numbers Ltd")
    inv = invoice(api, cid, [sale(12.5, quantity=2)], status="DRAFT")
    raw = api.get(f"/Invoices/{inv['InvoiceID']}").json()["Invoices"][0]
    assert isinstance(raw["Total"], int | float) and raw["Total"] == 28.75  # 25.00 + 3.75
    assert isinstance(raw["LineItems"][0]["Quantity"], int | float)
    assert raw["HasAttachments"] is False


# ---- paging ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def crowded(emulator: RunningEmulator, ctl: httpx.Client,
            info: dict[str, Any]) -> Iterator[httpx.Client]:
    """An organisation of exactly 1,200 contacts, created in batches of 50."""
    tenant_id, token = new_tenant(ctl, info["client_id"], name="Crowded Ltd")
    with api_client(emulator, token["access_token"], tenant_id) as api:
        for batch in range(24):
            elements = [{"Name": f"Crowd {batch * 50 + i:04d}"} for i in range(50)]
            assert len(ok(api.put("/Contacts", json={"Contacts": elements}))["Contacts"]) == 50
        yield api


def test_page_size_is_capped_at_1000(crowded: httpx.Client) -> None:
    first = ok(crowded.get("/Contacts", params={"page": 1, "pageSize": 1500}))
    assert first["pagination"] == {"page": 1, "pageSize": 1000, "pageCount": 2,
                                   "itemCount": 1200}
    assert len(first["Contacts"]) == 1000
    second = ok(crowded.get("/Contacts", params={"page": 2, "pageSize": 1500}))
    assert second["pagination"]["page"] == 2
    assert len(second["Contacts"]) == 200
    everyone = names(first) + names(second)
    assert everyone == [f"Crowd {i:04d}" for i in range(1200)]  # Name order, no overlap


def test_default_page_is_100(crowded: httpx.Client) -> None:
    data = ok(crowded.get("/Contacts", params={"page": 3}))
    assert data["pagination"] == {"page": 3, "pageSize": 100, "pageCount": 12,
                                  "itemCount": 1200}
    assert names(data) == [f"Crowd {i:04d}" for i in range(200, 300)]
    past = ok(crowded.get("/Contacts", params={"page": 13}))
    assert past["Contacts"] == []


def test_unpaged_list_has_no_pagination(crowded: httpx.Client) -> None:
    data = ok(crowded.get("/Contacts"))
    assert "pagination" not in data
    assert len(data["Contacts"]) == 1200


# ---- If-Modified-Since ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def dated_contacts(api: httpx.Client, ctl: httpx.Client) -> None:
    """Contacts last changed at known instants around the three header values used below."""
    for name, when in (("IMS Old", datetime(2019, 12, 31, 12, 0, tzinfo=UTC)),
                       ("IMS Mid", datetime(2020, 1, 15, 9, 0, tzinfo=UTC)),
                       ("IMS Edge", datetime(2020, 2, 6, 16, 0, tzinfo=UTC)),
                       ("IMS New", datetime(2020, 2, 10, 9, 0, tzinfo=UTC))):
        with clock_at(ctl, when):
            contact(api, name)


@pytest.mark.parametrize(("header", "expected"), [
    # tap-xero's bookmark: everything after 1 Jan 2020 00:00 UTC.
    ("2020-01-01T00:00:00Z", ["IMS Edge", "IMS Mid", "IMS New"]),
    # pyxero's RFC 1123: after 6 Feb 12:17:43 UTC, so 16:00 UTC counts.
    ("Tue, 06 Feb 2020 12:17:43 GMT", ["IMS Edge", "IMS New"]),
    # xero-python's isoformat: 12:17:43.202 at -08:00 is 20:17:43.202 UTC, after 16:00.
    ("2020-02-06T12:17:43.202000-08:00", ["IMS New"]),
])
def test_if_modified_since_in_each_client_format(api: httpx.Client, dated_contacts: None,
                                                 header: str, expected: list[str]) -> None:
    data = ok(api.get("/Contacts", params={"searchTerm": "IMS "},
                      headers={"If-Modified-Since": header}))
    assert sorted(names(data)) == expected


def test_if_modified_since_rejects_nonsense(api: httpx.Client) -> None:
    response = api.get("/Contacts", headers={"If-Modified-Since": "yesterday-ish"})
    assert response.status_code == 400


# ---- where and order ------------------------------------------------------------------------
def test_where_forms_of_the_three_clients(api: httpx.Client, dated_contacts: None) -> None:
    old = ok(api.get("/Contacts", params={"searchTerm": "IMS Old"}))["Contacts"][0]
    forms = {
        'Name=="IMS Mid"': ["IMS Mid"],  # xero-python, spec example style
        'Name.StartsWith("IMS") AND Name.EndsWith("w")': ["IMS New"],
        'Name.contains("IMS E")&&ContactStatus=="ACTIVE"': ["IMS Edge"],  # pyxero
        f'ContactID==Guid("{old["ContactID"]}")': ["IMS Old"],  # pyxero GUID form
        f'ContactID==GUID("{old["ContactID"].upper()}")': ["IMS Old"],
        'Name=="IMS Old" OR Name=="IMS New"': ["IMS New", "IMS Old"],
        'Name=="IMS Old" || Name=="IMS Mid"': ["IMS Mid", "IMS Old"],
    }
    for where, expected in forms.items():
        data = ok(api.get("/Contacts", params={"where": where}))
        assert sorted(names(data)) == expected, where


def test_order_forms(api: httpx.Client, dated_contacts: None) -> None:
    by_update = ok(api.get("/Contacts", params={"where": 'Name.StartsWith("IMS")',
                                               "order": "UpdatedDateUTC ASC"}))
    assert names(by_update) == ["IMS Old", "IMS Mid", "IMS Edge", "IMS New"]  # tap-xero
    by_name = ok(api.get("/Contacts", params={"where": 'Name.StartsWith("IMS")',
                                             "order": "Name DESC"}))
    assert names(by_name) == ["IMS Old", "IMS New", "IMS Mid", "IMS Edge"]


def test_where_on_invoices_with_dates_and_status(api: httpx.Client) -> None:
    cid = contact(api, "Where Invoices Ltd")
    early = invoice(api, cid, [sale(1)], Date="2021-03-01", DueDate="2021-03-31")
    late = invoice(api, cid, [sale(2)], Date="2021-04-01", DueDate="2021-04-30")
    invoice(api, cid, [sale(3)], status="DRAFT", Date="2021-04-02")
    where = (f'Contact.ContactID==Guid("{cid}") AND Status=="AUTHORISED" '
             'AND Date>=DateTime(2021,04,01)')
    data = ok(api.get("/Invoices", params={"where": where}))
    assert [i["InvoiceID"] for i in data["Invoices"]] == [late["InvoiceID"]]
    ordered = ok(api.get("/Invoices", params={"where": f'Contact.ContactID==Guid("{cid}")',
                                             "order": "Date DESC"}))
    assert [i["InvoiceID"] for i in ordered["Invoices"]][1:] == [late["InvoiceID"],
                                                                early["InvoiceID"]]


def test_bad_where_is_a_400(api: httpx.Client) -> None:
    response = api.get("/Contacts", params={"where": 'Name=="unclosed'})
    assert response.status_code == 400
    assert body(response) == {"ErrorNumber": 16, "Type": "QueryParseException",
                              "Message": "Unterminated string literal"}


# ---- paths, GUIDs and booleans --------------------------------------------------------------
def test_paths_are_case_insensitive_and_tolerate_trailing_slashes(
        emulator: RunningEmulator, api: httpx.Client) -> None:
    cid = contact(api, "Path Case Ltd")
    for path in ("/Invoices", "/invoices", "/INVOICES", "/Contacts/", "/CONTACTS",
                 f"/contacts/{cid}/", f"/Contacts/{cid}/history/", "/Organisations",
                 "/organisation"):
        assert api.get(path).status_code == 200, path
    absolute = api.get(f"{emulator.base_url}/API.XRO/2.0/Contacts/{cid}")
    assert absolute.status_code == 200


def test_guids_with_and_without_hyphens(api: httpx.Client) -> None:
    first, second = contact(api, "Guid One Ltd"), contact(api, "Guid Two Ltd")
    hexed = uuid.UUID(first).hex
    assert ok(api.get(f"/Contacts/{hexed}"))["Contacts"][0]["ContactID"] == first
    assert ok(api.get(f"/Contacts/{first.upper()}"))["Contacts"][0]["ContactID"] == first
    both = ok(api.get("/Contacts", params={"IDs": f"{hexed},{second}"}))
    assert sorted(c["ContactID"] for c in both["Contacts"]) == sorted([first, second])
    bad = api.get("/Contacts", params={"IDs": "not-a-guid"})
    assert bad.status_code == 400


@pytest.mark.parametrize(("spelling", "name"), [
    ("True", "Archived Python Ltd"), ("true", "Archived Pyxero Ltd"),
    ("TRUE", "Archived Shouting Ltd"), ("1", "Archived Digit Ltd")])
def test_booleans_in_any_case(api: httpx.Client, spelling: str, name: str) -> None:
    cid = contact(api, name)
    ok(api.post(f"/Contacts/{cid}", json={"Contacts": [{"ContactStatus": "ARCHIVED"}]}))
    hidden = ok(api.get("/Contacts", params={"searchTerm": name}))
    assert hidden["Contacts"] == []
    shown = ok(api.get("/Contacts", params={"searchTerm": name, "includeArchived": spelling}))
    assert names(shown) == [name]
    light = ok(api.get("/Contacts", params={"searchTerm": name, "includeArchived": spelling,
                                           "summaryOnly": spelling}))
    assert "Addresses" not in light["Contacts"][0]


def test_nonsense_boolean_is_a_400(api: httpx.Client) -> None:
    assert api.get("/Contacts", params={"includeArchived": "maybe"}).status_code == 400


# ---- auth and errors ------------------------------------------------------------------------
def test_expired_token_gets_the_live_401_body(emulator: RunningEmulator, ctl: httpx.Client,
                                              info: dict[str, Any]) -> None:
    token = ctl.post("/_emulator/connect", json={"client_id": info["client_id"],
                                                 "tenant_ids": [info["tenant_id"]]}).json()
    assert token["expires_in"] == 1800
    with api_client(emulator, token["access_token"], info["tenant_id"]) as fresh:
        assert fresh.get("/Organisation").status_code == 200
        ok(ctl.post("/_emulator/clock", json={"advance_seconds": 1801}))
        try:
            response = fresh.get("/Organisation")
        finally:
            ctl.post("/_emulator/clock", json={"advance_seconds": -1801})
    assert response.status_code == 401
    data = response.json()
    assert data["Type"] is None
    assert data["Title"] == "Unauthorized"
    assert data["Status"] == 401
    assert re.fullmatch(r"TokenExpired: token expired at \d\d/\d\d/\d{4} \d\d:\d\d:\d\d",
                        data["Detail"])


def test_missing_or_forged_token_is_401(emulator: RunningEmulator,
                                        info: dict[str, Any]) -> None:
    with api_client(emulator, "forged", info["tenant_id"]) as forged:
        response = forged.get("/Contacts")
    assert response.status_code == 401
    assert response.json()["Detail"] == "TokenInvalid"


def test_unconnected_tenant_is_403(api: httpx.Client, ctl: httpx.Client) -> None:
    other = ctl.post("/_emulator/tenants", json={"seed": "empty", "name": "Not Mine"}).json()
    for tenant in (other["tenant_id"], str(uuid.uuid4())):
        response = api.get("/Contacts", headers={"xero-tenant-id": tenant})
        assert response.status_code == 403
        assert response.json() == {"Type": None, "Title": "Forbidden", "Status": 403,
                                   "Detail": "AuthenticationUnsuccessful"}


def test_custom_connection_resolves_an_empty_tenant_header(
        emulator: RunningEmulator, ctl: httpx.Client, info: dict[str, Any]) -> None:
    token = ctl.post("/connect/token", data={
        "grant_type": "client_credentials", "client_id": info["custom_client_id"],
        "client_secret": info["custom_client_secret"]}).json()
    assert set(token) == {"access_token", "expires_in", "token_type", "scope"}
    with api_client(emulator, token["access_token"], "") as custom:
        data = ok(custom.get("/Organisation"))
    assert data["Organisations"][0]["OrganisationID"] == info["tenant_id"]


def test_404_is_plain_text(api: httpx.Client) -> None:
    for path in (f"/Invoices/{uuid.uuid4()}", "/NoSuchThing", f"/Contacts/{uuid.uuid4()}"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
        assert response.text == NOT_FOUND


def test_405_for_a_known_path_with_another_method(api: httpx.Client) -> None:
    assert api.delete("/Invoices").status_code == 405
    assert api.patch("/Contacts").status_code == 405


# ---- idempotency ----------------------------------------------------------------------------
def new_invoice_body(cid: str, reference: str, amount: float = 10) -> dict[str, Any]:
    """An invoice create body tagged with a Reference to count copies by."""
    return {"Invoices": [{"Type": "ACCREC", "Contact": {"ContactID": cid},
                          "Reference": reference, "LineItems": [sale(amount)]}]}


def count_reference(api: httpx.Client, reference: str) -> int:
    """How many invoices carry a Reference."""
    return len(ok(api.get("/Invoices", params={"searchTerm": reference}))["Invoices"])


def test_same_idempotency_key_replays_the_stored_answer(api: httpx.Client) -> None:
    cid = contact(api, "Idempotent Ltd")
    key = uuid.uuid4().hex * 4  # Xero's recommended 128-character key
    payload = new_invoice_body(cid, "IDEM-ONCE")
    first = api.put("/Invoices", json=payload, headers={"Idempotency-Key": key})
    second = api.put("/Invoices", json=payload, headers={"Idempotency-Key": key})
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert count_reference(api, "IDEM-ONCE") == 1
    changed = api.put("/Invoices", json=new_invoice_body(cid, "IDEM-ONCE", 11),
                      headers={"Idempotency-Key": key})
    assert changed.status_code == 400
    assert changed.json()["Type"] is None
    as_post = api.post("/Invoices", json=payload, headers={"Idempotency-Key": key})
    assert as_post.status_code == 400
    assert count_reference(api, "IDEM-ONCE") == 1


def test_idempotency_key_longer_than_128_is_refused(api: httpx.Client) -> None:
    cid = contact(api, "Long Key Ltd")
    response = api.put("/Invoices", json=new_invoice_body(cid, "IDEM-LONG"),
                       headers={"Idempotency-Key": "k" * 129})
    assert response.status_code == 400
    assert count_reference(api, "IDEM-LONG") == 0


def test_without_a_key_a_repeat_creates_a_second_invoice(api: httpx.Client) -> None:
    cid = contact(api, "No Key Ltd")
    payload = new_invoice_body(cid, "IDEM-NONE")
    ok(api.put("/Invoices", json=payload))
    ok(api.put("/Invoices", json=payload))
    assert count_reference(api, "IDEM-NONE") == 2


# ---- PDF ------------------------------------------------------------------------------------
def test_invoice_pdf_by_accept_header_and_by_suffix(api: httpx.Client) -> None:
    cid = contact(api, "Pdf Ltd")
    inv = invoice(api, cid, [sale(99)], Date=date(2025, 1, 2).isoformat(),
                  DueDate="2025-02-01")
    by_accept = api.get(f"/Invoices/{inv['InvoiceID']}", headers={"Accept": "application/pdf"})
    by_suffix = api.get(f"/Invoices/{inv['InvoiceID']}/pdf")
    for response in (by_accept, by_suffix):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/pdf")
        assert response.content.startswith(b"%PDF")
    as_json = api.get(f"/Invoices/{inv['InvoiceID']}")
    assert as_json.headers["content-type"].startswith("application/json")
