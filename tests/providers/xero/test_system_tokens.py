"""System check: 50 concurrent callers at token expiry through XeroProvider refresh exactly once."""

from __future__ import annotations

import asyncio

import pytest

from ledgerlink.http.auth import ConnectionKind, ConnectionStatus
from tests.providers.xero.test_provider import provider_env

pytestmark = pytest.mark.timeout(60)

TTL = 600
CALLERS = 50


async def test_fifty_callers_at_expiry_refresh_once_through_the_provider() -> None:
    # No grace window: a second refresh with the same token would be an invalid_grant.
    async with provider_env(access_token_ttl=TTL, refresh_grace_seconds=0) as pe:
        first = await pe.env.connect()
        await pe.store.put("conn-1", ConnectionKind.OAUTH_AUTHORIZATION_CODE, first)
        await pe.env.advance(TTL + 1)

        # Each caller asks the provider for its own client, as independent requests would.
        answers = await asyncio.gather(*(
            pe.provider.client("conn-1", pe.tenant_id).get("/Organisation",
                                                           operation="organisation")
            for _ in range(CALLERS)))

        assert all(a["Organisations"][0]["OrganisationID"] == pe.tenant_id for a in answers)
        assert pe.env.tap.grants("refresh_token", status=None) == 1
        assert not pe.env.tap.token_failures()  # in particular no invalid_grant
        assert pe.env.tap.statuses("/Organisation") == [200] * CALLERS  # no 401 either
        row = await pe.store.get("conn-1")
        assert row.status is ConnectionStatus.ACTIVE and row.tokens is not None
        assert row.tokens.refresh_token not in (None, first.refresh_token)
        assert row.version == 2  # put, then the one refresh


async def test_fifty_callers_whose_token_xero_expired_early_refresh_once() -> None:
    # Our clock lags Xero's: every caller thinks the token is fresh and some meet a 401.
    async with provider_env(access_token_ttl=TTL, refresh_grace_seconds=0) as pe:
        await pe.store.put("conn-1", ConnectionKind.OAUTH_AUTHORIZATION_CODE,
                           await pe.env.connect())
        pe.env.clock.lag = -(TTL + 60)
        await pe.env.advance(TTL + 60)
        xero = pe.provider.client("conn-1", pe.tenant_id)

        answers = await asyncio.gather(*(xero.get("/Organisation", operation="organisation")
                                         for _ in range(CALLERS)))

        assert len(answers) == CALLERS
        statuses = pe.env.tap.statuses("/Organisation")
        assert statuses.count(200) == CALLERS
        assert 1 <= statuses.count(401) <= 5  # only the first wave, in the budget's 5 slots
        assert pe.env.tap.grants("refresh_token", status=None) == 1
        assert not pe.env.tap.token_failures()
