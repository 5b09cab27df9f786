"""A string wrapper that never shows its value by accident."""

from __future__ import annotations

from typing import Final


class Secret:
    """Holds a secret; ``repr``, ``str`` and format all redact.

    Call :meth:`reveal` only at the point of use.
    """

    __slots__ = ("_value",)
    REDACTED: Final = "<redacted>"

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the clear value; use only where it is sent to its destination."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({self.REDACTED})"

    def __str__(self) -> str:
        return self.REDACTED

    def __format__(self, spec: str) -> str:
        return self.REDACTED

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled")
