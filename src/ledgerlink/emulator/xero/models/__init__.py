"""State and rules of one organisation's accounting data, one module per resource."""
