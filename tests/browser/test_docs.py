"""/docs (Swagger UI 5) and /redoc render the API's operations in Chromium with no internet."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from ledgerlink.api.docs import install_docs
from tests.browser.support import BrowserPage, serving
from tests.hub_fixtures import base_settings
from tests.quality.support import LiveHub

pytestmark = pytest.mark.timeout(120)

# Operations a reader of the seed looks for first, by the id Swagger UI gives their blocks
# (`operations-{tag}-{operationId}`) and the summary it shows.
KEY_OPERATIONS = {
    "operations-integrations-list_integrations": "List integrations",
    "operations-integrations-query_integration": "Query an integration (read-only)",
    "operations-integrations-run_action": "Execute an action on an integration",
}
# ReDoc 2 always shows "API docs by Redocly" with this logo (the image hides itself when it
# cannot load); no option turns it off.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
WAIT_MS = 30_000  # Swagger UI parses the whole document first; a busy machine is slow


def docs_app() -> FastAPI:
    """The hub's routes in an app whose docs are set up as create_app sets them up
    (`FastAPI(docs_url=None, redoc_url=None)` then `install_docs`). No hub behind it: only
    the docs pages and the unauthenticated /health are exercised."""
    from ledgerlink.api.app import public
    from ledgerlink.integrations.actions_endpoints import router as actions
    from ledgerlink.integrations.endpoints import router as integrations

    def operation_id(route: APIRoute) -> str:
        return route.name  # as create_app names operations

    app = FastAPI(title="ledgerlink", docs_url=None, redoc_url=None,
                  generate_unique_id_function=operation_id)
    for router in (public, integrations, actions):
        app.include_router(router)
    install_docs(app)
    return app


@pytest.fixture(scope="module")
def docs_url() -> Iterator[str]:
    """docs_app() over real HTTP on loopback."""
    with serving(docs_app()) as url:
        yield url


def operation_count(base_url: str) -> int:
    spec: dict[str, Any] = httpx.get(f"{base_url}/openapi.json").json()
    return sum(1 for item in spec["paths"].values() for method in item
               if method in {"get", "put", "post", "delete", "patch", "head", "options"})


def check_swagger_ui(seen: BrowserPage, base_url: str) -> None:
    """/docs shows every operation of /openapi.json, the key ones by summary, and runs a call
    from "Try it out"; nothing left the machine and the page logged no error."""
    page = seen.page
    page.goto(f"{base_url}/docs")
    page.wait_for_selector(".opblock", timeout=WAIT_MS)
    assert page.locator(".opblock").count() == operation_count(base_url)
    for block_id, summary in KEY_OPERATIONS.items():
        block = page.locator(f"#{block_id}")
        assert block.locator(".opblock-summary-description").inner_text() == summary
    assert page.locator(".info .title").inner_text().startswith("ledgerlink")
    seen.screenshot()

    # "Try it out" on /health: the page may call its own origin (the CSP's connect-src).
    health = page.locator("#operations-health-health")
    health.locator(".opblock-summary").click()
    health.locator("button.try-out__btn").click()
    health.locator("button.execute").click()
    status = health.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for(timeout=WAIT_MS)
    assert status.inner_text().strip() == "200"
    seen.screenshot("try-it-out", selector="#operations-health-health")

    query = page.locator("#operations-integrations-query_integration")
    query.locator(".opblock-summary").click()
    query.locator(".opblock-body").wait_for(timeout=WAIT_MS)
    assert "query_type" in query.inner_text()  # the request body's schema rendered
    seen.screenshot("query-operation", selector="#operations-integrations-query_integration")
    assert seen.off_loopback() == []
    assert seen.errors == []


def check_redoc(seen: BrowserPage, base_url: str) -> None:
    """/redoc renders every operation. ReDoc's one reach for the internet, its attribution
    logo, is stopped by the page's own Content-Security-Policy before any network."""
    page = seen.page
    page.goto(f"{base_url}/redoc")
    page.wait_for_selector('[data-section-id="operation/list_integrations"]', timeout=WAIT_MS)
    sections = page.locator('[data-section-id^="operation/"]')
    assert sections.count() == operation_count(base_url)
    for summary in KEY_OPERATIONS.values():
        heading = page.locator("h2", has_text=summary)
        assert heading.count() == 1 and heading.inner_text().strip() == summary
    seen.screenshot()
    assert seen.off_loopback() == [REDOC_LOGO]
    assert seen.failures == {REDOC_LOGO: "csp"}
    assert len(seen.errors) == 1 and REDOC_LOGO in seen.errors[0], seen.errors


def test_swagger_ui_lists_the_operations_offline(browser_page: BrowserPage,
                                                 docs_url: str) -> None:
    check_swagger_ui(browser_page, docs_url)


def test_redoc_lists_the_operations_offline(browser_page: BrowserPage, docs_url: str) -> None:
    check_redoc(browser_page, docs_url)


@pytest.fixture
def live_hub(tmp_path: Path) -> Iterator[str]:
    """The real hub (create_app) over loopback HTTP, on an empty SQLite database."""
    import ledgerlink.db.models  # noqa: F401  (registers every table)
    from ledgerlink.db.base import Base

    live = LiveHub(base_settings(f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}", tmp_path))
    try:
        async def create_schema() -> None:
            async with live.hub.db.engine.begin() as conn:
                await conn.run_sync(Base.metadata.create_all)

        live.run(create_schema())
        yield live.serve()
    finally:
        live.close()


def test_the_hub_serves_its_docs_offline(browser_page: BrowserPage, live_hub: str) -> None:
    """create_app's own /docs and /redoc. Passes once api/app.py builds the app with
    `docs_url=None, redoc_url=None` and calls `install_docs(app)` (until then /docs loads
    Swagger UI from a CDN, which this page refuses)."""
    check_swagger_ui(browser_page, live_hub)
    browser_page.requests.clear()
    browser_page.name += "-redoc"
    check_redoc(browser_page, live_hub)
