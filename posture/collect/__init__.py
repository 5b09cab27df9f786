"""Collection: the only layer that talks to targets (SSH, later TLS/HTTP/databases)."""
