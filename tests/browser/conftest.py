"""Browser fixtures: headless Debian Chromium through Playwright, pages kept off the internet.

Tests here are synchronous: while Playwright's sync API is alive it marks its event loop as
running in this thread, so no `async def` test or fixture may run in a module that uses
`browser`. Prepare state through `LiveHub.run(...)` (tests/quality/support.py) instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator, Iterator

import pytest
from playwright.sync_api import Browser, Route, ViewportSize, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.browser.support import BrowserPage, require_chromium, stays_local

VIEWPORT: ViewportSize = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium from /usr/bin/chromium, shared by a module's tests."""
    executable = require_chromium()
    with sync_playwright() as playwright:
        # /dev/shm is small in containers; Chromium then crashes tabs without this flag.
        launched = playwright.chromium.launch(executable_path=str(executable), headless=True,
                                              args=["--disable-dev-shm-usage"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def browser_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[BrowserPage]:
    """A fresh context and page; records requests and errors, screenshots a failed test."""
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    page = context.new_page()
    seen = BrowserPage(page, request.node.name)
    seen.screenshot_path("failed").unlink(missing_ok=True)  # not a previous run's failure
    page.on("request", lambda r: seen.requests.append(r.url))
    page.on("requestfailed", lambda r: seen.failures.update({r.url: r.failure or "?"}))
    page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.errors.append(f"uncaught: {e}"))

    def refuse(route: Route) -> None:  # a test must never depend on, or touch, the internet
        route.abort("blockedbyclient")

    context.route(lambda url: not stays_local(url), refuse)
    try:
        yield seen
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            with contextlib.suppress(PlaywrightError):  # a crashed page has nothing to show
                seen.screenshot("failed")
    finally:
        context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep the call phase's report on the item, so `browser_page` knows a test failed."""
    report = yield
    if call.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report
