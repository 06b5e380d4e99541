"""Connecting and disconnecting Xero: authorization code, custom connection, personal token."""
