"""HTTP route of /api/v1/integrations/{id}/action (thin: parse, call the service, answer)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/integrations", tags=["integrations"])
