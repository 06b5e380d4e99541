"""Request and response shapes of API key management (the secret appears once, a hash never)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from ledgerlink.auth.scopes import DESCRIPTIONS, Scope
from ledgerlink.crm.types import Input, Pagination, page_config
from ledgerlink.inputs import text

KeyName = Annotated[str, *text(200, min_length=1)]

_KEY: JsonDict = {
    "id": "7d1f4c0e-2f55-4d8e-9a8e-1c2b3d4e5f60", "name": "CRM backend", "prefix": "llk_Xk3v9Qw2",
    "scopes": ["integrations:read", "integrations:write"],
    "created_at": "2025-05-01T09:30:00Z", "last_used_at": "2025-05-02T08:00:00Z",
    "revoked_at": None}
_SCOPES_DOC = "; ".join(f"`{s.value}`: {DESCRIPTIONS[s].lower()}" for s in Scope)


class KeyCreate(Input):
    """A new API key: what it is for, and what it may do."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "CRM backend", "scopes": ["integrations:read", "integrations:write"]}]})

    name: KeyName = Field(description="What the key is for (shown in lists)")
    scopes: list[Scope] = Field(min_length=1, max_length=len(Scope),
                                description=f"At least one of: {_SCOPES_DOC}")


class KeyOut(BaseModel):
    """An API key as it may be shown: its prefix identifies it; the secret and hash never."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_KEY]})

    id: uuid.UUID
    name: str
    prefix: str = Field(description="The secret's first characters, to recognise it")
    scopes: list[str]
    created_at: datetime
    # Defaults only so examples may leave them out (the published document drops nulls).
    last_used_at: datetime | None = Field(default=None,
                                          description="Last authenticated use (to the minute)")
    revoked_at: datetime | None = Field(default=None,
                                        description="When it was revoked; null while valid")


class KeyCreated(KeyOut):
    """The new key, with its secret: shown this once, only a keyed hash of it is stored."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {**_KEY, "last_used_at": None,
         "secret": "llk_Xk3v9Qw2Vn0bYp7rTq1sLm4eHc8gJd5aWf6uZi2oKx0"}]})

    secret: str = Field(description="Send as `Authorization: Bearer <secret>`; not shown again")


class KeyPage(BaseModel):
    """A page of API keys, newest first."""

    model_config = page_config(KeyOut)

    data: list[KeyOut]
    pagination: Pagination
