"""Segmentation's use cases: read model feed, segment definitions, membership evaluation."""
