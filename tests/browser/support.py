"""Browser-test helpers: Debian's Chromium, a page that records its requests, screenshots."""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.sync_api import Page

from ledgerlink.emulator.core.server import bound_socket

# Debian's package, installed by `make chromium` (as root, in CI). Never a browser Playwright
# downloads: the one that is tested is the one the distribution keeps patched.
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# URLs that never touch a network: inline data, in-page objects, the blank page.
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})


def require_chromium(path: Path = CHROMIUM, env: Mapping[str, str] = os.environ) -> Path:
    """The browser to drive. Without it the browser tests skip on a developer's machine, but
    fail under CI=true: a CI that silently skips them would pass without testing the UI."""
    if path.is_file() and os.access(path, os.X_OK):
        return path
    reason = (f"{path} is missing: install Debian's chromium (`make chromium` as root, or "
              "`sudo apt-get install chromium`)")
    if env.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{reason}; CI=true, so the browser tests must run", pytrace=False)
    pytest.skip(reason)


def stays_local(url: str) -> bool:
    """Whether loading the URL stays on this machine (loopback or no network at all)."""
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or (parts.hostname or "") in LOOPBACK_HOSTS


@dataclass
class BrowserPage:
    """A Chromium page with everything it asked for and every error it logged."""

    page: Page
    name: str  # the test's name: screenshots are named after it
    requests: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # url: why it failed ("csp", ...)
    errors: list[str] = field(default_factory=list)

    def off_loopback(self) -> list[str]:
        """The requests that tried to leave the machine: the page's Content-Security-Policy
        stopped them (failure "csp") or the fixture aborted them; none reached a network."""
        return [url for url in self.requests if not stays_local(url)]

    def screenshot_path(self, label: str = "") -> Path:
        """Where `screenshot(label)` saves: test-artifacts/screenshots/<test>[-label].png."""
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{self.name}-{label}" if label else self.name)
        return SCREENSHOTS / f"{stem.strip('-')}.png"

    def screenshot(self, label: str = "", *, selector: str | None = None) -> Path:
        """Save the viewport (or one element's box) as a test artifact; the file."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = self.screenshot_path(label)
        if selector is None:
            self.page.screenshot(path=path)
        else:
            self.page.locator(selector).first.screenshot(path=path)
        return path


@contextlib.contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve an ASGI app on loopback from a thread of its own; its base URL."""
    sock = bound_socket()  # bound before uvicorn starts, so no other run can take the port
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off",
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name=f"browser-app:{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60  # a guard against a hang, generous for a busy machine
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the app did not start serving")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
