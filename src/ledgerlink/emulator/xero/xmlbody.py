"""Turn an XML request body (as pyxero sends it) into the dict shape a JSON client would send."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as DET

__all__ = [
    "LIST_FIELDS",
    "MAX_DEPTH",
    "XmlBodyError",
    "parse_xml_body",
    "pluralise",
    "singularise",
]

MAX_DEPTH = 64
"""Deepest element nesting accepted; real bodies stay under ten levels."""

LIST_FIELDS: frozenset[str] = frozenset(
    {
        # Every array-valued property name in xero_accounting.yaml.
        "Accounts", "Actions", "Addresses", "Allocations", "Attachments", "Attributes",
        "BalanceDetails", "BankTransactions", "BankTransfers", "BatchPayments", "BrandingThemes",
        "BudgetBalances", "BudgetLines", "Budgets", "CISSettings", "Cells", "ContactGroups",
        "ContactPersons", "Contacts", "ConversionBalances", "CreditNotes", "Currencies",
        "Elements", "Employees", "ExpenseClaims", "ExternalLinks", "Fields", "FromTracking",
        "HistoryRecords", "InvoiceAddresses", "InvoiceReminders", "Invoices", "Items",
        "JournalLines", "Journals", "LineItems", "LinkedTransactions", "ManualJournals",
        "OnlineInvoices", "Options", "Organisations", "Overpayments", "PaymentServices",
        "Payments", "Phones", "Prepayments", "PurchaseOrders", "PurchasesTrackingCategories",
        "Quotes", "Receipts", "RepeatingInvoices", "ReportTitles", "Reports", "Rows",
        "SalesTrackingCategories", "TaxBreakdown", "TaxComponents", "TaxRates", "ToTracking",
        "Tracking", "TrackingCategories", "Users", "ValidationErrors", "Warnings",
    }
)  # fmt: skip
"""Field names that always hold a list, so an empty element with one of these names means `[]`
and children that are not `<Singular>` wrappers are a list pyxero flattened (see `_container`)."""

# Container names whose element tag is not the regular singular (pyxero's utils.OBJECT_NAMES).
_IRREGULAR_SINGULARS = {"Tracking": "TrackingCategory"}
_UNCHANGED_ENDINGS = ("ss", "us", "is")
_ES_ENDINGS = ("sses", "xes", "zes", "ches", "shes", "uses")
_VOWELS = frozenset("aeiouAEIOU")


class XmlBodyError(ValueError):
    """The request body is not well-formed XML, or not shaped like a Xero request."""


def pluralise(tag: str) -> str:
    """Plural of a singular Xero element name: Invoice→Invoices, Currency→Currencies."""
    if not tag:
        return tag
    if tag.endswith("y") and len(tag) > 1 and tag[-2] not in _VOWELS:
        return tag[:-1] + "ies"
    if tag.endswith(("s", "x", "z", "ch", "sh")):
        return tag + "es"
    return tag + "s"


def singularise(tag: str) -> str:
    """The element name of one item inside a container: LineItems→LineItem, Tracking→
    TrackingCategory, Currencies→Currency; a name that is not plural comes back unchanged."""
    if tag in _IRREGULAR_SINGULARS:
        return _IRREGULAR_SINGULARS[tag]
    if tag.endswith(_ES_ENDINGS):
        return tag[:-2]
    if tag.endswith("ies") and len(tag) > 3:
        return tag[:-3] + "y"
    if tag.endswith(_UNCHANGED_ENDINGS) or not tag.endswith("s") or len(tag) < 2:
        return tag
    return tag[:-1]


def _is_plural(tag: str) -> bool:
    return singularise(tag) != tag


def _local(tag: str) -> str:
    """Drop any `{namespace}` prefix ElementTree puts on a tag."""
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def _children(elem: Element, depth: int) -> list[Element]:
    """The child elements, after checking depth and that no stray text sits between them."""
    if depth > MAX_DEPTH:
        raise XmlBodyError(f"XML body nests deeper than {MAX_DEPTH} elements")
    kids = list(elem)
    if kids and (not _blank(elem.text) or any(not _blank(k.tail) for k in kids)):
        raise XmlBodyError(f"<{_local(elem.tag)}> mixes text with child elements")
    return kids


def _value(elem: Element, depth: int) -> Any:
    """A field's value: a string for a leaf, else a list or a nested dict."""
    tag = _local(elem.tag)
    kids = _children(elem, depth)
    if not kids:
        if tag in LIST_FIELDS and _blank(elem.text):
            return []
        return elem.text or ""
    return _container(tag, kids, depth)


