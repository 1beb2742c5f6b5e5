"""Adapters: SQLAlchemy Core tables and repositories, the identity client."""
