"""Write reports and facts files: mode 0600 files in a 0700 folder, fixed names only."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from posture.errors import UsageError
from posture.models import ScanResult
from posture.render import FILENAMES, Format, render


def parse_formats(text: str) -> list[Format]:
    """``html,json`` -> formats; unknown names are a usage error."""
    formats: list[Format] = []
    for name in (part.strip().lower() for part in text.split(",")):
        if not name:
            continue
        try:
            formats.append(Format(name))
        except ValueError:
            valid = ", ".join(f.value for f in Format)
            raise UsageError(f"--format: unknown format {name!r} (expected {valid})") from None
    if not formats:
        raise UsageError("--format: no format given")
    return list(dict.fromkeys(formats))


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by the owner only (created 0600, never widened)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0),
                 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)


def prepare_outdir(outdir: str | Path) -> Path:
    """Create the output folder (0700) if needed; refuse a path that is a file."""
    path = Path(outdir).expanduser()
    if path.exists() and not path.is_dir():
        raise UsageError(f"-o {path}: exists and is not a folder")
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def write_reports(result: ScanResult, outdir: Path, formats: Sequence[Format],
                  lang: str) -> list[Path]:
    """Render every format into ``outdir``; return the files written."""
    written: list[Path] = []
    for fmt in formats:
        target = outdir / FILENAMES[fmt]
        write_private(target, render(result, fmt, lang=lang))
        written.append(target)
    return written
