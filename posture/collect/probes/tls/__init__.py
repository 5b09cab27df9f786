"""TLS machinery of the endpoint probes: raw ClientHellos, pyOpenSSL handshakes, HTTP."""
