"""Progress on the console: a live rich display on a terminal, plain lines elsewhere (CI)."""

from __future__ import annotations

import sys
import threading
from types import TracebackType
from typing import TYPE_CHECKING

from posture.sanitize import safe_text

if TYPE_CHECKING:  # rich is imported only for the live display: CI and -q never load it
    from rich.live import Live
    from rich.table import Table


class ProgressReporter:
    """Collects ``(target, message)`` events from collector threads and shows them.

    On a TTY a small live table (one row per target) is redrawn; otherwise each event is a
    plain ``posture: target: message`` line on stderr, which is what CI logs want. Target
    messages can carry hostile text (e.g. an error echoing a banner): always sanitised.
    """

    def __init__(self, *, live: bool | None = None) -> None:
        self._live_mode = sys.stderr.isatty() if live is None else live
        self._rows: dict[str, str] = {}
        self._lock = threading.Lock()
        self._live: Live | None = None

    def __call__(self, target: str, message: str) -> None:
        name, text = safe_text(target, 80), safe_text(message, 300)
        with self._lock:
            if self._live is None:
                print(f"posture: {name}: {text}", file=sys.stderr, flush=True)
                return
            self._rows[name] = text
            self._live.update(self._table())

    def _table(self) -> Table:
        from rich.table import Table
        from rich.text import Text

        table = Table(show_header=False, box=None, pad_edge=False)
        for name, text in self._rows.items():
            table.add_row(Text(name, style="bold"), Text(text))
        return table

    def __enter__(self) -> ProgressReporter:
        if self._live_mode:
            from rich.console import Console
            from rich.live import Live

            self._live = Live(self._table(), console=Console(stderr=True), transient=True,
                              refresh_per_second=8)
            self._live.__enter__()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._live is not None:
            self._live.__exit__(et, ev, tb)
            self._live = None
