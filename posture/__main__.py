"""Allow ``python -m posture``."""

from posture.cli import run

run()
