"""The profile service: traits with provenance, the full timeline, merges and splits from identity."""
