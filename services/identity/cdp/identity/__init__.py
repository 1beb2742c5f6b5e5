"""The identity service: a graph of blind-indexed identifiers resolved into profiles, with merge history."""
