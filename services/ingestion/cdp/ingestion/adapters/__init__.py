"""Ingestion adapters: tables, the event log repository and sealer, the identity pipeline client."""
