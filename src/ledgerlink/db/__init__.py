"""Storage: SQLAlchemy models, the async engine, encryption at rest and migrations."""
