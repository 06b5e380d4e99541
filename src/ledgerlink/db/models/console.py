"""The web console's sign-in state: open sessions and the failed sign-ins that slow an attacker."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.db.base import Base, Timestamped, UtcDateTime, UuidPk


class ConsoleSession(UuidPk, Timestamped, Base):
    """One signed-in browser. Only a hash of the session id is kept: a stolen database does
    not give a cookie, and signing out (or a new password) deletes the row, ending it."""

    __tablename__ = "console_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SignInFailure(Timestamped, Base):
    """Failed sign-ins counted per scope ("install", or "client:<address>"), and until when
    that scope may not try again; a success clears the scopes it touched."""

    __tablename__ = "console_sign_in_failures"

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
