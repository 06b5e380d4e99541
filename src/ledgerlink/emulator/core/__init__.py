"""Emulator plumbing that knows nothing of Xero's resources: clock, ids, routing, app factory."""
