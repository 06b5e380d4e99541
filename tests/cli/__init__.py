"""Tests of the `ledgerlink` command line."""
