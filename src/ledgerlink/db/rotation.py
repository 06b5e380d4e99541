"""Write transactions that exclude other processes, and re-encryption of secrets at rest.

Secrets live in Text columns named `*_enc` (or marked `info={"encrypted": True}`);
`rotate_secrets` finds them on every table of Base.metadata, so new tables need no code here.
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import InvalidToken
from sqlalchemy import Column, Table, and_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ledgerlink.db.base import Base
from ledgerlink.db.crypto import SecretBox
from ledgerlink.db.engine import Database
from ledgerlink.errors import ConfigurationError

__all__ = ["begin_write", "encrypted_columns", "rotate_secrets"]


async def begin_write(conn: AsyncConnection, lock_timeout: float = 30.0) -> None:
    """Open a write transaction on a fresh connection.

    On SQLite, `BEGIN IMMEDIATE` takes the database's single write lock now (waiting up to
    the engine's busy_timeout for another process), so nothing read afterwards can change
    before the commit. On PostgreSQL row locks do that job; this only bounds their wait.
    """
    if conn.in_transaction():
        raise RuntimeError("begin_write needs a connection without an open transaction")
    if conn.dialect.name == "sqlite":
        # The driver is in its legacy mode: it opens no transaction before a statement that is
        # not DML, so this BEGIN is the first and the one that counts.
        await conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        await conn.execute(text(f"SET LOCAL lock_timeout = '{int(lock_timeout * 1000)}ms'"))


def encrypted_columns() -> list[tuple[Table, list[Column[Any]]]]:
    """Every table with secrets at rest, and those columns."""
    import ledgerlink.db.models  # noqa: F401  (registers every table)

    found = []
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns
                   if c.name.endswith("_enc") or c.info.get("encrypted")]
        if columns:
            found.append((table, columns))
    return found


async def rotate_secrets(db: Database, box: SecretBox) -> dict[str, int]:
    """Re-encrypt every secret at rest under the box's first key, in one transaction.

    Returns how many values were re-encrypted per "table.column". A value no configured key
    opens stops everything (ConfigurationError) and nothing is changed.
    """
    counts: dict[str, int] = {}
    async with db.engine.connect() as conn:
        await begin_write(conn)
        for table, columns in encrypted_columns():
            for column in columns:
                counts[f"{table.name}.{column.name}"] = 0
            keep = [table.c.updated_at] if "updated_at" in table.c else []
            primary = list(table.primary_key.columns)
            rows = (await conn.execute(select(*primary, *columns, *keep))).all()
            for row in rows:
                values = {}
                for column in columns:
                    ciphertext = row._mapping[column]
                    if ciphertext is None:
                        continue
                    values[column.name] = _rotate(box, ciphertext, table, column, row._mapping)
                    counts[f"{table.name}.{column.name}"] += 1
                if not values:
                    continue
                # Re-encrypting changes nothing a reader sees, so updated_at stays as it was.
                values.update({c.name: row._mapping[c] for c in keep})
                await conn.execute(update(table).where(
                    and_(*(c == row._mapping[c] for c in primary))).values(**values))
        await conn.commit()
    return counts


def _rotate(box: SecretBox, ciphertext: str, table: Table, column: Column[Any],
            row: Any) -> str:
    try:
        rotated = box.rotate(ciphertext)
    except InvalidToken:
        ids = ", ".join(str(row[c]) for c in table.primary_key.columns)
        raise ConfigurationError(
            f"{table.name}.{column.name} of row {ids} cannot be decrypted with any key in "
            "LEDGERLINK_SECRET_KEYS: put the key it was encrypted with back in the list (after "
            "the new one) and run the rotation again. Nothing was changed.",
            field="secret_keys") from None
    assert rotated is not None
    return rotated
