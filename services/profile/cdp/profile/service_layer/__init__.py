"""Use cases of the profile service, one unit of work each."""
