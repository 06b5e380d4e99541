"""The REST API: the app factory, shared dependencies and the error handlers."""
