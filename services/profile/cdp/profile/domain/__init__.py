"""Pure profile domain: no grpc, no SQL."""
