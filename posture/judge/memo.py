"""Each check judged once per distinct input: a fleet's hosts repeat the same facts.

A check is a pure function of its :class:`~checks.base.CheckContext`: the facts it needs,
the claim's parameters, the scan time and the target's name. Hosts built from one image
give the same facts, so the same check on them reaches the same outcome; :class:`OutcomeMemo`
keeps what became of each distinct input (the finding but its target: status, severity,
summary, evidence after the truncation guard, fact sources) for the next host with that input.

What makes two inputs the same, so that no verdict can change:

* the facts are compared by their whole content, each as the bytes
  :func:`~posture.jsontext.content_key` (:mod:`marshal`) writes for its fields (key, status,
  value, reason, command, exit status, privilege, truncation): those bytes name every
  value's type (``1``, ``1.0`` and ``True``, a list and a tuple, NaN and ``None`` all
  differ) and its order, so equal bytes mean values no check can tell apart;
  a fact holding any other type (a subclass of a built-in one too, such as a
  :class:`~posture.models.Msg` reason) is never keyed, its checks simply run;
* the parameters likewise (one key per claim), the scan time is that of the whole snapshot;
* the target's name is part of the input only for a check that reads it: the check is run
  with a context that notes the read, and an outcome that read it is never shared. A check
  that did not read the name on one input does not on an equal input either (it is pure).

A check that raised is not kept (the engine turns the exception into its own finding). The
memo is bounded by entries and by the bytes of its keys, and it stops looking for a check
whose inputs do not repeat (a fleet of all-different hosts pays for a few keys only).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from checks.base import Check, CheckContext
from posture.jsontext import content_key
from posture.models import Fact, FactStatus

KEPT = 4096
"""Distinct (check, input) outcomes kept per evaluation."""

KEPT_BYTES = 16 << 20
"""Bytes of keys kept per evaluation (a fact's content can be large)."""

LARGEST_KEY = 1 << 20
"""A fact whose key is larger than this is never looked up (the key would cost
more memory than the judgement saves)."""

TRIAL = 64
"""Lookups of one check before the memo decides whether its inputs repeat."""


class WatchedContext(CheckContext):
    """A :class:`CheckContext` that notes whether the check read :attr:`target`."""

    target_read: bool

    @property
    def target(self) -> str:
        """The target's name; reading it is noted (the outcome then depends on it)."""
        state = self.__dict__
        state["target_read"] = True
        name: str = state["target"]
        return name


def watched(target: str, facts: Mapping[str, Fact], params: Mapping[str, Any],
            scan_time: datetime) -> WatchedContext:
    """A frozen context like ``CheckContext(target, facts, params, scan_time)``, watched."""
    ctx = object.__new__(WatchedContext)
    ctx.__dict__.update(target=target, facts=facts, params=params, scan_time=scan_time,
                        target_read=False)
    return ctx


def fact_key(fact: Fact) -> bytes | None:
    """Every field of ``fact`` as one key (see the module text), or None."""
    status = fact.status
    if status.__class__ is not FactStatus:
        return None
    return content_key((fact.key, status.value, fact.value, fact.reason, fact.command,
                        fact.exit_status, fact.privileged, fact.truncated))


class OutcomeMemo:
    """What checks made of each distinct input (the parts of their findings but the
    target, see :func:`posture.judge.evaluate.run_check`), for one evaluation."""

    def __init__(self) -> None:
        self._known: dict[tuple[Any, ...], Any] = {}
        self._bytes = 0
        self._tries: dict[str, list[int]] = {}  # check id -> [lookups, hits]

    def wanted(self, check: Check) -> bool:
        """Whether ``check`` is still looked up: its inputs repeated in the trial."""
        tries = self._tries.get(check.meta.id)
        return tries is None or tries[0] < TRIAL or tries[1] * 4 >= tries[0]

    def key(self, check: Check, params_key: bytes, facts: Mapping[str, Fact],
            cache: dict[str, bytes | None]) -> tuple[tuple[Any, ...], int] | None:
        """:func:`input_key` of a check still looked up (see :meth:`wanted`), else None."""
        return input_key(check, params_key, facts, cache) if self.wanted(check) else None

    def lookup(self, key: tuple[Any, ...], check: Check) -> Any:
        """What was kept for ``key`` (or None), counting the try for :meth:`wanted`."""
        tries = self._tries.setdefault(check.meta.id, [0, 0])
        tries[0] += 1
        known = self._known.get(key)
        if known is not None:
            tries[1] += 1
        return known

    def keep(self, key: tuple[Any, ...], size: int, judged: Any) -> None:
        """Keep ``judged`` for ``key`` (``size`` bytes of fact content) within the bounds.

        Only what a check made without raising and without reading the target's name.
        """
        if len(self._known) < KEPT and self._bytes + size <= KEPT_BYTES:
            self._known[key] = judged
            self._bytes += size


def input_key(check: Check, params_key: bytes, facts: Mapping[str, Fact],
              cache: dict[str, bytes | None]) -> tuple[tuple[Any, ...], int] | None:
    """The memo key of ``check`` on ``facts`` (its needs, in order) and its size in bytes,
    or None when a fact cannot be keyed. ``cache`` keeps one target's fact keys by fact key
    (the facts of one target, looked at by several checks of a claim)."""
    parts: list[bytes] = []
    size = 0
    for name, fact in facts.items():
        part = cache.get(name)
        if part is None:
            if name in cache:
                return None
            part = cache[name] = fact_key(fact)
            if part is not None and len(part) > LARGEST_KEY:
                part = cache[name] = None
            if part is None:
                return None
        parts.append(part)
        size += len(part)
    return (check.meta.id, params_key, *parts), size
