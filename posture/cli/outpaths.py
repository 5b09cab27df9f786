"""Where posture may write: the rule for ``-o`` and ``--save-facts`` (docs/security.md).

posture writes fixed file names (``report.html``...) into the output folder and, if asked,
one facts file. Before anything is contacted, each path is checked so that a planted link,
a stranger's file or a path that climbs out with ``..`` cannot redirect what is written:

* a relative path must not contain ``..`` (absolute paths are explicit and allowed);
* an existing output folder must be a real folder (not a symbolic link) owned by the user
  running posture (under sudo: or by the user who ran sudo) and not writable by others;
* an existing file to be replaced (a report or the facts file) must be a regular file owned
  by that user, never a symbolic link.

A violation is a usage error (exit 3). Files are then created 0600 with ``O_NOFOLLOW``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from posture.errors import UsageError


def _no_climbing(raw: str | Path, option: str) -> Path:
    path = Path(raw).expanduser()
    if not path.is_absolute() and ".." in path.parts:
        raise UsageError(f"{option} {raw}: a relative path may not contain '..'; give an "
                         "absolute path instead")
    return path


def sudo_owner() -> tuple[int, int] | None:
    """(uid, gid) of the user who ran ``sudo posture``, when we are root because of sudo.

    ``SUDO_UID``/``SUDO_GID`` are set by sudo itself; they are only trusted while the process
    really runs as root (anyone can set the variables, but only root can give files away)
    and only for a non-root user. Anything malformed is ignored: the files stay root's.
    """
    if os.geteuid() != 0:
        return None
    uid, gid = os.environ.get("SUDO_UID", ""), os.environ.get("SUDO_GID", "")
    if not (uid.isdecimal() and gid.isdecimal()) or int(uid) == 0:
        return None
    return int(uid), int(gid)


def _owned_by_me(info: os.stat_result) -> bool:
    """Owned by the user running posture; under sudo also by the user who ran sudo (posture
    gives its files to that user, and the next ``sudo posture`` replaces them)."""
    owner = sudo_owner()
    return info.st_uid == os.geteuid() or (owner is not None and info.st_uid == owner[0])


def check_output_file(raw: str | Path, option: str) -> Path:
    """Validate a file posture will (over)write; returns it as a Path."""
    path = _no_climbing(raw, option)
    try:
        info = path.lstat()
    except FileNotFoundError:
        return path
    if stat.S_ISLNK(info.st_mode):
        raise UsageError(f"{option} {raw}: is a symbolic link; posture does not write "
                         "through links")
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"{option} {raw}: exists and is not a regular file")
    if not _owned_by_me(info):
        raise UsageError(f"{option} {raw}: belongs to another user; posture only replaces "
                         "its own files")
    return path


def check_output_dir(raw: str | Path, names: list[str]) -> Path:
    """Validate the output folder and the report files ``names`` already in it."""
    path = _no_climbing(raw, "-o")
    try:
        info = path.lstat()
    except FileNotFoundError:
        return path
    if stat.S_ISLNK(info.st_mode):
        raise UsageError(f"-o {raw}: is a symbolic link; give the real folder")
    if not stat.S_ISDIR(info.st_mode):
        raise UsageError(f"-o {raw}: exists and is not a folder")
    if not _owned_by_me(info) or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UsageError(f"-o {raw}: the folder must belong to you and not be writable by "
                         "others")
    for name in names:
        check_output_file(path / name, "-o")
    return path
