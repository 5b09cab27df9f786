"""Write reports and facts files: mode 0600 files in a 0700 folder, fixed names only."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from posture.errors import UsageError
from posture.models import ScanResult
from posture.outpaths import check_output_dir, sudo_owner
from posture.render import FILENAMES, SUPPORTED_LANGUAGES, Format, render

if TYPE_CHECKING:
    from posture.render.context import ReportHistory


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
    """Write ``data`` to ``path`` readable by the owner only (created 0600, never widened).

    Under sudo the file is given to the invoking user (:func:`sudo_owner`), still 0600, so
    the person who asked for the report can open it and nobody else can.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0),
                 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        owner = sudo_owner()
        if owner is not None:
            os.fchown(handle.fileno(), *owner)  # on the open file: no race with a symlink
        os.fchmod(handle.fileno(), 0o600)


def prepare_outdir(outdir: str | Path) -> Path:
    """Create the output folder (0700) if needed; refuse a path that is a file.

    A folder created here under sudo belongs to the invoking user (0700); an existing folder
    keeps its owner.
    """
    names = [*FILENAMES.values(), *(f"report.{lang}.{ext}" for lang in SUPPORTED_LANGUAGES
                                    for ext in ("html", "pdf"))]
    path = check_output_dir(outdir, names)  # links, strangers' folders, '..' (outpaths.py)
    created = not path.exists()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    owner = sudo_owner()
    if created and owner is not None:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0))
        try:
            os.fchown(fd, *owner)
        finally:
            os.close(fd)
    return path


def parse_languages(text: str) -> list[str]:
    """``en`` or ``en,nl`` -> languages; the first one is ``report.html``'s."""
    langs = [part.strip().lower() for part in text.split(",") if part.strip()]
    bad = [lang for lang in langs if lang not in SUPPORTED_LANGUAGES]
    if bad or not langs:
        raise UsageError(f"--lang: expected {' or '.join(SUPPORTED_LANGUAGES)}, "
                         f"optionally comma-separated (got {text!r})")
    return list(dict.fromkeys(langs))


def write_reports(result: ScanResult, outdir: Path, formats: Sequence[Format],
                  lang: str, history: ReportHistory | None = None) -> list[Path]:
    """Render every format into ``outdir``; return the files written.

    ``lang`` may list several languages (``en,nl``): ``report.html`` is in the first, and
    each other language gets ``report.<lang>.html`` (and ``report.<lang>.pdf``). A PDF that
    cannot be rendered here is a usage error before anything is written.
    """
    written: list[Path] = []
    languages = parse_languages(lang)
    if Format.PDF in formats:
        from posture.render.pdf import pdf_available

        missing = pdf_available()
        if missing:
            raise UsageError(f"--format pdf: {missing}")
    for fmt in formats:
        target = outdir / FILENAMES[fmt]
        write_private(target, render(result, fmt, lang=languages[0], history=history))
        written.append(target)
        if fmt in (Format.HTML, Format.PDF):
            for other in languages[1:]:
                extra = outdir / f"report.{other}.{fmt.value}"
                write_private(extra, render(result, fmt, lang=other, history=history))
                written.append(extra)
    return written
