"""The Xero provider: OAuth, a tenant-explicit client, the operation catalogue and reports."""
