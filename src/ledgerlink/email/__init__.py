"""Invoice email: Xero's own Email endpoint or a branded email over SMTP with merge tags."""
