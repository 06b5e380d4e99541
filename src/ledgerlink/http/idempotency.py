"""Idempotency keys derived from an operation's own id, the same on every retry and restart."""

from __future__ import annotations

import hashlib

PREFIX = "ll-"
MAX_LENGTH = 128  # Xero refuses longer keys


def idempotency_key(*parts: str) -> str:
    """A deterministic key for the write named by `parts` (e.g. a job id and an item index).

    Pure: the same parts give the same key in any process at any time, so a write retried
    after a timeout or a restart is recognised by the provider instead of done twice.
    """
    if not parts:
        raise ValueError("idempotency_key needs at least one part naming the operation")
    digest = hashlib.sha256()
    for part in parts:
        if not isinstance(part, str):
            raise TypeError(f"idempotency_key parts must be str, got {type(part).__name__}")
        data = part.encode("utf-8")
        # Length-prefixed so ("ab", "c") and ("a", "bc") never share a key.
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    key = PREFIX + digest.hexdigest()
    assert len(key) <= MAX_LENGTH
    return key
