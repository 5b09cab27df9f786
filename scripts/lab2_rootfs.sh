#!/usr/bin/env bash
# Builds (once) the Debian trixie root file system of the second lab (tests/labs/trixie.py).
#
# The tree lives in $POSTURE_LAB_CACHE (default /var/cache/posture-lab)/trixie-rootfs and is
# stamped with a hash of the suite, mirror, package list and BUILD_VERSION: when one changes,
# the next run rebuilds it; otherwise the run only checks the stamp (milliseconds). Runs are
# serialised by a lock, so parallel test sessions build it once. The lab never writes into
# the cached tree: it mounts it read-only under an overlay in its own mount namespace.
# Prints the build time. Needs root and debootstrap (scripts/setup.sh installs it).
set -euo pipefail

CACHE=${POSTURE_LAB_CACHE:-/var/cache/posture-lab}
ROOT="$CACHE/trixie-rootfs"
MIRROR=${POSTURE_LAB_MIRROR:-http://deb.debian.org/debian}
SUITE=trixie
# What the lab runs and what posture's fact batch calls on a target.
PKGS=(openssh-server nginx postgresql ufw iptables nftables sudo procps iproute2 passwd login
      lsb-release ca-certificates openssl ssl-cert)
MARKER=.posture-lab-rootfs
BUILD_VERSION=1  # bump when the build steps below change

stamp=$(printf '%s\n' "$BUILD_VERSION" "$SUITE" "$MIRROR" "${PKGS[@]}" | sha256sum | cut -c1-16)

if [ "$(id -u)" -eq 0 ]; then
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.trixie-rootfs.lock"
  flock -w 1800 9 || { echo "lab2 rootfs: another build holds $CACHE/.trixie-rootfs.lock" >&2; exit 1; }
fi

if [ -f "$ROOT/$MARKER" ] && [ "$(cat "$ROOT/$MARKER")" = "$stamp" ]; then
  echo "lab2 rootfs: cached at $ROOT (stamp $stamp)"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "lab2 rootfs: root is needed to build $ROOT" >&2; exit 1
fi
command -v debootstrap >/dev/null || { echo "lab2 rootfs: debootstrap missing" >&2; exit 1; }

# Only a tree this script made (marker present, whatever its stamp) or a half-built one of ours
# (.building marker) is removed; anything else at that path is left alone.
if [ -e "$ROOT" ]; then
  if [ -f "$ROOT/$MARKER" ] || [ -f "$CACHE/.trixie-rootfs.building" ]; then
    rm -rf --one-file-system "$ROOT"
  else
    echo "lab2 rootfs: $ROOT exists but is not ours (no $MARKER): not touching it" >&2; exit 1
  fi
fi
touch "$CACHE/.trixie-rootfs.building"
start=$(date +%s)
include=$(IFS=,; echo "${PKGS[*]}")
# Package scripts must not start services in the chroot (policy-rc.d answers 101), and
# debootstrap gets no access to the machine's own daemons.
debootstrap --variant=minbase --include="$include" \
  --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
  "$SUITE" "$ROOT" "$MIRROR" > "$CACHE/trixie-debootstrap.log" 2>&1 || {
  echo "lab2 rootfs: debootstrap failed; last lines of $CACHE/trixie-debootstrap.log:" >&2
  tail -n 30 "$CACHE/trixie-debootstrap.log" >&2; exit 1; }
# Smaller and quieter: no package caches, no apt lists, no machine-specific ids.
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/*
: > "$ROOT/etc/machine-id"
printf 'posture-lab2\n' > "$ROOT/etc/hostname"
printf '%s\n' "$stamp" > "$ROOT/$MARKER"
rm -f "$CACHE/.trixie-rootfs.building"
echo "lab2 rootfs: built $ROOT in $(( $(date +%s) - start )) s (stamp $stamp, $(du -sh --one-file-system "$ROOT" | cut -f1))"
