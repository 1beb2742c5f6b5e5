"""Pure-Python rules of ingestion: event validation, identifier extraction, document splitting."""
