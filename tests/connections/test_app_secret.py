"""A connection made through the hub's own Xero app stores no client secret: v2 masks the app's."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from ledgerlink.auth.scopes import Scope
from ledgerlink.config import Settings
from ledgerlink.hub import Hub
from tests.connections.support import add_integration
from tests.hub_fixtures import KeyMaker, base_settings, bearer

LIST = "/api/v2/integration-connections"
APP_ID = "HUB-APP-0001"
APP_SECRET = "hub-app-secret-5f1c9a7e3b2d4c6a8e0f-WXYZ"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return base_settings(database_url, tmp_path).model_copy(update={
        "xero_client_id": APP_ID, "xero_client_secret": SecretStr(APP_SECRET)})


async def test_the_hub_apps_secret_is_masked_like_the_tokens(
        hub: Hub, client: httpx.AsyncClient, make_key: KeyMaker) -> None:
    # The issue: client_secret was null while the tokens beside it were masked.
    reader = bearer(await make_key(Scope.CONFIG_READ))
    ours = await add_integration(hub, name="Through the hub's app", client_id=APP_ID,
                                 access_token="access-token-0123456789-ACC2")
    custom = await add_integration(hub, name="Custom connection", client_id="OTHER-APP",
                                   client_secret="custom-secret-0123456789-CUS1")
    foreign = await add_integration(hub, name="Another app, no secret", client_id="THIRD-APP")
    listed = (await client.get(LIST, headers=reader)).json()["integration_connection"]
    secrets = {item["uuid"]: item["client_secret"] for item in listed}
    assert secrets == {ours: "••••WXYZ", custom: "••••CUS1", foreign: None}
    one = await client.get(f"{LIST}/{ours}", headers=reader)
    assert one.json()["integration_connection"][0]["client_secret"] == "••••WXYZ"
    assert one.json()["integration_connection"][0]["access_token"] == "••••ACC2"
    assert APP_SECRET[:-4] not in one.text
