"""Secrets of one installation (the API-key pepper), made on first start and stored encrypted."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.db.base import Base, Timestamped


class InstallSecret(Timestamped, Base):
    """One named secret; `value_enc` is ciphertext of the secret box (rotate-secrets finds it)."""

    __tablename__ = "install_secrets"

    # The name is the primary key: two processes creating the same secret at once collide
    # here, and the loser reads the winner's value.
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value_enc: Mapped[str] = mapped_column(Text)
