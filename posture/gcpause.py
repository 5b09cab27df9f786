"""Python's cyclic garbage collector paused while a fleet is judged or a report is built.

Judging and rendering make hundreds of thousands of small objects (findings, report text) and
no reference cycle of their own: reference counting frees what they drop. Left running, the
collector starts a pass every few hundred new objects, and every so often a full pass walks
everything alive, the whole facts snapshot included: on a fleet, a third of judging's time
and a time that grows with the square of the fleet. Any cycle made meanwhile waits for the
first collection after the block.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused(*, long_lived: bool = False) -> Iterator[None]:
    """Pause the collector for the block; enabled again afterwards (even on an error), only
    if it was enabled before.

    ``long_lived``: what the block made lives on (a judged result). It is moved straight into
    the oldest generation (freeze, then unfreeze: no pass over it), so the first young
    collection after the pause does not walk it once more; a full collection still sees it.
    Skipped when someone froze objects on purpose (unfreeze would undo that).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if long_lived and not gc.get_freeze_count():
            gc.freeze()
            gc.unfreeze()
        gc.enable()
