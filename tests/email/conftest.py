"""Invoice email fixtures: the hub (SQLite and PostgreSQL), the emulator, a real SMTP server."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from pydantic import SecretStr

from ledgerlink.config import Settings
from ledgerlink.db.crypto import SecretBox
from ledgerlink.db.models.integrations import Integration
from ledgerlink.emulator.core.config import EmulatorConfig
from ledgerlink.emulator.core.server import RunningEmulator, free_port, start_in_thread
from ledgerlink.http.budget import MemoryBudget, XeroLimits
from ledgerlink.http.client import ProviderHttp
from ledgerlink.http.retry import RetryPolicy
from ledgerlink.providers.xero.client import XeroClient
from tests.hub_fixtures import (  # noqa: F401
    client,
    database_url,
    hub,
    make_key,
    postgres_database,
)

SMTP_USER = "postmark-token-user"
SMTP_PASSWORD = "smtp-secret-7Qx9fZ2w"


@dataclass
class Mailbox:
    """What the local SMTP server received, and the logins it saw."""

    messages: list[Envelope] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session,  # aiosmtpd's hook name
                          envelope: Envelope) -> str:
        """Keep the message."""
        self.messages.append(envelope)
        return "250 Message accepted for delivery"

    def authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                     auth_data: Any) -> AuthResult:
        """Accept exactly our test user and password."""
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == SMTP_USER.encode()
              and auth_data.password == SMTP_PASSWORD.encode())
        if ok:
            self.logins.append(SMTP_USER)
        return AuthResult(success=ok, handled=False)


@dataclass
class SmtpServer:
    """A running aiosmtpd server on loopback."""

    host: str
    port: int
    mailbox: Mailbox


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 and a free port (AUTH allowed without TLS)."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port,
                            authenticator=mailbox.authenticate, auth_require_tls=False)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, mailbox)
    finally:
        controller.stop()


@pytest.fixture
def settings(database_url: str, tmp_path: Path,  # noqa: F811 (the fixture, not the import)
             smtp_server: SmtpServer) -> Settings:
    """The test hub's settings, with outgoing mail going to the local SMTP server."""
    return Settings(data_dir=tmp_path, database_url=database_url,
                    secret_keys=SecretStr(SecretBox.generate_key()),
                    api_key_pepper=SecretStr("test-pepper"), smtp_host=smtp_server.host,
                    smtp_port=smtp_server.port, smtp_username=SMTP_USER,
                    smtp_password=SecretStr(SMTP_PASSWORD), smtp_timeout=5.0)


@pytest.fixture(scope="session")
def emulator() -> Generator[RunningEmulator, None, None]:
    """One emulator for the email tests (each test makes its own contacts and invoices)."""
    handle = start_in_thread(EmulatorConfig(seed="demo", minute_limit=10_000, day_limit=100_000,
                                            app_minute_limit=100_000))
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="session")
def emulator_token(emulator: RunningEmulator) -> tuple[str, str]:
    """(client_id, access token) of the emulator's demo app."""
    with httpx2.Client(base_url=emulator.base_url, timeout=10.0, trust_env=False) as control:
        info = control.get("/_emulator/info").json()
        answer = control.post("/_emulator/connect", json={"client_id": info["client_id"]})
        answer.raise_for_status()
        return str(info["client_id"]), str(answer.json()["access_token"])


class _Bearer(httpx2.Auth):
    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx2.Request) -> Generator[httpx2.Request,
                                                              httpx2.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


def tenant_of(emulator: RunningEmulator) -> str:
    """The demo organisation's tenant id."""
    org = emulator.emulator.default_org
    assert org is not None
    return org.tenant_id


@pytest.fixture
async def xero(emulator: RunningEmulator,
               emulator_token: tuple[str, str]) -> AsyncIterator[XeroClient]:
    """A XeroClient for the demo organisation over loopback HTTP."""
    client_id, token = emulator_token
    budget = MemoryBudget(XeroLimits(per_minute=10_000, per_day=100_000,
                                     app_per_minute=100_000))
    http = ProviderHttp(emulator.api_url, auth=_Bearer(token), budget=budget,
                        retry=RetryPolicy(), timeout=10.0, trust_env=False)
    try:
        yield XeroClient(http, tenant_id=tenant_of(emulator),
                         app_id=client_id)
    finally:
        await http.aclose()
        await budget.aclose()


@pytest.fixture
def integration(emulator: RunningEmulator) -> Integration:
    """The integration the email is sent for (only its id and tenant are read)."""
    return Integration(id=str(uuid.uuid4()), platform="xero", name="Demo organisation",
                       status="active", tenant_id=tenant_of(emulator),
                       connection_kind="oauth_authorization_code")


@dataclass
class XeroRecords:
    """Makes contacts and invoices in the emulator through the client."""

    client: XeroClient
    made: int = 0

    def _key(self) -> str:
        self.made += 1
        return f"test-{uuid.uuid4().hex}-{self.made}"

    async def contact(self, email: str | None = "accounts@kauri.example",
                      first: str = "Aroha", last: str = "Ngata") -> dict[str, Any]:
        """A new Xero contact (with an email unless None)."""
        element: dict[str, Any] = {"Name": f"Kauri Joinery {uuid.uuid4().hex[:8]}",
                                   "FirstName": first, "LastName": last}
        if email:
            element["EmailAddress"] = email
        body = await self.client.write("PUT", "/Contacts", {"Contacts": [element]},
                                       operation="test_contact", idempotency_key=self._key())
        contact: dict[str, Any] = body["Contacts"][0]
        return contact

    async def invoice(self, contact_id: str, status: str = "AUTHORISED") -> dict[str, Any]:
        """A sales invoice: 2 × 600.00 + 15% GST = 1,380.00, due 15 December 2026."""
        element = {"Type": "ACCREC", "Contact": {"ContactID": contact_id},
                   "Date": "2026-11-15", "DueDate": "2026-12-15", "Status": status,
                   "LineAmountTypes": "Exclusive", "Reference": "Deal 42",
                   "LineItems": [{"Description": "Kitchen joinery", "Quantity": "2",
                                  "UnitAmount": "600.00", "AccountCode": "200",
                                  "TaxType": "OUTPUT2"}]}
        body = await self.client.write("PUT", "/Invoices", {"Invoices": [element]},
                                       operation="test_invoice", idempotency_key=self._key())
        invoice: dict[str, Any] = body["Invoices"][0]
        return invoice


@pytest.fixture
def records(xero: XeroClient) -> XeroRecords:
    """Contact and invoice makers."""
    return XeroRecords(xero)

