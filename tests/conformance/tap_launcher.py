"""Run an unmodified tap-xero against the emulator: patch its base and token URLs, then main()."""

# This file runs under the tap's own interpreter (.venv-tap), not the project's: it must not
# import ledgerlink or pytest. Usage:
#   LEDGERLINK_TAP_BASE_URL=http://127.0.0.1:PORT <tap-python> tap_launcher.py <tap-xero args>
# LEDGERLINK_TAP_BASE_URL is the emulator's root; the accounting API and the token endpoint
# are derived from it. Every request to any other host fails, so the tap cannot reach Xero.

from __future__ import annotations

import os
import sys
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from tap_xero import client, main

XERO_TOKEN_URL = "https://identity.xero.com/connect/token"


class _Refuse(HTTPAdapter):
    """A transport adapter for every host but the emulator: the request never leaves."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        raise requests.ConnectionError(f"tap_launcher: refusing off-emulator request to "
                                       f"{request.url}")


def patch(base_url: str) -> None:
    """Point tap_xero.client at the emulator without touching the tap's files."""
    parts = urlsplit(base_url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"tap_launcher: {base_url} is not a loopback address")
    root = base_url.rstrip("/")
    token_url = root + "/connect/token"
    client.BASE_URL = root + "/api.xro/2.0"

    original_init = client.XeroClient.__init__
    original_refresh = client.XeroClient.refresh_credentials

    def init(self: Any, config: dict[str, Any]) -> None:
        original_init(self, config)
        self.session.mount("https://", _Refuse())
        self.session.mount("http://", _Refuse())
        self.session.mount(root + "/", HTTPAdapter())

    def refresh_credentials(self: Any, config: dict[str, Any], config_path: str) -> None:
        # The token URL is a string literal inside the tap's method: rewrite it on the way out.
        session_post = self.session.post

        def post(url: str, *args: Any, **kwargs: Any) -> Any:
            if url == XERO_TOKEN_URL:
                url = token_url
            kwargs.setdefault("timeout", 30)
            return session_post(url, *args, **kwargs)

        self.session.post = post
        try:
            original_refresh(self, config, config_path)
        finally:
            del self.session.post

    client.XeroClient.__init__ = init
    client.XeroClient.refresh_credentials = refresh_credentials


if __name__ == "__main__":
    patch(os.environ["LEDGERLINK_TAP_BASE_URL"])
    sys.argv[0] = "tap-xero"
    main()
