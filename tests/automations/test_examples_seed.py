"""The demo integration's example partner function: the published example, with its fixed id."""

from __future__ import annotations

import httpx

from ledgerlink import examples as ex
from ledgerlink.auth.scopes import Scope
from ledgerlink.automations.examples import seed_example_partner_function
from ledgerlink.automations.schemas import PF_EXAMPLE
from ledgerlink.hub import Hub
from tests.connections.support import add_integration
from tests.hub_fixtures import KeyMaker, bearer


async def test_the_partner_function_is_made_once_with_the_example_id(
        hub: Hub, client: httpx.AsyncClient, make_key: KeyMaker) -> None:
    integration = await add_integration(hub)
    for _ in range(2):  # the second time finds it and changes nothing
        async with hub.db.session() as session:
            await seed_example_partner_function(session, integration)
    headers = bearer(await make_key(Scope.AUTOMATIONS_READ))
    answer = await client.get(f"/api/v3/integration/{integration}/partner-function",
                              headers=headers)
    assert answer.status_code == 200, answer.text
    [made] = answer.json()["partner_functions"]
    assert made["uuid"] == ex.PARTNER_FUNCTION_ID and made["provider_name"] == "xero"
    assert {k: made[k] for k in PF_EXAMPLE} == PF_EXAMPLE
