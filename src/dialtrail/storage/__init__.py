"""Database engine, declarative base and Alembic migrations (SQLite and PostgreSQL)."""
