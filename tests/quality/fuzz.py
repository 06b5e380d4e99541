"""Schemathesis over the live hub: a fixed number of examples per operation, failures collected.

The run is bounded by counts only (never by the clock), and generation is derandomized, so a
loaded machine runs the same requests as an idle one, only more slowly.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.core.transport import Response
from schemathesis.schemas import APIOperation, BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

# The codes of an answer that says the request breaks the published schema. Other 4xx answers
# to schema-valid data are about state or meaning (no such record, Xero refused the invoice,
# two values that contradict each other: `conflicting_input`), which no schema can express.
SCHEMA_REFUSALS = {"invalid_input", "invalid_json"}


def valid_data_accepted(ctx: Any, response: Response, case: Case[Any]) -> bool | None:
    """Data the schema allows is never refused as breaking the schema."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    if response.status_code in (400, 422):
        try:
            code = response.json()["error"]["code"]
        except (ValueError, KeyError, TypeError):
            code = None
        if code in SCHEMA_REFUSALS or code is None:
            raise AssertionError(f"Valid data was rejected ({response.status_code} {code}): "
                                 f"{response.text[:500]}")
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, valid_data_accepted, negative_data_rejection]
# Path parameters that name the connected integration, so its routes do real work.
INTEGRATION_PARAMS = ("integration_id", "integration_uuid", "connection_uuid")
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
Operation = APIOperation[Any, Any, Any, Any]


@dataclass
class FuzzReport:
    """What a run did: requests per status and operation, and the failures (with a curl)."""

    calls: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    by_operation: dict[str, dict[int, int]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    operations: list[str] = field(default_factory=list)  # every operation of the schema

    def count(self, label: str, status: int) -> None:
        """Record one answer."""
        self.calls += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1
        seen = self.by_operation.setdefault(label, {})
        seen[status] = seen.get(status, 0) + 1

    def summary(self) -> str:
        """One line for the test log."""
        spread = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items()))
        return (f"{self.calls} requests to {len(self.by_operation)} of "
                f"{len(self.operations)} operations ({spread}); {len(self.failures)} failures")


@dataclass
class Fuzzer:
    """Where to send requests and how much to generate."""

    base_url: str
    api_key: str
    integration_id: str
    max_examples: int  # per operation, generation mode and path-parameter choice
    report: FuzzReport = field(default_factory=FuzzReport)

    def run(self, schema: BaseSchema) -> FuzzReport:
        """Every operation: its examples, then positive and negative generated cases.

        Operations whose path names an integration run twice: with generated ids (mostly 404)
        and with the connected integration's id (so queries and actions reach the emulator).
        """
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {self.api_key}"
            for result in schema.get_all_operations():
                if isinstance(result, Err):
                    self.report.failures.append(f"the schema is invalid: {result.err()}")
                    continue
                operation = result.ok()
                self.report.operations.append(operation.label)
                # LEDGERLINK_FUZZ_ONLY=text: only the operations whose label holds it (a
                # developer's quicker run; the suite runs them all).
                if os.environ.get("LEDGERLINK_FUZZ_ONLY", "") not in operation.label:
                    continue
                names = {p.name for p in operation.path_parameters}
                ours = {n: self.integration_id for n in names if n in INTEGRATION_PARAMS}
                choices: list[dict[str, Any] | None] = [None, ours] if ours else [None]
                examples = (schema.get_strategies_from_examples(operation, path_parameters=ours)
                            if ours else schema.get_strategies_from_examples(operation))
                for strategy in examples:
                    self._run(operation, strategy, session)
                for mode in MODES:
                    for fixed in choices:
                        self._run(operation, operation.as_strategy(
                            generation_mode=mode, path_parameters=fixed), session)
        return self.report

    def _run(self, operation: Operation, strategy: Any, session: requests.Session) -> None:
        base_url, report = self.base_url, self.report

        def call(case: Case[Any]) -> None:
            response = case.call(base_url=base_url, session=session, timeout=30)
            report.count(operation.label, response.status_code)
            case.validate_response(response, checks=CHECKS,
                                   transport_kwargs={"base_url": base_url, "session": session})

        test: Callable[[], None] = settings(
            max_examples=self.max_examples, deadline=None, database=None, derandomize=True,
            phases=[Phase.explicit, Phase.generate], print_blob=False,
            suppress_health_check=list(HealthCheck))(given(case=strategy)(call))
        try:
            test()
        except Unsatisfiable:  # e.g. no negative case exists for a route without inputs
            pass
        except (Exception, BaseExceptionGroup) as exc:  # a check failed (schemathesis groups
            # several in a BaseExceptionGroup): keep it, go on with the next operation
            report.failures.append(f"{operation.label}: {str(exc)[:3000]}")


def load(spec: dict[str, Any]) -> BaseSchema:
    """The schema from the app's own OpenAPI document."""
    return schemathesis.openapi.from_dict(spec)
