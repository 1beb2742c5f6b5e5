"""Identity's use cases, one unit of work each."""
