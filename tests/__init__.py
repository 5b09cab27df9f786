"""posture's test suite; ``tests.labs`` holds the real-server labs used by tests, scripts and the demo."""
