"""How commands print: tables fitting 80 columns, a progress bar while waiting, JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

WIDTH = 80  # what a table must fit, whatever the terminal
GAP = 3  # between two columns: padding, rule, padding
FLEX_MIN = 12  # a name is cut no shorter than this
MONEY = ("Total", "AmountDue", "SubTotal", "TotalTax")
ROWS_SHOWN = 25  # rows of a result printed as a table; --json prints them all
# The columns worth a glance, per query type (dotted paths into Xero's records).
COLUMNS: dict[str, tuple[str, ...]] = {
    "xero_invoices": ("InvoiceNumber", "Contact.Name", "Date", "Status", "Total", "AmountDue"),
    "xero_invoices_by_contact": ("InvoiceNumber", "Date", "Status", "Total", "AmountDue"),
    "xero_contacts": ("Name", "EmailAddress", "ContactStatus"),
    "xero_accounts": ("Code", "Name", "Type", "Status"),
    "xero_tax_rates": ("Name", "TaxType", "EffectiveRate", "Status"),
}
AGED_BUCKETS = (("current", "current"), ("days_1_30", "1–30"), ("days_31_60", "31–60"),
                ("days_61_90", "61–90"), ("days_90_plus", "90+"))


def console(stderr: bool = False) -> Console:
    """A console as wide as the terminal, 80 columns when printing to a pipe or a file."""
    return Console(stderr=stderr, highlight=False)


def table(*columns: str, title: str | None = None) -> Table:
    """A compact table: no outer border, so 80 columns hold more."""
    out = Table(box=box.SIMPLE_HEAD, pad_edge=False, title=title, title_justify="left",
                show_edge=False)
    for name in columns:
        out.add_column(name)
    return out


def print_json(value: Any) -> None:
    """One JSON document on stdout (dates and decimals as text)."""
    typer.echo(json.dumps(value, default=str, indent=2))


@contextmanager
def working(label: str, quiet: bool = False) -> Iterator[None]:
    """A progress bar on stderr while something long runs (only on a terminal)."""
    err = console(stderr=True)
    if quiet or not err.is_terminal:
        yield
        return
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  TimeElapsedColumn(), console=err, transient=True) as progress:
        progress.add_task(label, total=None)
        yield


def _at(record: Mapping[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _scalar_keys(record: Mapping[str, Any], limit: int) -> list[str]:
    return [k for k, v in record.items() if not isinstance(v, dict | list)][:limit]


def fitted(headers: Sequence[str], rows: Sequence[Sequence[str]], *,
           flexible: Collection[int] = (0,), fold: Collection[int] = (),
           right: Collection[int] = (), title: str | None = None,
           styles: Sequence[str | None] | None = None) -> Table:
    """Text cells in a table that fits WIDTH, every value whole but the flexible columns'
    (names: cut short with …, or folded onto more lines when in `fold`); when even that is
    too wide, the last columns are left out (the caption says so)."""
    widths = [max([len(h), *(_longest_line(r[i]) for r in rows)])
              for i, h in enumerate(headers)]
    room = [min(w, FLEX_MIN) if i in flexible else w for i, w in enumerate(widths)]
    keep = len(headers)
    while keep > 1 and sum(room[:keep]) + GAP * (keep - 1) > WIDTH:
        keep -= 1
    excess = sum(widths[:keep]) + GAP * (keep - 1) - WIDTH
    while excess > 0:  # take from the widest flexible column, one character at a time
        widest = max((i for i in flexible if i < keep), key=lambda i: widths[i])
        widths[widest] -= 1
        excess -= 1
    out = table(title=title)
    if keep < len(headers):
        out.caption, out.caption_justify = "more columns: --json", "left"
    for i, header in enumerate(headers[:keep]):
        out.add_column(header, no_wrap=i not in fold,
                       overflow="fold" if i in fold else "ellipsis", max_width=widths[i],
                       justify="right" if i in right else "left")
    for index, row in enumerate(rows):
        out.add_row(*(Text(cell) for cell in row[:keep]),
                    style=styles[index] if styles else None)
    return out


def _longest_line(cell: str) -> int:
    return max((len(line) for line in cell.splitlines()), default=0)


def records_table(records: list[Any], columns: tuple[str, ...] | None = None,
                  title: str | None = None) -> Table:
    """A list of records: the chosen columns (or the first scalar ones), ROWS_SHOWN rows."""
    first = next((r for r in records if isinstance(r, Mapping)), {})
    names = list(columns or _scalar_keys(first, 4))
    rows = [[_text(_at(r, n)) for n in names] for r in records[:ROWS_SHOWN]
            if isinstance(r, Mapping)]
    return fitted([n.rsplit(".", 1)[-1] for n in names], rows, title=title,
                  flexible=[i for i, n in enumerate(names) if "Name" in n or "Email" in n]
                  or [0], right=[i for i, n in enumerate(names) if n in MONEY])


def aged_table(data: Mapping[str, Any], title: str, limit: int = ROWS_SHOWN) -> Table:
    """An aged summary: one row per contact, the buckets, the total (the totals last)."""
    contacts = list(data.get("contacts", []))[:limit]
    totals = data.get("totals") or {}
    keys = [*(k for k, _ in AGED_BUCKETS), "total_outstanding"]
    rows = [[_text(c.get("contact_name")), *(_text(c.get(k)) for k in keys)] for c in contacts]
    rows.append(["all contacts", *(_text(totals.get(k)) for k, _ in AGED_BUCKETS),
                 _text(totals.get("total"))])
    headers = ["contact", *(label for _, label in AGED_BUCKETS), "total"]
    styles: list[str | None] = [None] * len(contacts) + ["bold"]
    return fitted(headers, rows, right=range(1, len(headers)), title=title, styles=styles)


def report_table(report: Mapping[str, Any]) -> Table:
    """A Xero report (Rows of Header, Section, Row, SummaryRow): its label and first values."""
    titles = [t for t in report.get("ReportTitles", []) if isinstance(t, str)]
    out = table(title=" · ".join(titles) or str(report.get("ReportName", "")))
    rows = list(report.get("Rows", []))
    header: Mapping[str, Any] = next((r for r in rows if r.get("RowType") == "Header"),
                                     {"Cells": [{}, {}]})
    width = min(len(header.get("Cells", [])), 4)  # the label and up to three periods
    out.add_column("", no_wrap=True, overflow="ellipsis", min_width=16)
    for cell in header.get("Cells", [])[1:width]:
        out.add_column(_text(cell.get("Value")), justify="right", no_wrap=True)
    for row in rows:
        if row.get("RowType") == "Section":
            if row.get("Title"):
                out.add_row(f"[bold]{row['Title']}[/]")
            for inner in row.get("Rows", []):
                cells = [_text(c.get("Value")) for c in inner.get("Cells", [])][:width]
                style = "bold" if inner.get("RowType") == "SummaryRow" else None
                out.add_row(*cells, style=style)
    return out


def fields_table(record: Mapping[str, Any], title: str | None = None) -> Table:
    """One record as field/value rows (nested values summarised; --json has them whole)."""
    out = table(title=title)
    out.add_column("field", no_wrap=True, style="bold")
    out.add_column("value", overflow="fold")
    for key, value in record.items():
        if isinstance(value, Mapping):
            shown = ", ".join(f"{k}={_text(v)}" for k, v in value.items()
                              if not isinstance(v, dict | list))
        elif isinstance(value, list):
            shown = f"{len(value)} item(s)"
        else:
            shown = _text(value)
        out.add_row(str(key), shown)
    return out


def show_query_result(out: Console, query_type: str, data: Any) -> None:
    """A query's result as the table that suits its shape."""
    if isinstance(data, Mapping) and "contacts" in data and "totals" in data:
        out.print(aged_table(data, f"{query_type} as at {data.get('as_at')} "
                                   f"({len(data['contacts'])} contacts)"))
        shown = len(data["contacts"])
    elif isinstance(data, Mapping) and "Rows" in data:
        out.print(report_table(data))
        return
    elif isinstance(data, list):
        out.print(records_table(data, COLUMNS.get(query_type), title=f"{query_type}: "
                                                                      f"{len(data)} record(s)"))
        shown = len(data)
    elif isinstance(data, Mapping):
        out.print(fields_table(data, title=query_type))
        return
    else:
        out.print(_text(data))
        return
    if shown > ROWS_SHOWN:
        out.print(f"First {ROWS_SHOWN} of {shown} shown; --json prints all of them.")
