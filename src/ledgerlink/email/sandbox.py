"""The jinja2 sandbox merge templates render in: dict lookups only, and every step size-bounded.

The syntax check (`template_rules`) already refuses what could run away; this is the second
fence, so that a template that somehow reached it still could not. Each render gets a
`Budget` of characters: every filter result and every chunk of output is charged to it, and
`replace` (the one filter that multiplies text) works out its result's length before it
builds it. Filters take the render's context, which also stops jinja2 from running them at
compile time (its optimizer would otherwise fold `'x'|replace(…)` before any budget exists).
Arithmetic is intercepted and refused, and nothing can be called.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, pass_context
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context, Undefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from ledgerlink.email.template_rules import FILTERS

WORK_PER_OUTPUT = 4  # a render may produce (filters included) 4x what it may output


class TemplateTooLarge(TemplateError):
    """A render would produce more text than its limit."""


@dataclass
class Budget:
    """The characters one render may still produce."""

    limit: int
    used: int = 0

    def spend(self, size: int) -> None:
        """Charge `size` characters, refusing before the limit is passed."""
        self.used += size
        if self.used > self.limit:
            raise TemplateTooLarge(f"the template produces more than {self.limit:,} "
                                   "characters (filters such as replace multiply text)")


_BUDGET: ContextVar[Budget | None] = ContextVar("merge_budget", default=None)


def _spend(size: int) -> None:
    budget = _BUDGET.get()
    if budget is None:  # a filter outside `render_bounded` (never happens in our code)
        raise SecurityError("merge filters only run inside a bounded render")
    budget.spend(size)


@contextmanager
def budget(limit: int) -> Iterator[Budget]:
    """A budget for the renders in this block (one thread's, or one task's, context)."""
    current = Budget(limit)
    token = _BUDGET.set(current)
    try:
        yield current
    finally:
        _BUDGET.reset(token)


def _bounded(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that charges its result to the render's budget."""
    # jinja2 marks filters that want the environment or eval context with this attribute.
    wants = getattr(getattr(func, "jinja_pass_arg", None), "name", None)

    @pass_context
    def run(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        first = {"environment": context.environment, "eval_context": context.eval_ctx,
                 "context": context}.get(wants or "")
        result = func(first, value, *args, **kwargs) if first is not None \
            else func(value, *args, **kwargs)
        _spend(len(str(result)))
        return result

    run.__name__ = f"bounded_{name}"
    return run


@pass_context
def _replace(context: Context, value: Any, old: Any, new: Any, count: Any = None) -> str:
    """jinja2's `replace`, refused before it builds a result over the budget."""
    if count is not None and (not isinstance(count, int) or isinstance(count, bool)):
        raise TemplateError("replace's third argument (count) must be a whole number")
    markup = context.eval_ctx.autoescape and hasattr(value, "__html__")
    text = Markup(value) if markup else str(value)
    # Markup.replace would escape its arguments: size (and pass) the escaped strings.
    old_text = escape(old) if markup else str(old)
    new_text = escape(new) if markup else str(new)
    found = len(text) + 1 if old_text == "" else text.count(old_text)
    if count is not None and count >= 0:
        found = min(found, count)
    _spend(len(text) + found * (len(new_text) - len(old_text)))
    # `found` also keeps a huge count from overflowing str.replace's C integer.
    return text.replace(old_text, new_text, found)


class MergeSandbox(SandboxedEnvironment):
    """A sandbox where lookups reach only Mapping keys, nothing is called or computed."""

    intercepted_binops = frozenset(("+", "-", "*", "/", "//", "%", "**"))
    intercepted_unops = frozenset(("+", "-"))

    def getattr(self, obj: Any, attribute: str) -> Any | Undefined:
        """`group.field`: a key of a provided dict, never a Python attribute."""
        return self._lookup(obj, attribute)

    def getitem(self, obj: Any, argument: str | Any) -> Any | Undefined:
        """`group['field']`: the same rule as attribute access."""
        return self._lookup(obj, argument)

    def _lookup(self, obj: Any, key: Any) -> Any | Undefined:
        if not isinstance(obj, Mapping) or not isinstance(key, str) or key.startswith("_"):
            raise SecurityError(f"access to {key!r} is not allowed in merge tags")
        if key in obj:
            return obj[key]
        return self.undefined(obj=obj, name=key)

    def call(__self, __context: Context, __obj: Any,  # jinja2's signature
             *args: Any, **kwargs: Any) -> Any:
        """Nothing is callable from a merge template."""
        raise SecurityError("calls are not allowed in merge tags")

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """No arithmetic (`'x' * 10**9` would allocate before anything could count it)."""
        raise SecurityError(f"the operator {operator!r} is not allowed in merge tags")

    def call_unop(self, context: Context, operator: str, arg: Any) -> Any:
        """No arithmetic."""
        raise SecurityError(f"the operator {operator!r} is not allowed in merge tags")


def _environment(autoescape: bool) -> MergeSandbox:
    env = MergeSandbox(autoescape=autoescape, undefined=StrictUndefined)
    env.globals.clear()
    env.filters = {name: _replace if name == "replace" else _bounded(name, env.filters[name])
                   for name in FILTERS}
    return env


TEXT = _environment(autoescape=False)
HTML = _environment(autoescape=True)


def render_bounded(template: Template, context: Mapping[str, Mapping[str, str]],
                   limit: int) -> str:
    """The template's output, refused (TemplateTooLarge) once it would pass `limit`."""
    parts: list[str] = []
    size = 0
    with budget(limit * WORK_PER_OUTPUT) as work:
        for chunk in template.generate(**context):
            size += len(chunk)
            if size > limit:
                raise TemplateTooLarge(f"the template renders to more than {limit:,} "
                                       "characters")
            work.spend(len(chunk))
            parts.append(chunk)
    return "".join(parts)
