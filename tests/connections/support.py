"""Test helpers: integrations inserted directly (secrets encrypted), and the seed's shapes."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from ledgerlink.db.base import utcnow
from ledgerlink.db.models.integrations import Integration, ProviderGrant
from ledgerlink.hub import Hub

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "exsited-integration-api.txt"


async def add_integration(hub: Hub, *, name: str = "Demo Company", status: str = "active",
                          client_id: str | None = "CLIENT-ID-0001",
                          client_secret: str | None = None, access_token: str | None = None,
                          refresh_token: str | None = None, with_grant: bool = True,
                          tenant_id: str | None = None) -> str:
    """Insert an Integration (and its ProviderGrant, tokens encrypted); return its uuid."""
    async with hub.db.session() as session:
        grant = None
        if with_grant:
            grant = ProviderGrant(
                kind="oauth_authorization_code", client_id=client_id,
                client_secret_enc=hub.box.encrypt(client_secret),
                access_token_enc=hub.box.encrypt(access_token),
                refresh_token_enc=hub.box.encrypt(refresh_token),
                scopes=["accounting.transactions"])
            session.add(grant)
            await session.flush()
        integration = Integration(
            name=name, status=status, grant_id=grant.id if grant else None,
            tenant_id=tenant_id or str(uuid.uuid4()), tenant_name=name,
            connection_kind="oauth_authorization_code", connected_at=utcnow())
        session.add(integration)
        await session.flush()
        return integration.id


def _balanced(text: str, start: int) -> str:
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[start:index + 1]
    raise ValueError("unbalanced braces in the seed")


def seed_json(heading: str) -> dict[str, Any]:
    """The response body shown after `heading` in the seed, as JSON (placeholders quoted)."""
    if not SEED.exists():
        pytest.skip(f"the seed {SEED} is not beside the project")
    text = SEED.read_text(encoding="utf-8")
    start = text.index(heading)
    body = _balanced(text, text.index("\n{", start) + 1)  # the body starts a line
    body = re.sub(r"//[^\n]*", "", body)  # the seed comments some values
    body = re.sub(r":\s*([A-Z][A-Z0-9_]*)\s*([,\n}])", r': "\1"\2', body)  # bare placeholders
    parsed: dict[str, Any] = json.loads(body)
    return parsed


def shape(value: Any) -> Any:
    """The keys of a JSON value, recursively (lists by their first item); leaves become None."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return None
