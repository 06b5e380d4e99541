"""Provider-agnostic HTTP machinery: token refresh, retries, the shared rate budget, idempotency."""
