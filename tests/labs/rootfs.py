"""A cached Debian root file system run in its own namespaces: the frame of a non-host lab.

The tree is built once by ``scripts/lab2_rootfs.sh`` (debootstrap) into a cache folder and is
never written to again: each run mounts it as the read-only lower layer of an overlay whose
upper layer lives in the run's own work folder. Everything runs under one init process::

    nsenter --net=/run/netns/NS unshare --pid --fork --kill-child --mount --ipc --uts sh init.sh

``init.sh`` mounts the overlay, ``/proc``, a minimal ``/dev``, ``/run`` and ``/tmp`` inside the
private mount namespace and ``exec``\\ s ``chroot ROOT sh`` as PID 1 of the new PID namespace.
Killing that one PID ends every daemon of the lab (the kernel kills the whole PID namespace),
and the mounts vanish with the last process of the mount namespace: nothing is left on the
machine's own mount table, process list or IPC namespace.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

REPO: Final = Path(__file__).resolve().parents[2]
BUILD_SCRIPT: Final = REPO / "scripts" / "lab2_rootfs.sh"
CACHE: Final = Path(os.environ.get("POSTURE_LAB_CACHE", "/var/cache/posture-lab"))
ROOTFS_MARKER: Final = ".posture-lab-rootfs"
WORK_MARKER: Final = ".posture-lab2-work"
_PATH: Final = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# Runs in the new mount/PID namespaces, on the machine's file system, before the chroot.
# $1 lower (cached tree), $2 work folder. Device nodes are bind-mounted one by one: the lab
# sees null/zero/random and its own pty instance, not the machine's disks.
_INIT: Final = r"""set -eu
lower=$1; work=$2; root=$work/root
mount -t overlay overlay -o "lowerdir=$lower,upperdir=$work/upper,workdir=$work/ovl" "$root"
mount -t proc proc "$root/proc"
mount -t tmpfs -o mode=755,size=16m tmpfs "$root/dev"
for d in null zero full random urandom tty; do
  : > "$root/dev/$d"; mount --bind "/dev/$d" "$root/dev/$d"
