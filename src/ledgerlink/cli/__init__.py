"""Command-line interface of ledgerlink."""
