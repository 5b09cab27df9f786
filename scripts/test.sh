#!/usr/bin/env bash
# The whole test suite: lint, types, unit and integration tests (real servers on loopback).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check posture checks reports scripts tests
.venv/bin/mypy
.venv/bin/lint-imports --no-cache   # the layer contract in pyproject.toml
.venv/bin/python scripts/mutation.py --check   # mutation record current, every module >= 90 %
exec .venv/bin/python -m pytest -q "$@"
