"""Segmentation's adapters: tables, SQL compilation, stores and peer clients."""
