"""The fields `where`/`order` may name are the official spec's, typed as Xero types them."""

from __future__ import annotations

from ledgerlink.emulator.xero.query_schema import build_field_table, field_table
from tests.conformance.spec import _load


def test_shipped_field_table_matches_the_spec() -> None:
    built = build_field_table(_load("xero_accounting.yaml"))
    assert built == field_table(), (
        "query_fields.json is stale: run `python -m ledgerlink.emulator.xero.query_schema "
        "<path to xero_accounting.yaml>`")


def test_types_follow_the_verified_messages() -> None:
    table = field_table()
    # 'Boolean?' (IsSold, pyxero #217), 'Guid' for a record's own id (ContactID, PHP-Xero #5),
    # 'Guid?' for an id pointing elsewhere (EmployeeID, xero-php #364).
    assert table["Item"]["IsSold"] == "Boolean?"
    assert table["Contact"]["ContactID"] == "Guid"
    assert table["Invoice"]["RepeatingInvoiceID"] == "Guid?"
    assert table["Invoice"]["Contact"] == "Contact"
    assert table["Invoice"]["LineItems"] == "LineItem[]"
    assert table["Invoice"]["Date"] == table["Contact"]["UpdatedDateUTC"] == "DateTime?"
