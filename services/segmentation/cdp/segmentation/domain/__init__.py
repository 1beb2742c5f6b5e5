"""Segmentation's domain: segments, the condition language, membership changes (no I/O)."""
