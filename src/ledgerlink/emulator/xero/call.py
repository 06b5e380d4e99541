"""One accounting API call as handlers see it: tenant, grant, query and body, parsed once."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from ledgerlink.emulator.xero import wire
from ledgerlink.emulator.xero.errors import BadRequest
from ledgerlink.emulator.xero.models.base import Org
from ledgerlink.emulator.xero.xmlbody import XmlBodyError, parse_xml_body

if TYPE_CHECKING:
    from ledgerlink.emulator.xero.identity import AccessGrant
    from ledgerlink.emulator.xero.state import Emulator


@dataclass
class Call:
    """Everything a handler needs; handlers return an envelope dict or a Response."""

    emulator: Emulator
    request: Request
    params: dict[str, str]
    org: Org
    grant: AccessGrant
    request_id: str
    operation: str
    body_bytes: bytes = b""
    _query: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._query = {k.lower(): v for k, v in self.request.query_params.items()}

    @property
    def query(self) -> Mapping[str, str]:
        """Query parameters with lower-cased names (clients vary the case)."""
        return self._query

    def q(self, name: str) -> str | None:
        """One query parameter by case-insensitive name."""
        return self._query.get(name.lower())

    def flag(self, name: str, default: bool = False) -> bool:
        """A boolean query parameter, True/true/1 accepted."""
        try:
            return wire.parse_bool(self.q(name), default)
        except ValueError:
            raise BadRequest(f"Parameter {name} must be true or false") from None

    def integer(self, name: str, default: int | None = None, low: int | None = None,
                high: int | None = None) -> int | None:
        """An integer query parameter within bounds."""
        raw = self.q(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise BadRequest(f"Parameter {name} must be an integer") from None
        if low is not None and value < low:
            raise BadRequest(f"Parameter {name} must be {low} or more")
        if high is not None and value > high:
            raise BadRequest(f"Parameter {name} must be {high} or less")
        return value

    @property
    def summarize(self) -> bool:
        """Xero's summarizeErrors flag (spec default false... but Xero's effective default
        for clients that never send it is to summarise: a single bad element is a 400)."""
        return self.flag("summarizeErrors", True)

    @property
    def unitdp(self) -> int:
        """Decimal places for unit amounts (2, or 4 when asked)."""
        return 4 if self.integer("unitdp", 2) == 4 else 2

    def accepts(self, mime: str) -> bool:
        """Whether the client asked for a media type (e.g. application/pdf)."""
        return mime in self.request.headers.get("accept", "").lower()

    def body(self) -> Any:
        """The request body as JSON (or pyxero's XML) turned into dicts and lists."""
        if not self.body_bytes.strip():
            return {}
        ctype = self.request.headers.get("content-type", "").lower()
        if "xml" in ctype or self.body_bytes.lstrip().startswith(b"<"):
            try:
                return parse_xml_body(self.body_bytes)
            except XmlBodyError as exc:
                raise BadRequest(f"The request body is not valid XML: {exc}") from None
        try:
            return json.loads(self.body_bytes)
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("The request body is not valid JSON") from None

    def elements(self, key: str) -> list[dict[str, Any]]:
        """Collection writes: `{"Invoices": [...]}`, a bare list, or a single object."""
        data = self.body()
        if isinstance(data, list):
            items = data
        elif isinstance(data, dict):
            found = next((v for k, v in data.items() if k.lower() == key.lower()), None)
            if found is None:
                items = [data] if data else []
            else:
                items = found if isinstance(found, list) else [found]
        else:
            raise BadRequest(f"The request body must contain {key}")
        if not items:
            raise BadRequest(f"No {key} were supplied in the request body")
        return items

    def ok(self, key: str | None, items: list[Any] | None = None, **extra: Any) -> dict[str, Any]:
        """The standard envelope around a result list."""
        return wire.envelope(self.request_id, self.emulator.clock.now(), self.grant.app.name,
                             key, items, **extra)
