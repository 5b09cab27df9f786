"""Write reports and facts files: mode 0600 files in a 0700 folder, fixed names only."""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from posture.cli.outpaths import check_output_dir, sudo_owner
from posture.errors import OutputError, UsageError
from posture.models import ScanResult
from posture.render import FILENAMES, SUPPORTED_LANGUAGES, Format, render

if TYPE_CHECKING:
    from posture.store.history import ReportHistory


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


def write_private(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` atomically, readable by the owner only (0600).

    The bytes go to a new temporary file in the same folder, are flushed to disk and then
    renamed over ``path``: a full disk or a crash leaves the previous file whole, never a
    truncated one. Raises :class:`OutputError` naming the file and the reason.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                     | getattr(os, "O_NOFOLLOW", 0), mode)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        _sync_folder(path.parent)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise OutputError([f"cannot write {path}: {reason}; the previous file, if any, "
                           "is unchanged"]) from None
    _give_to_invoking_user(path)


def _sync_folder(folder: Path) -> None:
    # The rename is durable only once the folder's entry is on disk too.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _give_to_invoking_user(path: Path) -> None:
    """Under ``sudo``, hand the file to the user who ran sudo (still 0600): the owner of a
    report must be able to open it without root."""
    owner = sudo_owner()
    if owner is not None:
        with contextlib.suppress(OSError):
            os.chown(path, *owner, follow_symlinks=False)


def write_all(items: Sequence[tuple[Path, Callable[[], bytes]]]) -> list[Path]:
    """Write every item even when one fails (a full disk must not cost the other files);
    raise one :class:`OutputError` listing every failure afterwards."""
    written: list[Path] = []
    failures: list[str] = []
    for path, produce in items:
        try:
            write_private(path, produce())
            written.append(path)
        except OutputError as exc:
            failures.extend(exc.failures)
    if failures:
        raise OutputError(failures)
    return written


def prepare_outdir(outdir: str | Path) -> Path:
    """Create the output folder (0700) if needed; refuse a path that is a file."""
    names = [*FILENAMES.values(), *(f"report.{lang}.{ext}" for lang in SUPPORTED_LANGUAGES
                                    for ext in ("html", "pdf"))]
    path = check_output_dir(outdir, names)  # links, strangers' folders, '..' (outpaths.py)
    existed = path.exists()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not existed:
        _give_to_invoking_user(path)
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
    languages = parse_languages(lang)
    if Format.PDF in formats:
        from posture.render.pdf import pdf_available

        missing = pdf_available()
        if missing:
            raise UsageError(f"--format pdf: {missing}")
    items: list[tuple[Path, Callable[[], bytes]]] = []
    for fmt in formats:
        items.append((outdir / FILENAMES[fmt], functools.partial(
            render, result, fmt, lang=languages[0], history=history)))
        if fmt in (Format.HTML, Format.PDF):
            items.extend((outdir / f"report.{other}.{fmt.value}", functools.partial(
                render, result, fmt, lang=other, history=history)) for other in languages[1:])
    return write_all(items)
