"""The browser fixtures themselves: skip or fail without Chromium, keep pages off the internet."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from tests.browser.support import BrowserPage, require_chromium, serving, stays_local

pytestmark = pytest.mark.timeout(60)


def test_a_missing_chromium_skips_on_a_developers_machine(tmp_path: Path) -> None:
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        require_chromium(tmp_path / "chromium", env={})


def test_a_missing_chromium_fails_under_ci(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        require_chromium(tmp_path / "chromium", env={"CI": "true"})


def test_a_file_that_cannot_run_is_no_browser(tmp_path: Path) -> None:
    (tmp_path / "chromium").write_text("not a program")
    with pytest.raises(pytest.skip.Exception):
        require_chromium(tmp_path / "chromium", env={"CI": "false"})


def test_what_counts_as_staying_on_the_machine() -> None:
    assert stays_local("http://127.0.0.1:8000/docs") and stays_local("http://[::1]:80/")
    assert stays_local("http://localhost/x") and stays_local("data:image/png;base64,AAAA")
    assert not stays_local("https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css")
    assert not stays_local("http://127.0.0.1.example.com/")


def test_a_request_off_the_machine_is_recorded_and_aborted(browser_page: BrowserPage) -> None:
    app = FastAPI()

    @app.get("/here")
    async def here() -> PlainTextResponse:
        return PlainTextResponse("here")

    outside = "http://192.0.2.1/pixel.png"  # TEST-NET-1: never routed, so never answered
    with serving(app) as url:
        page = browser_page.page
        page.goto(f"{url}/here")
        with page.expect_event("requestfailed", lambda r: r.url == outside) as failed:
            page.set_content(f'<img src="{outside}"><p>{url}</p>')
    # Aborted by the fixture's route (not merely unanswered); Chromium adds ".Inspector".
    assert (failed.value.failure or "").startswith("net::ERR_BLOCKED_BY_CLIENT")
    assert browser_page.off_loopback() == [outside]
    assert list(browser_page.failures) == [outside]
    assert f"{url}/here" in browser_page.requests  # loopback goes through
    shot = browser_page.screenshot("evidence")
    assert shot.parent.name == "screenshots" and shot.read_bytes().startswith(b"\x89PNG")
