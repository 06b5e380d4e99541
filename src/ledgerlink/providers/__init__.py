"""One package per provider; each knows its wire (auth, paging, errors, limits, operations)."""
