"""gRPC plumbing shared by every service: interceptors, server wiring, tokens, channels."""
