#!/usr/bin/env bash
# One command: install, start the demo lab on loopback, scan it, write posture-report/.
set -euo pipefail
cd "$(dirname "$0")/.."
POSTURE_LAB2_ROOTFS=off bash scripts/setup.sh  # the demo does not use the second lab
exec .venv/bin/python scripts/demo.py "$@"
