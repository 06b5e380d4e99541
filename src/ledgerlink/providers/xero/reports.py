"""Xero reports (ReportWithRows) parsed into typed tables that survive custom layouts."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from ledgerlink.errors import ProviderError
from ledgerlink.providers.xero.client import XeroClient
from ledgerlink.providers.xero.reports_params import (
    AgedByContactParams,
    BalanceSheetParams,
    ProfitAndLossParams,
    ReportParams,
    TrialBalanceParams,
    parse_params,
)

__all__ = [
    "AgedByContactParams", "BalanceSheetParams", "CellValue", "Column", "ProfitAndLossParams",
    "ReportTable", "Row", "Section", "TrialBalanceParams", "aged_payables_by_contact",
    "aged_receivables_by_contact", "balance_sheet", "fetch_report", "parse_report",
    "profit_and_loss", "trial_balance",
]

CellValue = Decimal | str | None
RowKind = Literal["row", "summary"]
_NUMBER = re.compile(r"^\(?-?\d{1,3}(?:,\d{3})*(?:\.\d+)?\)?$|^\(?-?\d+(?:\.\d+)?\)?$")
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T00:00:00(?:\.0+)?)?$")
_WORDY_DAY = re.compile(r"^(\d{1,2}) ([A-Za-z]{3,9})\.? (\d{2}|\d{4})$")
_MONTHS = {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul",
                                            "aug", "sep", "oct", "nov", "dec"))}
# Columns whose cells are identifiers: "1042" there is an invoice number, not an amount.
TEXT_COLUMNS = frozenset({"number", "reference", "invoice number", "code", "account code"})


@dataclass(frozen=True)
class Column:
    """One value column: its header text and, when the header names a day, that date."""

    label: str
    date: dt.date | None = None


@dataclass
class Row:
    """One report line: label, the account (or invoice) it is about, one value per column."""

    label: str
    account_id: str | None
    values: list[CellValue]
    kind: RowKind = "row"
    invoice_id: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    row_type: str = "Row"  # what Xero sent; an unknown RowType is kept here, parsed as a row


@dataclass
class Section:
    """A titled (or untitled) block of rows; `summary` is its closing SummaryRow, if any."""

    title: str
    rows: list[Row]
    summary: Row | None = None


@dataclass
class ReportTable:
    """A parsed report next to the raw Xero structure it came from (`raw`).

    `columns` are the value columns (one per period; the label column is not one, except in
    layouts whose first column holds dates, like the aged reports). Every row's `values` has
    one entry per column. `totals` maps the label of each SummaryRow and of each computed line
    (Gross Profit, Net Profit, Net Assets) to one Decimal per column; a blank or text cell
    there counts as 0 (the row's own `values` keep it as it was).
    """

    name: str
    type: str
    titles: list[str]
    date: dt.date | None
    columns: list[Column]
    sections: list[Section]
    totals: dict[str, list[Decimal]]
    raw: dict[str, Any]

    def rows(self) -> Iterator[Row]:
        """Every row, summaries included, in report order."""
        for section in self.sections:
            yield from section.rows

    def find(self, label: str) -> Row | None:
        """The first row with this label (case and surrounding spaces ignored)."""
        wanted = label.strip().casefold()
        return next((r for r in self.rows() if r.label.strip().casefold() == wanted), None)

    def find_account(self, account_id: str) -> Row | None:
        """The first row about this AccountID."""
        wanted = account_id.lower()
        return next((r for r in self.rows() if (r.account_id or "").lower() == wanted), None)

    def column_index(self, column: int | str) -> int:
        """A column's position from its index or its header text (or ISO date)."""
        if isinstance(column, int):
            if not -len(self.columns) <= column < len(self.columns):
                raise IndexError(f"{self.name} has {len(self.columns)} columns, not {column + 1}")
            return column % len(self.columns)
        wanted = column.strip().casefold()
        for index, col in enumerate(self.columns):
            if col.label.strip().casefold() == wanted or (col.date and col.date.isoformat()
                                                          == wanted):
                return index
        raise KeyError(f"{self.name} has no column {column!r}")

    def value(self, label: str, column: int | str = 0) -> CellValue:
        """The cell of the row labelled `label` in `column` (index or header text)."""
        row = self.find(label)
        if row is None:
            raise KeyError(f"{self.name} has no row {label!r}")
        return row.values[self.column_index(column)]

    def column_keys(self) -> list[str]:
        """Unique record keys for the columns: the header text, else `column_N`."""
        keys: list[str] = []
        for index, col in enumerate(self.columns):
            base = col.label.strip() or f"column_{index + 1}"
            key, n = base, 2
            while key in keys or key in _RECORD_FIELDS:
                key, n = f"{base} ({n})", n + 1
            keys.append(key)
        return keys

    def to_records(self) -> list[dict[str, Any]]:
        """Flat rows for CSV or JSON: section, label, kind, ids, then one key per column.

        Amounts are strings (exact decimals; JSON numbers would be floats to most readers).
        """
        keys = self.column_keys()
        out: list[dict[str, Any]] = []
        for section in self.sections:
            for row in section.rows:
                record: dict[str, Any] = {"section": section.title, "label": row.label,
                                          "kind": row.kind, "account_id": row.account_id,
                                          "invoice_id": row.invoice_id}
                record.update(zip(keys, (_jsonable(v) for v in row.values), strict=True))
                out.append(record)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The parsed table and the raw report as JSON-ready values (amounts as strings)."""
        def row(r: Row) -> dict[str, Any]:
            return {"label": r.label, "kind": r.kind, "account_id": r.account_id,
                    "invoice_id": r.invoice_id, "values": [_jsonable(v) for v in r.values]}

        return {
            "name": self.name, "type": self.type, "titles": self.titles,
            "date": self.date.isoformat() if self.date else None,
            "columns": [{"label": c.label, "date": c.date.isoformat() if c.date else None}
                        for c in self.columns],
            "sections": [{"title": s.title, "rows": [row(r) for r in s.rows],
                          "summary": row(s.summary) if s.summary else None}
                         for s in self.sections],
            "totals": {k: [str(v) for v in vs] for k, vs in self.totals.items()},
            "raw": _jsonable(self.raw),
        }


_RECORD_FIELDS = ("section", "label", "kind", "account_id", "invoice_id")


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


# ---- cells ----------------------------------------------------------------------------------
def day_of(text: object) -> dt.date | None:
    """A date from a header or ReportDate: '30 Nov 26', '30 April 2019', ISO; else None."""
    if not isinstance(text, str):
        return None
    value = text.strip()
    try:
        iso = _ISO_DAY.match(value)
        if iso:
            return dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
        wordy = _WORDY_DAY.match(value)
        if wordy and wordy[2][:3].lower() in _MONTHS:
            year = int(wordy[3]) + (2000 if len(wordy[3]) == 2 else 0)
            return dt.date(year, _MONTHS[wordy[2][:3].lower()], int(wordy[1]))
    except ValueError:  # 31 Feb and the like: a label, not a date
        return None
    return None


def cell_value(raw: object, text_column: bool = False) -> CellValue:
    """A cell as Decimal (amounts), str (text, dates, ids) or None (blank)."""
    if raw is None or isinstance(raw, bool):
        return None if raw is None else str(raw).lower()
    if isinstance(raw, int | float | Decimal):
        return Decimal(str(raw))
    text = str(raw)
    stripped = text.strip()
    if not stripped:
        return None
    if text_column or not _NUMBER.match(stripped):
        return text
    negative = stripped.startswith("(") and stripped.endswith(")")
    try:
        number = Decimal(stripped.strip("()").replace(",", ""))
    except InvalidOperation:
        return text
    return -number if negative else number


def _cells(raw_row: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    cells = raw_row.get("Cells")
    return [c if isinstance(c, Mapping) else {"Value": c} for c in cells] \
        if isinstance(cells, list) else []


def _attributes(cells: list[Mapping[str, Any]]) -> dict[str, str]:
    """Every cell attribute by Id (the first occurrence wins), e.g. account -> AccountID."""
    out: dict[str, str] = {}
    for cell in cells:
        for attr in cell.get("Attributes") or []:
            if isinstance(attr, Mapping):
                key = attr.get("Id", attr.get("id"))
                value = attr.get("Value", attr.get("value"))
                if key is not None and value is not None:
                    out.setdefault(str(key), str(value))
    return out


def _pick(attributes: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in attributes.items() if k.lower() == name.lower() and v), None)


# ---- structure ------------------------------------------------------------------------------
@dataclass
class _Group:
    title: str
    rows: list[Mapping[str, Any]]


def _is_header(raw: Mapping[str, Any]) -> bool:
    return str(raw.get("RowType", "")).lower() == "header"


def _groups(rows: list[Any], header: list[Mapping[str, Any]]) -> list[_Group]:
    """Sections in report order. Loose top-level rows gather in untitled groups; a section
    nested deeper than Xero documents becomes a group of its own; the first Header wins."""
    out: list[_Group] = []
    loose: _Group | None = None
    for raw in rows:
        if not isinstance(raw, Mapping):
            continue
        if _is_header(raw):
            if not header:
                header.extend(_cells(raw))
        elif isinstance(raw.get("Rows"), list):
            loose = None
            out.extend(_section_groups(raw, header))
        elif "Cells" in raw:
            if loose is None:
                loose = _Group("", [])
                out.append(loose)
            loose.rows.append(raw)
    return out


def _section_groups(raw: Mapping[str, Any], header: list[Mapping[str, Any]]) -> list[_Group]:
    title = str(raw.get("Title") or "")
    out, current = [_Group(title, [])], None
    for child in raw["Rows"]:
        if not isinstance(child, Mapping):
            continue
        if isinstance(child.get("Rows"), list):
            out.extend(_groups([child], header))
            current = None
        elif _is_header(child):
            if not header:
                header.extend(_cells(child))
        else:
            if current is None:
                # Rows after a nested block continue their section under the same title.
                current = out[0] if len(out) == 1 else _Group(title, [])
                if current is not out[0]:
                    out.append(current)
            current.rows.append(child)
    return out


def _dated_first(groups: list[_Group]) -> bool:
    """Whether the first column holds data (dates, as in the aged reports), not row labels."""
    firsts = [_cells(r)[0].get("Value") for g in groups for r in g.rows
              if str(r.get("RowType", "")).lower() != "summaryrow" and _cells(r)]
    return bool(firsts) and all(_ISO_DAY.match(str(v or "").strip()) for v in firsts)


def _label(values: list[CellValue]) -> str:
    """In a dated-first layout: the first text cell that is neither a date nor an amount."""
    return next((v for v in values if isinstance(v, str) and not _ISO_DAY.match(v.strip())), "")


def parse_report(report: Mapping[str, Any]) -> ReportTable:
    """Parse one report object (or a whole `{"Reports": [...]}` answer) into a ReportTable."""
    if isinstance(report.get("Reports"), list):
        reports = report["Reports"]
        if not reports or not isinstance(reports[0], Mapping):
            raise ProviderError("Xero answered a report request without a report")
        report = reports[0]
    header: list[Mapping[str, Any]] = []
    groups = _groups(list(report.get("Rows") or []), header)
    dated = _dated_first(groups)
    skip = 0 if dated else 1
    width = max([len(header) - skip]
                + [len(_cells(r)) - skip for g in groups for r in g.rows] + [0])
    labels = [str(c.get("Value") or "") for c in header[skip:]]
    labels += [""] * (width - len(labels))
    columns = [Column(text, day_of(text)) for text in labels]
    text_cols = [c.label.strip().lower() in TEXT_COLUMNS for c in columns]
    sections: list[Section] = []
    totals: dict[str, list[Decimal]] = {}
    for group in groups:
        section = Section(group.title, [])
        for raw in group.rows:
            row = _row(raw, skip, width, text_cols, dated)
            section.rows.append(row)
            if row.kind == "summary":
                section.summary = row
            if _is_total(section, row):
                totals.setdefault(row.label, [v if isinstance(v, Decimal) else Decimal(0)
                                              for v in row.values])
        sections.append(section)
    titles = [str(t) for t in report.get("ReportTitles") or []]
    return ReportTable(name=str(report.get("ReportName") or report.get("ReportType") or ""),
                       type=str(report.get("ReportType") or report.get("ReportID") or ""),
                       titles=titles, date=day_of(report.get("ReportDate")), columns=columns,
                       sections=sections, totals=totals, raw=dict(report))


def _row(raw: Mapping[str, Any], skip: int, width: int, text_cols: list[bool],
         dated: bool) -> Row:
    cells = _cells(raw)
    values = [cell_value(c.get("Value"), text_cols[i] if i < len(text_cols) else False)
              for i, c in enumerate(cells[skip:])]
    values += [None] * (width - len(values))
    first = str(cells[0].get("Value") or "") if cells else ""
    label = _label(values) if dated else first
    attributes = _attributes(cells)
    row_type = str(raw.get("RowType") or "Row")
    return Row(label=label.strip(), account_id=_pick(attributes, "account"), values=values,
               kind="summary" if row_type.lower() == "summaryrow" else "row",
               invoice_id=_pick(attributes, "invoiceID"), attributes=attributes,
               row_type=row_type)


def _is_total(section: Section, row: Row) -> bool:
    """SummaryRows, and the computed lines of untitled sections (Gross Profit, Net Profit,
    Net Assets): rows about no account and no invoice."""
    if not row.label:
        return False
    if row.kind == "summary":
        return True
    return not section.title.strip() and row.account_id is None and row.invoice_id is None


# ---- fetching -------------------------------------------------------------------------------
async def fetch_report(client: XeroClient, report: str, query: Mapping[str, str], *,
                       operation: str) -> ReportTable:
    """GET /Reports/{report} with wire parameters; the parsed table (raw kept inside)."""
    body = await client.get(f"/Reports/{report}", operation=operation, params=dict(query))
    return parse_report(body)


async def _get(client: XeroClient, report: str, model: type[ReportParams],
               params: ReportParams | Mapping[str, Any] | None) -> ReportTable:
    parsed = parse_params(model, params)
    return await fetch_report(client, report, parsed.to_query(), operation=f"getReport{report}")


async def profit_and_loss(client: XeroClient,
                          params: ProfitAndLossParams | Mapping[str, Any] | None = None,
                          ) -> ReportTable:
    """The Profit and Loss (one column per period; trackingOptionID/trackingOptionID2)."""
    return await _get(client, "ProfitAndLoss", ProfitAndLossParams, params)


async def balance_sheet(client: XeroClient,
                        params: BalanceSheetParams | Mapping[str, Any] | None = None,
                        ) -> ReportTable:
    """The Balance Sheet (periods=N gives N+1 columns; trackingOptionID1/trackingOptionID2)."""
    return await _get(client, "BalanceSheet", BalanceSheetParams, params)


async def trial_balance(client: XeroClient,
                        params: TrialBalanceParams | Mapping[str, Any] | None = None,
                        ) -> ReportTable:
    """The Trial Balance (Debit, Credit, YTD Debit, YTD Credit)."""
    return await _get(client, "TrialBalance", TrialBalanceParams, params)


async def aged_receivables_by_contact(client: XeroClient,
                                      params: AgedByContactParams | Mapping[str, Any],
                                      ) -> ReportTable:
    """One customer's aged receivables (contact_id required); rows carry invoice ids."""
    return await _get(client, "AgedReceivablesByContact", AgedByContactParams, params)


async def aged_payables_by_contact(client: XeroClient,
                                   params: AgedByContactParams | Mapping[str, Any],
                                   ) -> ReportTable:
    """One supplier's aged payables (contact_id required); rows carry invoice ids."""
    return await _get(client, "AgedPayablesByContact", AgedByContactParams, params)
