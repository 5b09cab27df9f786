#!/usr/bin/env bash
# One command: install, start the demo lab on loopback, scan it, write posture-report/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python scripts/demo.py "$@"
