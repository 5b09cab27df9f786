"""Puts the repository root on ``sys.path`` so scripts can use the lab package ``tests.labs``.

The labs start real servers and are not part of the installed ``posture`` package; scripts
(demo, benchmarks) run from a checkout and import them from there.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
