#!/usr/bin/env bash
# Installs what posture and its lab need on Debian 12 (root): Debian packages and a venv.
# Idempotent: a second run only checks. Services from the packages are NOT started: the lab
# starts its own instances on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(openssh-server openssh-client sudo passwd login lsb-release iproute2 procps
      apache2 openssl python3-venv ca-certificates mariadb-server mariadb-client
      vsftpd nftables iptables chromium testssl.sh debootstrap distro-info-data dash
      postgresql-15 postgresql-client-15 nginx
      libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)  # the last three: --format pdf

need=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || need+=("$p")
done
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: run as root (sudo) to install: ${need[*]}" >&2; exit 1
  fi
  # Keep package scripts from starting system services during install (policy-rc.d: 101).
  added_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d
    added_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  [ "$added_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
if ! .venv/bin/python -c 'import posture, paramiko, pytest, jsonschema, importlinter' 2>/dev/null \
   || [ pyproject.toml -nt .venv/.installed ] || [ scripts/constraints-tools.txt -nt .venv/.installed ]; then
  # The gating tools (ruff, mypy, stubs, pytest, import-linter) at the pinned versions.
  .venv/bin/pip install -q --disable-pip-version-check -c scripts/constraints-tools.txt -e '.[test]'
  touch .venv/.installed
fi

# The second lab's Debian trixie root file system (cached; rebuilt only when its package list
# changes). POSTURE_LAB2_ROOTFS=off skips it (the lab's tests then build it on first use).
# A failed build does not stop the setup: the lab's tests retry it and, under CI, fail.
if [ "$(id -u)" -eq 0 ] && [ "${POSTURE_LAB2_ROOTFS:-on}" != off ]; then
  timeout 1200 bash scripts/lab2_rootfs.sh || echo "setup: the trixie lab root file system was not built" >&2
fi
