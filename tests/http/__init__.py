"""Tests of the provider-agnostic HTTP layer (ledgerlink.http)."""
