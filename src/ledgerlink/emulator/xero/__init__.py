"""Xero's identity service and accounting API, reproduced with state and business rules."""