done
mkdir -p "$root/dev/pts" "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
mount -t tmpfs -o mode=1777,size=256m tmpfs "$root/dev/shm"
mount -t tmpfs -o mode=755,size=64m tmpfs "$root/run"
mount -t tmpfs -o mode=1777,size=256m tmpfs "$root/tmp"
mount -t sysfs -o ro sysfs "$root/sys" 2>/dev/null || true
echo ready > "$work/ready"
exec chroot "$root" /bin/sh -c 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'
"""


class RootfsError(RuntimeError):
    """The root file system could not be built, started or entered."""


def rootfs_path() -> Path:
    """Where the cached trixie tree lives."""
    return CACHE / "trixie-rootfs"


def rootfs_unavailable_reason() -> str:
    """Why a namespaced root file system cannot run here, or ''."""
    if os.geteuid() != 0:
        return "the trixie lab needs root (namespaces, chroot, overlay mounts)"
    for tool in ("debootstrap", "unshare", "nsenter", "chroot", "ip", "openssl", "ssh-keygen"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian packages debootstrap, util-linux, iproute2)"
    with open("/proc/filesystems") as fs:
        if "overlay" not in fs.read():
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                subprocess.run(["modprobe", "overlay"], capture_output=True, timeout=30,
                               check=False)
    return ""


def ensure_rootfs(timeout: float = 1800.0) -> tuple[Path, float, str]:
    """Build the tree unless the cached one carries the current stamp.

    Returns (path, seconds spent, the build script's last line: "cached ..." or "built ...").
    """
    start = time.monotonic()
    done = subprocess.run(["bash", str(BUILD_SCRIPT)], capture_output=True, timeout=timeout,
                          check=False)
    out = done.stdout.decode(errors="replace").strip()
    if done.returncode != 0:
        raise RootfsError(f"{BUILD_SCRIPT.name} failed ({done.returncode}): "
                          f"{done.stderr.decode(errors='replace').strip()[-1500:]}")
    root = rootfs_path()
    if not (root / ROOTFS_MARKER).is_file():
        raise RootfsError(f"{root} has no {ROOTFS_MARKER} after the build")
    return root, time.monotonic() - start, out.splitlines()[-1] if out else ""


@dataclass
class Chroot:
    """A running namespaced root file system; :meth:`stop` ends it (idempotent)."""

    work: Path
    netns: str
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    init_pid: int = 0  # PID 1 of the lab's PID namespace, as the machine numbers it

    @property
    def root(self) -> Path:
        """The lab's ``/`` as seen from the machine (through the init's mount namespace)."""
        return Path(f"/proc/{self.init_pid}/root")

    def path(self, inside: str) -> Path:
        """A path of the lab's file system, reachable from the machine while the lab runs."""
        return self.root / inside.lstrip("/")

    def write(self, inside: str, text: str, *, mode: int = 0o644) -> None:
        """Write a file of the lab (parents created); the owner is root, change with chown."""
        target = self.path(inside)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        target.chmod(mode)

    def run(self, *argv: str, stdin: str = "", timeout: float = 120.0, check: bool = True,
            user: str | None = None, env: dict[str, str] | None = None) -> str:
        """Run a program in the lab (its namespaces and root); stdout, or RootfsError.

        The program gets a fixed environment plus ``env`` (secrets such as PGPASSWORD go
        there, never into argv); nothing of the caller's environment leaks in."""
        inner = list(argv) if user is None else ["runuser", "-u", user, "--", *argv]
        cmd = ["nsenter", f"--target={self.init_pid}", "--mount", "--pid", "--net", "--ipc",
               "--uts", "--root", "--wd=/", "--", *inner]
        environ = {"PATH": _PATH, "LANG": "C.UTF-8", "HOME": "/root", **(env or {})}
        done = subprocess.run(cmd, input=stdin.encode(), capture_output=True, timeout=timeout,
                              check=False, env=environ)
        if check and done.returncode != 0:
            raise RootfsError(f"{argv[0]} failed in the lab ({done.returncode}): "
                              f"{done.stderr.decode(errors='replace').strip()[-1500:]}")
        return done.stdout.decode(errors="replace")

    def stop(self) -> None:
        """Kill the lab's PID 1 (the kernel ends every process of its PID namespace), then
        remove the work folder when it carries our marker."""
        if self.proc is not None and self.proc.poll() is None:
            if self.init_pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.init_pid, signal.SIGKILL)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None
        if (self.work / WORK_MARKER).is_file():
            shutil.rmtree(self.work, ignore_errors=True)


def _child_of(pid: int) -> int:
    """The first child of ``pid`` (unshare's forked PID 1), or 0."""
    with contextlib.suppress(OSError):
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if kids:
            return int(kids[0])
    return 0


def start_chroot(lower: Path, work: Path, netns: str, *, limit: float = 30.0) -> Chroot:
    """Start the lab's init in ``netns`` over ``lower``; ``work`` must not exist yet."""
    if not (lower / ROOTFS_MARKER).is_file():
        raise RootfsError(f"{lower} is not a lab root file system (no {ROOTFS_MARKER})")
    work.mkdir(mode=0o755, parents=True)
    (work / WORK_MARKER).write_text(f"{os.getpid()}\n")
    for sub in ("root", "upper", "ovl"):
        (work / sub).mkdir()
    (work / "init.sh").write_text(_INIT)
    log = (work / "init.log").open("wb")
    proc = subprocess.Popen(
        # --kill-child: should unshare itself be killed, the lab's PID 1 goes with it.
        ["nsenter", f"--net=/run/netns/{netns}", "unshare", "--pid", "--fork", "--kill-child",
         "--mount", "--ipc", "--uts", "--propagation", "private", "--", "sh",
         str(work / "init.sh"), str(lower), str(work)],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    log.close()
    chroot = Chroot(work, netns, proc)
    deadline = time.monotonic() + limit
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RootfsError(f"the lab init exited ({proc.returncode}): "
                                  f"{(work / 'init.log').read_text(errors='replace')[-1500:]}")
            chroot.init_pid = chroot.init_pid or _child_of(proc.pid)
            # The marker is in the cached tree only: seen through /proc/PID/root, it says
            # the init has entered the chroot (before that, its root is the machine's).
            if chroot.init_pid and (work / "ready").exists() \
                    and (chroot.root / ROOTFS_MARKER).exists():
                return chroot
            time.sleep(0.05)
        raise RootfsError(f"the lab init was not ready within {limit:.0f} s")
    except BaseException:
        chroot.stop()
        raise
