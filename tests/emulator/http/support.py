"""Helpers for the loopback HTTP tests: clients, programmatic consent, documents and reports."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx

from ledgerlink.emulator.core.server import RunningEmulator

TIMEOUT = httpx.Timeout(10.0)
MS_DATE = r"^/Date\(\d+\+0000\)/$"


def control(handle: RunningEmulator) -> httpx.Client:
    """A client for the control plane and identity paths (no proxies from the environment)."""
    return httpx.Client(base_url=handle.base_url, timeout=TIMEOUT, trust_env=False)


def connect(ctl: httpx.Client, client_id: str, tenant_ids: list[str] | None = None,
            scopes: list[str] | None = None) -> dict[str, Any]:
    """Programmatic consent through POST /_emulator/connect: the token response."""
    body: dict[str, Any] = {"client_id": client_id}
    if tenant_ids is not None:
        body["tenant_ids"] = tenant_ids
    if scopes is not None:
        body["scopes"] = scopes
    response = ctl.post("/_emulator/connect", json=body)
    assert response.status_code == 200, response.text
    token: dict[str, Any] = response.json()
    return token


def api_client(handle: RunningEmulator, access_token: str, tenant_id: str,
               timeout: httpx.Timeout = TIMEOUT) -> httpx.Client:
    """A client for the accounting API with the bearer token and tenant header set."""
    return httpx.Client(base_url=handle.api_url, timeout=timeout, trust_env=False, headers={
        "Authorization": f"Bearer {access_token}", "xero-tenant-id": tenant_id,
        "Accept": "application/json"})


def new_tenant(ctl: httpx.Client, client_id: str, seed: str = "empty",
               name: str = "Hand Built Ltd") -> tuple[str, dict[str, Any]]:
    """A fresh organisation and a token connected to it."""
    created = ctl.post("/_emulator/tenants", json={"seed": seed, "name": name})
    assert created.status_code == 201, created.text
    tenant_id = str(created.json()["tenant_id"])
    return tenant_id, connect(ctl, client_id, [tenant_id])


def body(response: httpx.Response) -> Any:
    """A JSON body with numbers as Decimal (money never goes through float)."""
    return response.json(parse_float=Decimal)


def ok(response: httpx.Response, status: int = 200) -> Any:
    """The JSON body of a response that must have the given status."""
    assert response.status_code == status, f"{response.status_code}: {response.text[:2000]}"
    return body(response)


def money(value: Any) -> Decimal:
    """A wire amount as Decimal at 2 dp."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def ms_date(value: date | datetime) -> str:
    """Xero's `/Date(ms+0000)/` for a date (UTC midnight) or a timestamp."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return f"/Date({int(value.timestamp() * 1000)}+0000)/"


def contact(api: httpx.Client, name: str) -> str:
    """Create a contact and return its ContactID."""
    data = ok(api.put("/Contacts", json={"Contacts": [{"Name": name}]}))
    return str(data["Contacts"][0]["ContactID"])


def invoice(api: httpx.Client, contact_id: str, lines: list[dict[str, Any]],
            status: str = "AUTHORISED", inv_type: str = "ACCREC", **fields: Any) -> Any:
    """Create one invoice and return it as the API answered."""
    element = {"Type": inv_type, "Contact": {"ContactID": contact_id}, "LineItems": lines,
               "Status": status, **fields}
    return ok(api.put("/Invoices", json={"Invoices": [element]}))["Invoices"][0]


def sale(amount: float, quantity: float = 1, account: str = "200", tax: str = "OUTPUT2",
         **extra: Any) -> dict[str, Any]:
    """A line item (numbers as JSON numbers, as xero-python sends them)."""
    return {"Description": "Work", "Quantity": quantity, "UnitAmount": amount,
            "AccountCode": account, "TaxType": tax, **extra}


def pay(api: httpx.Client, invoice_id: str, amount: float, when: date | None = None,
        account: str = "090") -> httpx.Response:
    """Apply a payment (single unwrapped Payment, as xero-python sends it)."""
    element: dict[str, Any] = {"Invoice": {"InvoiceID": invoice_id}, "Account": {"Code": account},
                               "Amount": amount}
    if when is not None:
        element["Date"] = when.isoformat()
    return api.post("/Payments", json=element)


def get_invoice(api: httpx.Client, invoice_id: str) -> Any:
    """GET one invoice."""
    return ok(api.get(f"/Invoices/{invoice_id}"))["Invoices"][0]


def set_clock(ctl: httpx.Client, when: datetime) -> None:
    """Put the emulator clock at an instant."""
    response = ctl.post("/_emulator/clock", json={"set": when.isoformat()})
    assert response.status_code == 200, response.text


# ---- reports --------------------------------------------------------------------------------
def report_rows(report: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every row of a report with the title of the section it sits in ("" at top level)."""
    for top in report["Rows"]:
        if top["RowType"] == "Section":
            for inner in top.get("Rows", []):
                yield str(top.get("Title") or ""), inner
        else:
            yield "", top


def values(row: dict[str, Any]) -> list[str]:
    """A row's cell values."""
    return [str(c.get("Value", "")) for c in row["Cells"]]


def labelled(report: dict[str, Any], label: str) -> list[str]:
    """The cells after the label of the (first) row whose first cell is `label`."""
    for _, row in report_rows(report):
        cells = values(row)
        if cells and cells[0] == label:
            return cells[1:]
    raise AssertionError(f"no row labelled {label!r} in {report.get('ReportName')}")


def amount(cell: str) -> Decimal:
    """A report cell as Decimal ('' is zero)."""
    return Decimal(cell) if cell else Decimal("0.00")
