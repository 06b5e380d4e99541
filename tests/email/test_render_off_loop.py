"""Checking and rendering merge templates never hold the event loop: they run in a worker thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from ledgerlink.db.models.integrations import Integration
from ledgerlink.email import service
from ledgerlink.email.schemas import EmailParams
from ledgerlink.hub import Hub
from ledgerlink.providers.xero.client import XeroClient
from tests.email.conftest import SmtpServer, XeroRecords
from tests.email.crm_rows import deal_context, make_crm

pytestmark = pytest.mark.timeout(60)
TICKS = 50


def _held(real: Callable[..., Any], started: threading.Event,
          release: threading.Event) -> Callable[..., Any]:
    """`real`, made to wait for the event loop's ticker before it runs."""

    def held(*args: Any) -> Any:
        started.set()
        # Only reached if this ran on the event loop's own thread: the ticker cannot run,
        # so nothing releases it. The wait's limit turns that deadlock into a failure.
        assert release.wait(timeout=30), "the render held the event loop"
        return real(*args)

    return held


async def _ticks_while_held(started: threading.Event, release: threading.Event) -> int:
    """Tick on the event loop while the held work waits; then let it go."""
    while not started.is_set():
        await asyncio.sleep(0)
    ticks = 0
    while ticks < TICKS:
        ticks += 1
        await asyncio.sleep(0)
    release.set()
    return ticks


@pytest.mark.parametrize("step", ["_check_templates", "_compose"])
async def test_the_event_loop_keeps_ticking_during_a_render(
        hub: Hub, integration: Integration, xero: XeroClient, records: XeroRecords,
        smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    crm = await make_crm(hub)
    invoice = await records.invoice((await records.contact())["ContactID"])
    context = await deal_context(hub, crm.deal_id)
    started, release = threading.Event(), threading.Event()
    monkeypatch.setattr(service, step, _held(getattr(service, step), started, release))

    async def send() -> str | None:
        async with hub.db.session() as session:
            outcome = await service.send_invoice_email(
                session, hub, integration=integration, client=xero, invoice=invoice,
                deal_context=context, params=EmailParams(email_mode="trustpager"))
        return outcome.subject

    subject, ticks = await asyncio.gather(send(), _ticks_while_held(started, release))
    assert ticks == TICKS  # the loop served another task while the template was in hand
    assert subject == f"Invoice {invoice['InvoiceNumber']} from Acme Joinery Ltd"
    assert len(smtp_server.mailbox.messages) == 1


async def test_the_action_check_runs_off_the_event_loop(
        hub: Hub, monkeypatch: pytest.MonkeyPatch, smtp_server: SmtpServer) -> None:
    await make_crm(hub)
    started, release = threading.Event(), threading.Event()
    monkeypatch.setattr(service, "_check_templates",
                        _held(service._check_templates, started, release))

    async def check() -> None:
        async with hub.db.session() as session:
            await service.check_email_ready(session, hub, EmailParams(
                email_mode="trustpager", email_body="Hi {{contact.first_name}}"),
                prefix="params.")

    _, ticks = await asyncio.gather(check(), _ticks_while_held(started, release))
    assert ticks == TICKS
