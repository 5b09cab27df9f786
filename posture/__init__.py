"""posture: an agentless auditor that verifies hosting promises with evidence."""

__version__ = "0.1.0"
