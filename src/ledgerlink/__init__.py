"""ledgerlink: a self-hosted integration hub for Xero and the apps around it."""

__version__ = "0.1.0"
