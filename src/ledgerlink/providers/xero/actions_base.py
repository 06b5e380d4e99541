"""The action registry and what every Xero action shares: params bases, keys, envelopes."""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any, Literal, TypeVar, get_type_hints
from urllib.parse import quote

from pydantic import (
    AliasChoices,
    AliasGenerator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
)

from ledgerlink.errors import FieldProblem, ProviderError, ValidationError
from ledgerlink.http.idempotency import idempotency_key
from ledgerlink.providers.xero.client import XeroClient
from ledgerlink.providers.xero.errors import guess_field
from ledgerlink.providers.xero.models_base import XeroBody, XeroDateTime, XeroModel, xero_name

__all__ = [
    "ACTIONS", "ActionSpec", "Deleted", "ListParams", "PagedListParams", "ReadParams",
    "StrList", "WriteParams", "accepting", "action", "camel", "checked_path", "csv", "first",
    "flag", "list_records", "many", "segment", "split_csv", "write_key",
]

M = TypeVar("M", bound=BaseModel)
Run = Callable[[XeroClient, Any], Awaitable[Any]]
F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


def camel(name: str) -> str:
    """`operation_id` → `operationId` (how the hub's JSON and the seeds spell parameters)."""
    head, *rest = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def _choices(name: str) -> AliasChoices:
    return AliasChoices(*dict.fromkeys((name, camel(name), xero_name(name))))


def accepting(name: str, **kwargs: Any) -> Any:
    """A Field read from `name`, its camelCase or its Xero spelling; never sent in a body."""
    return Field(validation_alias=_choices(name), exclude=True, **kwargs)


class ReadParams(BaseModel):
    """Parameters of a read: snake_case, camelCase or Xero names; unknown names refused."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True,
                              alias_generator=AliasGenerator(validation_alias=_choices))


class ListParams(ReadParams):
    """Filters every list takes."""

    where: str | None = Field(default=None, description='Xero filter, e.g. Name.Contains("x")')
    order: str | None = Field(default=None, description="e.g. `Name ASC`")
    modified_after: XeroDateTime = Field(
        default=None, description="Only records changed since then (If-Modified-Since)")


class PagedListParams(ListParams):
    """A list that pages: every page by default, or the one `page` asked for."""

    page: int | None = Field(default=None, ge=1, description="One page only (else all)")
    page_size: int = Field(default=100, ge=1, le=1000, description="Rows of that one page")


class WriteParams(XeroBody):
    """A write: the caller's own operation id makes retries and restarts safe."""

    operation_id: str = accepting(
        "operation_id", min_length=1, max_length=200,
        description="The caller's id for this write; the same id never writes twice")


@dataclass(frozen=True)
class ActionSpec:
    """One catalogue action: its params model, output type, function and whether it writes."""

    name: str
    key: str  # the action's key in the Prismatic Xero component
    params: type[BaseModel]
    output: Any
    run: Run
    write: bool
    description: str = ""

    @property
    def kind(self) -> Literal["read", "write"]:
        """"read" or "write"."""
        return "write" if self.write else "read"

    @cached_property
    def _output_adapter(self) -> TypeAdapter[Any]:
        return TypeAdapter(self.output)

    def dump(self, result: Any) -> Any:
        """The output as JSON-ready data with Xero's names (bytes as base64)."""
        return self._output_adapter.dump_python(result, mode="json", by_alias=True,
                                                exclude_none=True)

    async def __call__(self, client: XeroClient, params: BaseModel | Mapping[str, Any]) -> Any:
        """Validate `params` (a model or a dict) and run the action."""
        model = params if isinstance(params, self.params) else \
            self.params.model_validate(params)
        return await self.run(client, model)


ACTIONS: dict[str, ActionSpec] = {}


def action(name: str, *, write: bool) -> Callable[[F], F]:
    """Register an `async def (client, params) -> output` under `name` (types from its hints)."""

    def register(fn: F) -> F:
        hints = get_type_hints(fn)
        params = hints["params"]
        # raw_request is the one write whose operation id is optional (a GET needs none).
        if write != issubclass(params, WriteParams) and name != "raw_request":
            raise TypeError(f"{name}: writes take WriteParams, reads do not")
        doc = inspect.getdoc(fn) or ""
        ACTIONS[name] = ActionSpec(name, camel(name), params, hints["return"], fn, write,
                                   doc.splitlines()[0] if doc else "")
        return fn

    return register


