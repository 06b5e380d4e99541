"""Record ids in paths: one rule on every route, a UUID in any letter case, looked up lower-case.

The rule is `ledgerlink.inputs.Uuid`, the one JSON Schema's `format: uuid` states: 32 hex
digits in groups of 8-4-4-4-12, any letter case. A malformed id, NUL included, is a 422 naming
the parameter before any query runs; a well-formed one is looked up in its canonical form, so
`6C1F…` and `6c1f…` name the same record everywhere.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, WithJsonSchema

from ledgerlink.inputs import canonical_id
from ledgerlink.inputs_values import UUID_EXAMPLE

RecordId = Annotated[str, BeforeValidator(canonical_id), WithJsonSchema(
    {"type": "string", "format": "uuid", "examples": [UUID_EXAMPLE]})]
"""A path parameter naming one of ledgerlink's records (integration, automation, CRM record)."""
