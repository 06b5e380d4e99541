"""API keys, their scopes, and the dependencies every route uses to require them."""
