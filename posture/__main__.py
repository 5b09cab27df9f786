"""Allow ``python -m posture``."""

from posture.cli import main

raise SystemExit(main())
