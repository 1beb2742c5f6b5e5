"""Ingestion use cases and their unit of work."""