# ---- helpers --------------------------------------------------------------------------------
def write_key(client: XeroClient, action_name: str, operation_id: str) -> str:
    """The Idempotency-Key of one write: the same for the same operation, tenant and action."""
    return idempotency_key("xero", action_name, client.tenant_id, operation_id)


async def write(client: XeroClient, action_name: str, operation_id: str, method: str,
                path: str, body: Any) -> dict[str, Any]:
    """One write of an action, named after it and keyed by the caller's operation id."""
    return await client.write(method, path, body, operation=action_name,
                              idempotency_key=write_key(client, action_name, operation_id))


def segment(value: str) -> str:
    """One path segment, escaped so an id or file name can never change the path."""
    return quote(value, safe="")


def _checked(element: Any) -> dict[str, Any]:
    if not isinstance(element, dict):
        raise ProviderError("Xero answered a record that is not an object")
    messages = [str(e.get("Message", e)) if isinstance(e, dict) else str(e)
                for e in element.get("ValidationErrors") or []]
    if messages and element.get("StatusAttributeString") == "ERROR":
        problems = [FieldProblem(m, guess_field(m), 0) for m in messages]
        raise ValidationError(messages[0], problems)
    return element


def first(body: Mapping[str, Any], key: str, model: type[M]) -> M:
    """The one record of a single-record envelope, typed."""
    items = body.get(key)
    if not isinstance(items, list) or not items:
        raise ProviderError(f"Xero's answer has no {key}")
    return model.model_validate(_checked(items[0]))


def many(items: Any, model: type[M]) -> list[M]:
    """Every record of a list, typed."""
    if not isinstance(items, list):
        raise ProviderError("Xero's answer is not a list")
    return [model.model_validate(item) for item in items]


async def list_records(client: XeroClient, resource: str, operation: str, params: ListParams,
                       model: type[M], *, query: Mapping[str, Any] | None = None,
                       paged: bool = True) -> list[M]:
    """A list: every page (pageSize 1000) or, for PagedListParams.page, that one page."""
    extra = {k: v for k, v in (query or {}).items() if v is not None}
    if isinstance(params, PagedListParams) and params.page is not None:
        # The caller asked for one page by number: Xero's paging, at the size they chose.
        extra.update(page=str(params.page), pageSize=str(params.page_size))
        if params.where:
            extra["where"] = params.where
        if params.order:
            extra["order"] = params.order
        body = await client.get(resource, operation=operation, params=extra,
                                if_modified_since=params.modified_after)
        return many(body.get(resource.strip("/").split("/")[0]), model)
    rows = await client.list_all(resource, operation=operation, params=extra,
                                 where=params.where, order=params.order,
                                 if_modified_since=params.modified_after, paged=paged)
    return many(rows, model)


class Deleted(XeroModel):
    """The answer to a delete Xero acknowledges without a body."""

    id: str
    status: str = "DELETED"


_SAFE_PATH = re.compile(r"^/(?!/)[^\\]*$")


def checked_path(path: str) -> str:
    """A path under the accounting API; absolute URLs and `..` raise ValueError.

    A raw request carries the bearer token; a full URL or a climbing path could send it to
    another host or API.
    """
    parts = path.split("?")[0].split("/")
    if "://" in path or not _SAFE_PATH.match(path) or ".." in parts or "." in parts:
        raise ValueError(f"{path!r} is not a path under the Xero accounting API (e.g. "
                         "/Accounts)")
    return path


def split_csv(value: Any) -> Any:
    """Let a list parameter also arrive as one comma-separated string (`"PAID,VOIDED"`)."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


StrList = Annotated[list[str], BeforeValidator(split_csv)]


def csv(values: list[str] | None) -> str | None:
    """A csv query value (Statuses, IDs…), None when empty."""
    return ",".join(values) if values else None


def flag(value: bool | None) -> str | None:
    """A boolean query value as Xero's clients send it."""
    return None if value is None else ("true" if value else "false")
