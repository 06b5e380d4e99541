"""raise_for_xero maps the emulator's real error answers (over loopback) onto the error tree."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx2
import pytest

from ledgerlink.emulator.core.server import RunningEmulator
from ledgerlink.errors import (
    AuthError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    ProviderError,
    RateLimitedError,
    ServerError,
    ValidationError,
)
from ledgerlink.providers.xero.errors import guess_field, raise_for_xero
from ledgerlink.providers.xero.wire import dumps
from tests.providers.xero.conftest import connect

pytestmark = pytest.mark.timeout(60)
NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)


@pytest.fixture
def api(emulator: RunningEmulator, token: str, info: dict[str, Any]) -> Iterator[httpx2.Client]:
    """A bare client on the accounting API (no retries: we want Xero's first answer)."""
    with httpx2.Client(base_url=emulator.api_url, timeout=10.0, trust_env=False, headers={
            "Authorization": f"Bearer {token}", "xero-tenant-id": info["tenant_id"],
            "Accept": "application/json", "Content-Type": "application/json"}) as client:
        yield client


def _raised(response: httpx2.Response) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        raise_for_xero(response, now=NOW)
    return caught.value


def _open_invoice(emulator: RunningEmulator) -> dict[str, Any]:
    org = emulator.emulator.default_org
    assert org is not None
    return next(i for i in org.invoices.values()
                if i["Status"] == "AUTHORISED" and i["Type"] == "ACCREC" and i["AmountDue"] > 0)


@pytest.mark.parametrize(("message", "field"), [
    ("Invoice # must be unique.", "InvoiceNumber"),
    ("The contact name Acme Ltd is already assigned to another contact. The contact name must "
     "be unique across all active contacts.", "Name"),
    ("The contact number C-1 is already assigned to another contact.", "ContactNumber"),
    ("Payment amount exceeds the amount outstanding on this document", "Amount"),
    ("Payment Amount must be greater than zero.", "Amount"),
    ("The TaxType code 'XYZ' does not exist or cannot be used.", "TaxType"),
    ("Account code '999' is not a valid code for this document.", "AccountCode"),
    ("Item code 'NOPE' is not valid", "ItemCode"),
    ("Due Date cannot be earlier than the invoice date.", "DueDate"),
    ("CurrencyRate must be a number", "CurrencyRate"),
    ("Reference must not be more than 255 characters long", "Reference"),
    ("Email address must be valid.", "EmailAddress"),
    ("Please enter a unique Code.", "Code"),
    ("The Contact must contain at least 1 of the following elements to identify the contact: "
     "Name, ContactID, ContactNumber", "Contact"),
    ("Invoice not of valid status for modification", None),
    ("A validation exception occurred", None),
    ("Payments cannot be edited; only Status DELETED is accepted.", None),
])
def test_guess_field(message: str, field: str | None) -> None:
    assert guess_field(message) == field


def test_success_does_not_raise(api: httpx2.Client) -> None:
    response = api.get("/Organisation")
    assert response.status_code == 200
    raise_for_xero(response)


def test_validation_elements_become_field_problems(api: httpx2.Client,
                                                   emulator: RunningEmulator) -> None:
    taken = _open_invoice(emulator)["InvoiceNumber"]
    line = {"Description": "x", "Quantity": 1, "UnitAmount": Decimal("10.00"),
            "AccountCode": "200"}
    body = {"Invoices": [
        {"Type": "ACCREC", "Contact": {"Name": "Someone"}, "InvoiceNumber": taken,
         "LineItems": [line]},
        {"Type": "ACCREC", "Contact": {"Name": "Someone"}, "LineItems": [line]},
        {"Type": "ACCREC", "Contact": {"Name": "Someone"}, "LineItems": [line],
         "CurrencyRate": "lots"},
    ]}
    response = api.put("/Invoices", content=dumps(body))  # summarised: one bad, all refused
    assert response.status_code == 400
    error = _raised(response)
    assert isinstance(error, ValidationError)
    assert (error.provider_status, error.status) == (400, 422)
    assert [(p.field, p.item) for p in error.problems] == [("InvoiceNumber", 0),
                                                            ("CurrencyRate", 1)]
    assert error.problems[0].message == "Invoice # must be unique."
    assert error.field == "InvoiceNumber"
    assert error.message.startswith("Invoice # must be unique.")
    assert error.to_dict()["details"]["problems"][1]["item"] == 1


def test_contact_name_clash_names_the_field(api: httpx2.Client,
                                            emulator: RunningEmulator) -> None:
    org = emulator.emulator.default_org
    assert org is not None
    name = next(iter(org.contacts.values()))["Name"]
    error = _raised(api.put("/Contacts", content=dumps({"Contacts": [{"Name": name}]})))
    assert isinstance(error, ValidationError)
    assert error.problems[0].field == "Name" and "already assigned" in error.message


def test_payment_over_amount_due_names_amount(api: httpx2.Client,
                                              emulator: RunningEmulator) -> None:
    invoice = _open_invoice(emulator)
    payment = {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Account": {"Code": "090"},
               "Amount": invoice["AmountDue"] + Decimal("1000.00")}
    error = _raised(api.put("/Payments", content=dumps({"Payments": [payment]})))
    assert isinstance(error, ValidationError)
    assert error.problems[0].field == "Amount"
    assert error.problems[0].message.startswith("Payment amount exceeds")


def test_bad_request_without_elements(api: httpx2.Client) -> None:
    error = _raised(api.get("/Invoices", params={"where": 'Status=="PAID'}))
    assert type(error) is ValidationError
    assert "where" in error.message and error.problems[0].field is None
    assert error.message.endswith("Unterminated string literal")


def test_reused_idempotency_key_is_a_conflict(api: httpx2.Client) -> None:
    key = {"Idempotency-Key": "test-errors-clash"}
    first = api.put("/Contacts", content=dumps({"Contacts": [{"Name": "Clash One"}]}),
                    headers=key)
    assert first.status_code == 200
    raise_for_xero(first)
    second = api.put("/Contacts", content=dumps({"Contacts": [{"Name": "Clash Two"}]}),
                     headers=key)
    error = _raised(second)
    assert isinstance(error, ConflictError) and error.provider_status == 400
    assert "Idempotency" in error.message and error.status == 409


def test_unauthorised_carries_detail(api: httpx2.Client, control: httpx2.Client) -> None:
    error = _raised(api.get("/Organisation", headers={"Authorization": "Bearer nonsense"}))
    assert isinstance(error, AuthError) and "TokenInvalid" in error.message
    control.post("/_emulator/clock", json={"advance_seconds": 3600})
    expired = _raised(api.get("/Organisation"))
    assert isinstance(expired, AuthError) and "TokenExpired" in expired.message
    assert expired.provider_status == 401


def test_forbidden_for_an_unconnected_tenant(api: httpx2.Client, control: httpx2.Client) -> None:
    other = control.post("/_emulator/tenants", json={"name": "Not Consented"}).json()
    error = _raised(api.get("/Organisation", headers={"xero-tenant-id": other["tenant_id"]}))
    assert isinstance(error, ForbiddenError)
    assert (error.provider_status, error.status) == (403, 502)
    assert other["tenant_id"] in error.message
    assert error.details["detail"] == "AuthenticationUnsuccessful"


def test_forbidden_for_a_missing_scope(emulator: RunningEmulator, control: httpx2.Client,
                                       info: dict[str, Any]) -> None:
    token = connect(control, info["client_id"], scopes=["accounting.contacts.read"])
    with httpx2.Client(base_url=emulator.api_url, trust_env=False, headers={
            "Authorization": f"Bearer {token}", "xero-tenant-id": info["tenant_id"],
            "Accept": "application/json"}) as client:
        error = _raised(client.get("/Invoices"))
    assert isinstance(error, ForbiddenError) and "scope" in error.message


def test_not_found_keeps_xeros_text(api: httpx2.Client) -> None:
    error = _raised(api.get("/Invoices/00000000-0000-0000-0000-000000000001"))
    assert isinstance(error, NotFoundError) and error.provider_status == 404
    assert "cannot be found" in error.message


def test_minute_429(api: httpx2.Client, control: httpx2.Client) -> None:
    control.post("/_emulator/faults", json={"rate_429": 1.0})
    error = _raised(api.get("/Organisation"))
    assert isinstance(error, RateLimitedError) and error.problem == "minute"
    assert error.retry_at == NOW + timedelta(seconds=1)


def test_day_429_says_when_the_budget_returns(api: httpx2.Client,
                                              emulator: RunningEmulator) -> None:
    emulator.emulator.config.day_limit = 2  # read live by the emulator's limiter
    for _ in range(2):
        raise_for_xero(api.get("/Organisation"))
    response = api.get("/Organisation")
    assert response.status_code == 429
    wait = int(response.headers["Retry-After"])
    assert wait > 80_000  # the day window, not a minute
    error = _raised(response)
    assert isinstance(error, RateLimitedError) and error.problem == "day"
    assert error.retry_at == NOW + timedelta(seconds=wait)
    assert "daily" in error.message and error.retry_at.isoformat() in error.message


def test_server_errors(api: httpx2.Client, control: httpx2.Client) -> None:
    control.post("/_emulator/faults", json={"error_5xx": 1.0})
    error = _raised(api.get("/Organisation"))
    assert isinstance(error, ServerError) and error.provider_status == 503
    assert "temporarily unavailable" in error.message


def test_other_statuses_are_provider_errors(api: httpx2.Client) -> None:
    error = _raised(api.delete("/Invoices"))
    assert type(error) is ProviderError and error.provider_status == 405


def test_a_response_without_request_still_maps() -> None:
    bare = httpx2.Response(403, json={"Title": "Forbidden", "Detail": "AuthenticationUnsuccessful"})
    assert isinstance(_raised(bare), ForbiddenError)
    assert isinstance(_raised(httpx2.Response(404, text="gone")), NotFoundError)
    assert isinstance(_raised(httpx2.Response(409, text="busy")), ConflictError)
    dated = httpx2.Response(429, headers={"Retry-After": "Sun, 01 Jun 2025 12:05:00 GMT",
                                          "X-Rate-Limit-Problem": "appminute"})
    limited = _raised(dated)
    assert isinstance(limited, RateLimitedError)
    assert limited.retry_at == NOW + timedelta(minutes=5) and limited.problem == "appminute"
