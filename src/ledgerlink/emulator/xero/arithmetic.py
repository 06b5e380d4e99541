"""Xero's line and document arithmetic: per-line tax rounded half-up to 2 dp, then summed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

__all__ = [
    "EXCLUSIVE",
    "INCLUSIVE",
    "NOTAX",
    "LineResult",
    "Totals",
    "amount_due",
    "compute_line",
    "compute_totals",
    "effective_rate",
    "line_tax",
    "normalise_line_amount_types",
    "round2",
    "round4",
]

EXCLUSIVE = "Exclusive"
INCLUSIVE = "Inclusive"
NOTAX = "NoTax"

_TWO_DP = Decimal("0.01")
_FOUR_DP = Decimal("0.0001")
_ZERO = Decimal("0.00")
_HUNDRED = Decimal(100)
_PRECISION = 50  # working digits, far beyond any amount Xero accepts
_LINE_AMOUNT_TYPES = {
    "exclusive": EXCLUSIVE,
    "inclusive": INCLUSIVE,
    "notax": NOTAX,
    "none": NOTAX,
}


def round2(x: Decimal) -> Decimal:
    """Round to 2 dp, half away from zero (0.125 → 0.13, −0.125 → −0.13)."""
    return x.quantize(_TWO_DP, rounding=ROUND_HALF_UP)


def round4(x: Decimal) -> Decimal:
    """Round to 4 dp, half away from zero."""
    return x.quantize(_FOUR_DP, rounding=ROUND_HALF_UP)


def normalise_line_amount_types(value: str) -> str:
    """Canonical `Exclusive` / `Inclusive` / `NoTax` for any casing (and `NONE` → `NoTax`)."""
    key = value.strip().lower().replace("_", "") if isinstance(value, str) else ""
    try:
        return _LINE_AMOUNT_TYPES[key]
    except KeyError:
        raise ValueError(
            f"LineAmountTypes must be Exclusive, Inclusive or NoTax, not {value!r}"
        ) from None


@dataclass(frozen=True)
class LineResult:
    """One line's computed amounts, each at 2 dp."""

    line_amount: Decimal
    tax_amount: Decimal
    discount: Decimal


@dataclass(frozen=True)
class Totals:
    """A document's summary amounts, each at 2 dp."""

    sub_total: Decimal
    total_tax: Decimal
    total: Decimal
    total_discount: Decimal


def line_tax(line_amount: Decimal, rate_percent: Decimal, line_amount_types: str) -> Decimal:
    """Tax on a line amount: `round2(L×r)` exclusive, `round2(L×r/(1+r))` inclusive, 0 NoTax."""
    kind = normalise_line_amount_types(line_amount_types)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        if kind == EXCLUSIVE:
            return round2(line_amount * rate_percent / _HUNDRED)
        if kind == INCLUSIVE:
            denominator = _HUNDRED + rate_percent
            if denominator == 0:
                raise ValueError("A tax rate of -100% cannot be backed out of an inclusive amount")
            return round2(line_amount * rate_percent / denominator)
    return _ZERO


def compute_line(
    quantity: Decimal | None,
    unit_amount: Decimal | None,
    rate_percent: Decimal,
    line_amount_types: str,
    discount_rate: Decimal | None = None,
    discount_amount: Decimal | None = None,
    line_amount: Decimal | None = None,
    tax_amount_override: Decimal | None = None,
    unitdp: int = 2,
) -> LineResult:
    """Work out one line as Xero does.

    * Quantity defaults to 1 (and is taken to 4 dp); UnitAmount is first rounded to `unitdp`.
    * With a UnitAmount: LineAmount = round2(Q×U×(1 − DiscountRate/100)), or round2(Q×U −
      DiscountAmount); DiscountRate wins if both are given. A supplied LineAmount is then
      ignored (the caller may compare it with the result).
    * Without a UnitAmount the supplied LineAmount (rounded to 2 dp) is used, else 0.
    * Tax follows `line_tax`; an explicit `tax_amount_override` replaces it (to 2 dp), except
      under NoTax where tax is always 0.
    * `discount` is round2(Q×U) − LineAmount, so it is 0.00 when no discount applies.
    """
    if unitdp not in (2, 4):
        raise ValueError(f"unitdp must be 2 or 4, not {unitdp!r}")
    kind = normalise_line_amount_types(line_amount_types)
    qty = Decimal(1) if quantity is None else round4(quantity)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        if unit_amount is not None:
            unit = unit_amount.quantize(_TWO_DP if unitdp == 2 else _FOUR_DP, ROUND_HALF_UP)
            gross = qty * unit
            if discount_rate is not None and discount_rate != 0:
                amount = round2(gross * (_HUNDRED - discount_rate) / _HUNDRED)
            elif discount_amount is not None:
                amount = round2(gross - discount_amount)
            else:
                amount = round2(gross)
            discount = round2(gross) - amount
        else:
            amount = _ZERO if line_amount is None else round2(line_amount)
            discount = _ZERO
    if kind == NOTAX:
        tax = _ZERO
    elif tax_amount_override is not None:
        tax = round2(tax_amount_override)
    else:
        tax = line_tax(amount, rate_percent, kind)
    return LineResult(line_amount=amount, tax_amount=tax, discount=round2(discount))


def compute_totals(lines: Sequence[LineResult], line_amount_types: str) -> Totals:
    """Sum lines: Exclusive/NoTax Total = ΣLineAmount + ΣTax; Inclusive Total = ΣLineAmount and
    SubTotal = Σ(LineAmount − Tax)."""
    kind = normalise_line_amount_types(line_amount_types)
    line_sum = sum((line.line_amount for line in lines), _ZERO)
    total_tax = sum((line.tax_amount for line in lines), _ZERO)
    total_discount = sum((line.discount for line in lines), _ZERO)
    if kind == INCLUSIVE:
        sub_total = line_sum - total_tax
        total = line_sum
    else:
        sub_total = line_sum
        total = line_sum + total_tax
    return Totals(
        sub_total=round2(sub_total),
        total_tax=round2(total_tax),
        total=round2(total),
        total_discount=round2(total_discount),
    )


def _decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, bool):
        raise ValueError("A tax component Rate cannot be a boolean")
    if isinstance(value, int | float | str):
        try:
            number = Decimal(str(value).strip())
        except ArithmeticError:
            number = Decimal("NaN")
        if number.is_finite():
            return number
    raise ValueError(f"A tax component Rate must be a number, not {value!r}")


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def effective_rate(components: Sequence[Mapping[str, Any]]) -> Decimal:
    """A tax rate's EffectiveRate (percent, 4 dp) from its TaxComponents.

    Simple components add up; each compound component (`IsCompound`) is charged on the amount
    plus the simple tax: (1 + Σsimple)(1 + c₁)(1 + c₂)… − 1. E.g. 5% + 8.5% compound → 13.9250.
    """
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        simple = Decimal(0)
        compound: list[Decimal] = []
        for component in components:
            rate = _decimal(component.get("Rate")) / _HUNDRED
            if _truthy(component.get("IsCompound")):
                compound.append(rate)
            else:
                simple += rate
        factor = Decimal(1) + simple
        for rate in compound:
            factor *= Decimal(1) + rate
        return round4((factor - Decimal(1)) * _HUNDRED)


def amount_due(total: Decimal, amount_paid: Decimal, amount_credited: Decimal) -> Decimal:
    """AmountDue = Total − AmountPaid − AmountCredited, at 2 dp (not clamped at zero)."""
    return round2(total - amount_paid - amount_credited)
