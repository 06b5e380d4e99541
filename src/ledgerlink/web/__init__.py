"""The web console: server-rendered pages to sign in, connect Xero and look after integrations."""
