"""The ingestion service: validates, seals and durably logs customer events, then relays them to identity."""
