"""Deterministic GUIDs and secrets from a seeded generator, so a seed always yields the same ids."""

from __future__ import annotations

import random
import string
import uuid


class IdGen:
    """A seeded source of GUIDs and random strings."""

    def __init__(self, seed: int | str = 0) -> None:
        self._rng = random.Random(str(seed))

    def reseed(self, seed: int | str) -> None:
        """Restart the sequence from a new seed."""
        self._rng = random.Random(str(seed))

    def guid(self) -> str:
        """A version-4 shaped GUID in Xero's lower-case hyphenated form."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def token(self, length: int = 40, alphabet: str = string.ascii_letters + string.digits) -> str:
        """A random string for secrets, codes and tokens."""
        return "".join(self._rng.choice(alphabet) for _ in range(length))

    def hex(self, nbytes: int = 16) -> str:
        """Random hex digits."""
        return f"{self._rng.getrandbits(nbytes * 8):0{nbytes * 2}x}"


def normalise_guid(value: str) -> str | None:
    """Parse a GUID with or without hyphens/braces; None when it is not one."""
    try:
        return str(uuid.UUID(value.strip().strip("{}")))
    except (ValueError, AttributeError):
        return None
