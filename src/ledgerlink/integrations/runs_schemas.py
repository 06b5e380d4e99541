"""The stored record of one action run, as GET …/actions/{run_id} answers it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ledgerlink.db.models.integrations import ActionRun

_RUN = "2f0c4d3e-9d54-4c2b-8a4d-5e6f0b5a4f7e"
_INTEGRATION = "6d1f6a0e-3c2b-4e7a-9f10-2a4b6c8d0e1f"


class ActionRunOut(BaseModel):
    """One action run: running, or finished with the answer it gave (replayed on a repeat)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": _RUN, "integration_id": _INTEGRATION, "action_type": "xero_create_contact",
        "status": "succeeded", "idempotency_key": "deal-4471-contact",
        "created_at": "2026-11-21T09:30:00Z", "updated_at": "2026-11-21T09:30:01Z",
        "status_code": 200, "result": {
            "action_type": "xero_create_contact", "action_run_id": _RUN,
            "data": {"contact_id": "8138a266-fb42-49b2-a104-014b7045753d",
                     "name": "Harbourside Joinery Ltd", "created": True}}}]})

    id: str
    integration_id: str
    action_type: str
    status: Literal["running", "succeeded", "failed"]
    idempotency_key: str | None = Field(default=None,
                                        description="The caller's Idempotency-Key, if any")
    created_at: datetime
    updated_at: datetime = Field(description="While running: the owner's last sign of life")
    status_code: int | None = Field(default=None,
                                    description="The HTTP status the run answered with")
    result: dict[str, Any] | None = Field(default=None,
                                          description="The answer of a succeeded run")
    error: dict[str, Any] | None = Field(
        default=None,
        description="The error of a failed run: `code`, `message`, `field`, `details`")

    @classmethod
    def of(cls, run: ActionRun) -> ActionRunOut:
        """The public view of a stored run (its retry bookkeeping stays inside)."""
        error = None
        status_code = None
        if run.status == "succeeded" and run.result is not None:
            status_code = int(run.result.get("status_code", 200))
        if run.error is not None:
            status_code = int(run.error.get("status", 500))
            error = {k: run.error.get(k) for k in ("code", "message", "field")}
            error["details"] = run.error.get("details") or {}
        return cls(id=run.id, integration_id=run.integration_id, action_type=run.action_type,
                   status=run.status,  # type: ignore[arg-type]
                   idempotency_key=run.idempotency_key, created_at=run.created_at,
                   updated_at=run.updated_at, status_code=status_code,
                   result=(run.result or {}).get("body"), error=error)
