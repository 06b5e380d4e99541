"""The console shows provider activity: last activity and calls left today on the list, and the
latest calls (time, operation, status, duration, budget left) on an integration's page."""

from __future__ import annotations

import re
import time

import httpx

from ledgerlink.http.observer import CallRecord
from ledgerlink.hub import Hub
from ledgerlink.integrations.call_log import CallLog, call_log
from tests.hub_fixtures import connect_emulator
from tests.oauth.conftest import Xero
from tests.web.test_pages import secrets_of


def _cells(html: str, integration_id: str) -> list[str]:
    """The cells of an integration's row on the list page, as text."""
    row = re.search(rf'<tr>\s*<td><a href="/console/integrations/{integration_id}">'
                    r"(.*?)</tr>", html, re.S)
    assert row, html
    return [re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)]


async def test_calls_show_on_the_list_and_the_integration_page(
        signed_in: httpx.AsyncClient, xero: Xero, hub: Hub) -> None:
    web = signed_in
    integration_id = await connect_emulator(hub, xero.handle)
    before = _cells((await web.get("/console")).text, integration_id)
    assert before[5:7] == ["—", "—"]  # no action run, no call: no activity, budget unknown
    page = await web.get(f"/console/integrations/{integration_id}")
    assert "No calls yet." in page.text

    # The receivables page asks Xero now, through the hub's provider.
    assert (await web.get(f"/console/integrations/{integration_id}/receivables")
            ).status_code == 200
    await call_log(hub).flush()

    cells = _cells((await web.get("/console")).text, integration_id)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", cells[5]), cells
    left = int(cells[6])
    assert 0 < left < 5000  # Xero's X-DayLimit-Remaining on the latest call
    page = await web.get(f"/console/integrations/{integration_id}")
    activity = page.text[page.text.index('id="activity"'):]
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", activity)
    assert "<td>200</td>" in activity and " ms</td>" in activity
    assert f"<td>{left}</td>" in activity
    assert "No calls yet." not in activity
    for secret in await secrets_of(hub, xero):
        assert secret not in page.text


async def test_the_integration_page_lists_the_latest_fifty_calls(
        signed_in: httpx.AsyncClient, xero: Xero, hub: Hub) -> None:
    integration_id = await connect_emulator(hub, xero.handle)
    tenant = xero.info["tenant_id"]
    log = CallLog(hub.db, flush_delay=60)
    now = time.time()
    for n in range(60):
        log.record("xero", CallRecord(
            connection_id=None, app_id="app", tenant_id=tenant, operation=f"op_{n:02d}",
            method="GET", attempt=1 + n % 2,
            status={58: None, 59: 429}.get(n, 200),
            error="ReadTimeout" if n == 58 else None, duration_ms=n,
            at=now - 60 + n, day_remaining=4900 - n))
    await log.aclose()
    page = await signed_in.get(f"/console/integrations/{integration_id}")
    activity = page.text[page.text.index('id="activity"'):]
    shown = re.findall(r"op_(\d\d)", activity)
    assert shown == [f"{n:02d}" for n in range(59, 9, -1)]  # newest first, fifty of them
    assert "ReadTimeout (no answer)" in activity and "429" in activity
    assert "attempt 2" in activity and "<td>4841</td>" in activity
    cells = _cells((await signed_in.get("/console")).text, integration_id)
    assert cells[6] == "4841"
