"""The aged receivables picture: pygal SVG drawn on the server, readable without JavaScript."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import pygal
from pygal.style import Style

from ledgerlink.hub import Hub
from ledgerlink.integrations import service as integrations
from ledgerlink.integrations.xero_access import client_for
from ledgerlink.providers.xero.aging import BUCKETS, AgedSummary, aged_receivables_summary

BUCKET_LABELS = {"current": "Current", "days_1_30": "1–30 days", "days_31_60": "31–60 days",
                 "days_61_90": "61–90 days", "days_90_plus": "90+ days"}
TOP = 10
# pygal adds a configuration <script> for its optional tooltips even with js=[]: the console
# runs no script (its CSP would refuse it, noisily), so it is taken out, with the comments.
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_STYLE = Style(background="#ffffff", plot_background="#ffffff", foreground="#1d2b36",
               foreground_strong="#1d2b36", foreground_subtle="#8a9aa6",
               font_family="system-ui, -apple-system, 'Segoe UI', sans-serif",
               colors=("#3a6ea5", "#5b9bd5", "#e0a03a", "#d9673a", "#b3261e"),
               label_font_size=13, major_label_font_size=13, value_font_size=12,
               title_font_size=15, value_label_font_size=12)


def _svg(chart: pygal.graph.graph.Graph) -> str:
    text: str = chart.render(is_unicode=True)
    return _COMMENT.sub("", _SCRIPT.sub("", text))


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def buckets_svg(summary: AgedSummary) -> str:
    """A bar per ageing bucket, its amount printed on it."""
    chart = pygal.Bar(style=_STYLE, js=[], show_legend=False, disable_xml_declaration=True,
                      width=760, height=340, print_values=True, print_values_position="top",
                      title=f"Outstanding by age at {summary.as_at.isoformat()}",
                      value_formatter=lambda v: f"{v:,.2f}", x_title="Age",
                      y_title="Amount (base currency)", show_minor_y_labels=False,
                      y_labels_major_count=6)
    chart.x_labels = [BUCKET_LABELS[b] for b in BUCKETS]
    chart.add("Outstanding", [{"value": float(getattr(summary.totals, b)),
                               "color": _STYLE.colors[i]} for i, b in enumerate(BUCKETS)])
    return _svg(chart)


def debtors_svg(summary: AgedSummary) -> str:
    """The ten contacts owing most, as horizontal bars, largest at the top."""
    top = [c for c in summary.contacts if c.total_outstanding > 0][:TOP]
    chart = pygal.HorizontalBar(style=_STYLE, js=[], show_legend=False,
                                disable_xml_declaration=True, width=760,
                                height=120 + 34 * max(1, len(top)), print_values=True,
                                value_formatter=lambda v: f"{v:,.2f}",
                                title=f"Top {TOP} debtors", truncate_label=40)
    # HorizontalBar draws the first value at the bottom: reversed puts the largest on top.
    chart.x_labels = [c.contact_name or c.contact_id for c in reversed(top)]
    chart.add("Owed", [float(c.total_outstanding) for c in reversed(top)])
    return _svg(chart)


@dataclass(frozen=True)
class Receivables:
    """The picture and the numbers behind it (amounts as exact two-decimal text)."""

    summary: AgedSummary
    buckets_svg: str
    debtors_svg: str
    bucket_rows: list[tuple[str, str]]
    debtor_rows: list[tuple[str, str, int]]
    total: str


async def receivables(hub: Hub, integration_id: str) -> Receivables:
    """Fetch the organisation's aged receivables summary from Xero and draw it."""
    async with hub.db.session() as session:
        integration = await integrations.get_integration(session, integration_id)
    integrations.require_usable(integration, "the aged receivables summary")
    summary = await aged_receivables_summary(client_for(hub, integration))
    top = [c for c in summary.contacts if c.total_outstanding > 0][:TOP]
    return Receivables(
        summary=summary, buckets_svg=buckets_svg(summary), debtors_svg=debtors_svg(summary),
        bucket_rows=[(BUCKET_LABELS[b], _money(getattr(summary.totals, b))) for b in BUCKETS],
        debtor_rows=[(c.contact_name or c.contact_id, _money(c.total_outstanding),
                      c.invoice_count) for c in top],
        total=_money(summary.totals.total))
