"""Record ids in paths: one rule on every route, a UUID in any letter case, looked up lower-case.

The rule is pydantic's UUID (what the CRM routes' `uuid.UUID` parameters read): hyphenated or
32 hex digits, optionally braced or `urn:uuid:`-prefixed, any letter case. A malformed id, NUL
included, is a 422 naming the parameter before any query runs; a well-formed one is looked up
in its canonical form, so `6C1F…` and `6c1f…` name the same record everywhere.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import BeforeValidator, TypeAdapter, WithJsonSchema
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

_UUID = TypeAdapter(uuid.UUID)
EXAMPLE = "3fa85f64-5717-4562-b3fc-2c963f66afa6"


def canonical_id(value: Any) -> str:
    """The lower-case hyphenated form of a UUID; a pydantic error naming the problem otherwise."""
    try:
        return str(_UUID.validate_python(value))
    except PydanticValidationError as exc:
        reason = exc.errors()[0]["msg"]
        raise PydanticCustomError("uuid_parsing", "{reason}, e.g. {example}",
                                  {"reason": reason, "example": EXAMPLE}) from None


RecordId = Annotated[str, BeforeValidator(canonical_id),
                     WithJsonSchema({"type": "string", "format": "uuid", "examples": [EXAMPLE]})]
"""A path parameter naming one of ledgerlink's records (integration, automation, CRM record)."""
