"""Storage: SQLModel tables, Alembic migrations, the unit of work."""
