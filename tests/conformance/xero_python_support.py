"""Helpers for driving the official xero-python SDK against the emulator (URL settings only)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx
import pytest
from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_python.identity import IdentityApi

from ledgerlink.emulator.core.server import RunningEmulator

SCOPES = ("openid profile email offline_access accounting.transactions accounting.contacts "
          "accounting.settings accounting.reports.read accounting.attachments")
TIMEOUT = 10.0


@contextmanager
def sdk_token_urls(emulator: RunningEmulator) -> Iterator[None]:
    """Point the SDK's TokenApi class attributes at the emulator, restoring them afterwards."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(TokenApi, "refresh_token_url", emulator.token_url)
        mp.setattr(TokenApi, "client_credentials_token_url", emulator.token_url)
        mp.setattr(TokenApi, "revoke_token_url", f"{emulator.base_url}/connect/revocation")
        yield


@dataclass
class Sdk:
    """One SDK client: its token store (getter/saver), ApiClient and the two API classes."""

    api_client: ApiClient
    accounting: AccountingApi
    identity: IdentityApi
    store: dict[str, Any]
    saved: list[dict[str, Any]] = field(default_factory=list)

    @property
    def token(self) -> dict[str, Any]:
        """The token dict the app currently holds."""
        return dict(self.store["token"])


def make_sdk(emulator: RunningEmulator, client_id: str, client_secret: str,
             token: dict[str, Any] | None = None, temp_dir: str | None = None) -> Sdk:
    """An ApiClient wired as an app would wire it, with base URLs pointed at the emulator."""
    store: dict[str, Any] = {"token": dict(token) if token else {}}
    saved: list[dict[str, Any]] = []

    def getter() -> dict[str, Any]:
        return dict(store["token"])

    def saver(new_token: dict[str, Any]) -> None:
        saved.append(dict(new_token))
        store["token"] = dict(new_token)

    config = Configuration(oauth2_token=OAuth2Token(client_id=client_id,
                                                    client_secret=client_secret))
    # Configuration's metaclass hands out shallow copies of the first instance ever made and
    # ignores later arguments, so an app with two clients must set the token on its copy.
    config.oauth2_token = OAuth2Token(client_id=client_id, client_secret=client_secret)
    config.temp_folder_path = temp_dir
    api_client = ApiClient(config, oauth2_token_getter=getter, oauth2_token_saver=saver,
                           pool_threads=1)
    return Sdk(api_client, AccountingApi(api_client, base_url=emulator.api_url),
               IdentityApi(api_client, base_url=emulator.base_url), store, saved)


def as_sdk_token(response: dict[str, Any], now: float | None = None) -> dict[str, Any]:
    """A token endpoint answer as apps store it for the SDK: scope split, expires_at added."""
    token = dict(response)
    token["scope"] = str(token.get("scope", "")).split()
    token["expires_at"] = (now or time.time()) + float(token["expires_in"])
    return token


def connect(emulator: RunningEmulator, tenant_ids: list[str] | None = None) -> dict[str, Any]:
    """Programmatic consent for the default app (the control plane), as an SDK token dict."""
    body: dict[str, Any] = {"client_id": emulator.emulator.info()["client_id"]}
    if tenant_ids is not None:
        body["tenant_ids"] = tenant_ids
    answer = httpx.post(f"{emulator.base_url}/_emulator/connect", json=body, timeout=TIMEOUT)
    answer.raise_for_status()
    return as_sdk_token(answer.json())


def default_sdk(emulator: RunningEmulator, temp_dir: str | None = None) -> Sdk:
    """The seeded web app, connected to the demo organisation."""
    info = emulator.emulator.info()
    return make_sdk(emulator, info["client_id"], info["client_secret"],
                    connect(emulator, [info["tenant_id"]]), temp_dir)


# ---- the browser side of the authorization-code flow ------------------------------------------

class ConsentForm(HTMLParser):
    """The consent page's form: action, hidden fields and the organisation checkboxes."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.method = ""
        self.hidden: dict[str, str] = {}
        self.orgs: list[tuple[str, bool]] = []  # (tenant id, checked)
        self.labels: dict[str, str] = {}
        self.buttons: list[tuple[str, str]] = []
        self._label_for: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action, self.method = a.get("action", ""), a.get("method", "get").lower()
        elif tag == "input" and a.get("type") == "hidden":
            self.hidden[a["name"]] = a.get("value", "")
        elif tag == "input" and a.get("type") == "checkbox" and a.get("name") == "tenant_id":
            self.orgs.append((a["value"], "checked" in a))
            self._label_for = a["value"]
        elif tag == "button":
            self.buttons.append((a.get("name", ""), a.get("value", "")))

    def handle_data(self, data: str) -> None:
        if self._label_for is not None and data.strip():
            self.labels[self._label_for] = data.strip()
            self._label_for = None


def parse_consent(html: str) -> ConsentForm:
    """Read the consent page."""
    form = ConsentForm()
    form.feed(html)
    return form


@dataclass
class Pkce:
    """An S256 verifier/challenge pair and the state of one authorize round trip."""

    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    state: str = field(default_factory=lambda: secrets.token_urlsafe(16))

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorize_url(emulator: RunningEmulator, client_id: str, redirect_uri: str,
                  pkce: Pkce, scope: str = SCOPES) -> str:
    """The URL an app sends the browser to."""
    query = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
             "scope": scope, "state": pkce.state, "code_challenge": pkce.challenge,
             "code_challenge_method": "S256"}
    return f"{emulator.base_url}/identity/connect/authorize?{urlencode(query)}"


def consent_and_redirect(browser: httpx.Client, url: str,
                         pick: list[str] | None) -> tuple[ConsentForm, str]:
    """Open the consent page, tick `pick` (None: leave the defaults) and allow.

    Returns the form as shown and the Location the emulator redirects to (never followed).
    """
    page = browser.get(url)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    form = parse_consent(page.text)
    assert form.method == "post" and ("decision", "allow") in form.buttons
    ticked = [t for t, checked in form.orgs if checked] if pick is None else pick
    fields: dict[str, str | list[str]] = {**form.hidden, "decision": "allow",
                                          "tenant_id": ticked}
    answer = browser.post(urljoin(url, form.action), data=fields)
    assert answer.status_code in (302, 303), answer.text
    return form, answer.headers["location"]


def code_from(location: str, redirect_uri: str, state: str) -> str:
    """The authorization code of a redirect, after checking where it goes and its state."""
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == redirect_uri
    query = parse_qs(parts.query)
    assert query.get("state") == [state], "the state must come back unchanged"
    assert "error" not in query, query
    return query["code"][0]


def exchange_code(emulator: RunningEmulator, client_id: str, client_secret: str, code: str,
                  redirect_uri: str, verifier: str) -> dict[str, Any]:
    """POST the code to the token URL with Basic client authentication."""
    answer = httpx.post(emulator.token_url, auth=(client_id, client_secret), timeout=TIMEOUT,
                        data={"grant_type": "authorization_code", "code": code,
                              "redirect_uri": redirect_uri, "code_verifier": verifier})
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    return dict(answer.json())