def _container(tag: str, kids: list[Element], depth: int) -> Any:
    """An element with children: a list (of `<Singular>` items, or pyxero-flattened) or a dict."""
    item_tag = singularise(tag)
    tags = [_local(k.tag) for k in kids]
    if _is_plural(tag) and all(t == item_tag for t in tags):
        return [_item(k, depth + 1) for k in kids]
    if item_tag in tags and _is_plural(tag):
        raise XmlBodyError(f"<{tag}> mixes <{item_tag}> items with other elements")
    if tag in LIST_FIELDS or (_is_plural(tag) and len(set(tags)) < len(tags)):
        return _ungroup(tag, kids, depth)
    return _object(tag, kids, depth)


def _item(elem: Element, depth: int) -> Any:
    """One list entry: a dict for an element with children, `{}` when empty, else its text."""
    kids = _children(elem, depth)
    if kids:
        return _object(_local(elem.tag), kids, depth)
    return {} if _blank(elem.text) else elem.text


def _object(tag: str, kids: list[Element], depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kid in kids:
        key = _local(kid.tag)
        if key in out:
            raise XmlBodyError(f"<{key}> appears more than once inside <{tag}>")
        out[key] = _value(kid, depth + 1)
    return out


def _ungroup(tag: str, kids: list[Element], depth: int) -> list[dict[str, Any]]:
    """Undo pyxero's flattening of a list under a name missing from its OBJECT_NAMES table.

    pyxero writes `{"Options": [{"Name": "A"}, {"Name": "B"}]}` as
    `<Options><Name>A</Name><Name>B</Name></Options>`; a new item starts whenever a field
    repeats. (Items whose first field was left out cannot be told apart; nothing better exists.)
    """
    groups: list[dict[str, Any]] = [{}]
    for kid in kids:
        key = _local(kid.tag)
        if key in groups[-1]:
            groups.append({})
        groups[-1][key] = _value(kid, depth + 1)
    return groups


def _parse(data: bytes | str) -> Element:
    if not data.strip():
        raise XmlBodyError("The XML request body is empty")
    try:
        root: Element = DET.fromstring(data, forbid_dtd=True)
    except defusedxml.DefusedXmlException as exc:
        raise XmlBodyError(f"XML body refused: {exc}") from exc
    except ParseError as exc:
        raise XmlBodyError(f"Malformed XML body: {exc}") from exc
    except (ValueError, UnicodeError) as exc:
        raise XmlBodyError(f"Malformed XML body: {exc}") from exc
    return root


def parse_xml_body(data: bytes | str) -> dict[str, Any]:
    """Parse a Xero XML request body into `{"<Plural>": [ {...}, ... ]}`.

    `<Invoice>…</Invoice>` and `<Invoices><Invoice>…</Invoice>…</Invoices>` both give
    `{"Invoices": [...]}`. Inside objects, `<LineItems><LineItem>` style containers become lists,
    other elements with children become dicts, and leaves stay strings (types are left to the
    model layer). Raises `XmlBodyError` for malformed, unsafe (DTD/entities) or ill-shaped XML.
    """
    root = _parse(data)
    tag = _local(root.tag)
    kids = _children(root, 1)
    if _is_plural(tag):
        item_tag = singularise(tag)
        if not kids and _blank(root.text):
            return {tag: []}
        if kids and all(_local(k.tag) == item_tag for k in kids):
            return {tag: [_item(k, 2) for k in kids]}
        raise XmlBodyError(f"The root <{tag}> must contain only <{item_tag}> elements")
    if not kids and not _blank(root.text):
        raise XmlBodyError(f"The root <{tag}> must contain elements, not text")
    return {pluralise(tag): [_object(tag, kids, 1)]}
