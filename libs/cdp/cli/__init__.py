"""The `cdp` command line: run the suite, send events, read profiles."""
