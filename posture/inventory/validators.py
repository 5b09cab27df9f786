"""Checks of single inventory values. Each returns the clean value or raises :class:`Bad`.

Many of these values end up on a command line (ssh, sudo, a database client), so anything a
shell or an option parser could misread is refused here, before any connection is made.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Callable, Iterable

from posture.inventory.problems import Bad
from posture.inventory.yamlpos import YMap, YNode, YScalar, YSeq

PRIVATE_KEY_MARK = "PRIVATE KEY-----"
PRIVATE_KEY_MESSAGE = "a private key is never written in the inventory: use key_file: PATH"
_SHELL_META = frozenset(";$()`|&<>\\'\"*?{}!#")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_CLAIM_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
_ENV = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FINGERPRINT = re.compile(r"SHA256:([A-Za-z0-9+/]{43})=?")
_SERVICE = re.compile(r"[a-z][a-z0-9_-]{0,31}")


_SECRET_WORDS = ("password", "passwd", "pwd", "passphrase", "secret", "token", "apikey",
                 "api_key", "private_key", "credentials")


def is_secret_key(key: str) -> bool:
    """Whether a key names a secret value (``password``, ``api_token``...), not an ``*_env``."""
    folded = key.lower().replace("-", "_")
    if folded.endswith("_env"):
        return False
    return any(folded == w or folded.endswith("_" + w) for w in _SECRET_WORDS)


def describe(node: YNode) -> str:
    """How a value is shown in a message (short; never a whole mapping or list)."""
    if isinstance(node, YMap):
        return "a mapping"
    if isinstance(node, YSeq):
        return "a list"
    if node.value is None:
        return "an empty value"
    if isinstance(node.value, str):
        return repr(node.value if len(node.value) <= 60 else node.value[:57] + "...")
    return node.raw


def nearest(word: str, choices: Iterable[str]) -> str | None:
    """The closest of ``choices`` to ``word``, if any is close enough to suggest."""
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def _scalar(node: YNode, expected: str) -> YScalar:
    if not isinstance(node, YScalar) or node.value is None:
        raise Bad(f"expected {expected}, got {describe(node)}")
    return node


def _yaml_reading(value: object) -> str:
    # Unquoted versions are the classic trap: 12.04 is a float, and 2.20 silently becomes 2.2.
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return "a number (2.20 would become 2.2)"
    if isinstance(value, int):
        return "a number"
    return "a date" if isinstance(value, dt.date) else type(value).__name__


def text(node: YNode, *, multiline: bool = False) -> str:
    """Any text; numbers, booleans and dates that YAML read from plain text must be quoted."""
    scalar = _scalar(node, "text")
    if not isinstance(scalar.value, str):
        raise Bad(f"expected text, got {scalar.raw}, which YAML reads as "
                  f'{_yaml_reading(scalar.value)}: quote it: "{scalar.raw}"')
    value = scalar.value.strip() if multiline else scalar.value
    if PRIVATE_KEY_MARK in value:
        raise Bad(PRIVATE_KEY_MESSAGE)  # same text as find_secrets: reported once
    allowed = "\n\t" if multiline else ""
    if any(not c.isprintable() and c not in allowed for c in value):
        raise Bad("must not contain control characters" + ("" if multiline else " or newlines"))
    if not value:
        raise Bad("must not be empty")
    return value


def paragraph(node: YNode) -> str:
    """Text that may span lines (folded or literal YAML blocks)."""
    return text(node, multiline=True)


def safe(value: str) -> str:
    """Refuse what a shell or an option parser could misread (e.g. ``-oProxyCommand=...``)."""
    if value.startswith("-"):
        raise Bad(f"{value!r} must not start with '-' (it would be read as an option)")
    if any(c.isspace() or not c.isprintable() for c in value):
        raise Bad(f"{value!r} must not contain whitespace or control characters")
    meta = sorted(set(value) & _SHELL_META)
    if meta:
        raise Bad(f"{value!r} must not contain shell metacharacters ({' '.join(meta)})")
    return value


def safe_text(node: YNode) -> str:
    """Text that may be passed as one argument to ssh, sudo or a database client."""
    return safe(raw_text(node))


def raw_text(node: YNode) -> str:
    """Text as written, for values whose own check refuses whitespace and control characters."""
    # Whitespace and control characters get the injection message from safe(), not text().
    scalar = _scalar(node, "text")
    return scalar.value if isinstance(scalar.value, str) and scalar.value else text(node)


def user(node: YNode) -> str:
    """A login name (SSH or database)."""
    value = safe_text(node)
    if "@" in value or len(value) > 64:
        raise Bad(f"{value!r} is not a user name")
    return value


def name(node: YNode) -> str:
    """A name of an inventory object: used in finding ids (``check@name``) and file names."""
    value = safe_text(node)
    if not _NAME.fullmatch(value):
        raise Bad(f"{value!r} is not a valid name: use letters, digits, '.', '_' and '-' "
                  "(up to 64, starting with a letter or digit)")
    return value


def claim_id(node: YNode) -> str:
    """A claim id: lower case, digits, '.', '_' and '-'."""
    value = safe_text(node)
    if not _CLAIM_ID.fullmatch(value):
        raise Bad(f"{value!r} is not a valid claim id: use [a-z0-9][a-z0-9._-]*")
    return value


def env_name(node: YNode) -> str:
    """The name of an environment variable that holds a secret."""
    value = raw_text(node)
    if not _ENV.fullmatch(value):
        # Not repeated: a mistake here is often the secret itself instead of a variable name.
        raise Bad("expected the name of an environment variable ([A-Za-z_][A-Za-z0-9_]*), "
                  "not its value")
    return value


def integer(node: YNode, low: int, high: int | None = None) -> int:
    """An integer in ``[low, high]`` (booleans are not integers here)."""
    wanted = f"an integer {low}-{high}" if high is not None else f"an integer >= {low}"
    scalar = _scalar(node, wanted)
    value = scalar.value
    if isinstance(value, bool) or not isinstance(value, int):
        raise Bad(f"expected {wanted}, got {describe(node)}")
    if value < low or (high is not None and value > high):
        raise Bad(f"expected {wanted}, got {value}")
    return value


def port(node: YNode) -> int:
    """A TCP port."""
    return integer(node, 1, 65535)


def positive_int(node: YNode) -> int:
    """An integer > 0."""
    return integer(node, 1)


def seconds(node: YNode) -> float:
    """A positive, finite number of seconds."""
    value = _scalar(node, "a positive number of seconds").value
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if not is_number or not math.isfinite(value) or value <= 0:
        raise Bad(f"expected a positive number of seconds, got {describe(node)}")
    return float(value)


def boolean(node: YNode) -> bool:
    """true or false."""
    value = _scalar(node, "true or false").value
    if not isinstance(value, bool):
        raise Bad(f"expected true or false, got {describe(node)}")
    return value


def one_of(*choices: str) -> Callable[[YNode], str]:
    """A checker accepting exactly one of ``choices``."""

    def check(node: YNode) -> str:
        value = _scalar(node, "one of " + ", ".join(choices)).value
        if value not in choices:
            close = nearest(str(value), choices)
            hint = f": did you mean '{close}'?" if close else ""
            raise Bad(f"expected one of {', '.join(choices)}, got {describe(node)}{hint}")
        return str(value)

    return check


def path(node: YNode) -> str:
    """A file path, kept as written (resolved later against the inventory's directory)."""
    return text(node)


def fingerprint(node: YNode) -> str:
    """A pinned host key fingerprint as ``ssh-keygen -lf`` prints it (``SHA256:...``)."""
    value = text(node)
    found = _FINGERPRINT.fullmatch(value)
    if not found:
        raise Bad(f"expected 'SHA256:' and 43 base64 characters (ssh-keygen -lf), got {value!r}")
    return "SHA256:" + found.group(1)


def service(node: YNode) -> str:
    """A service name used as a key in an allowlist (ssh, database, admin...)."""
    value = text(node)
    if not _SERVICE.fullmatch(value):
        raise Bad(f"{value!r} is not a service name ([a-z][a-z0-9_-]*)")
    return value


def glob(node: YNode) -> str:
    """A shell-style pattern matched against account names (never given to a shell)."""
    value = text(node)
    if any(c.isspace() for c in value):
        raise Bad(f"{value!r} must not contain whitespace")
    return value


def date(node: YNode) -> dt.date:
    """A date written as YYYY-MM-DD (quoted or not)."""
    value = _scalar(node, "a date (YYYY-MM-DD)").value
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise Bad(f"expected a date (YYYY-MM-DD), got {describe(node)}") from None


def inventory_version(node: YNode) -> int:
    """The format version: only 1 exists."""
    value = _scalar(node, "1").value
    if type(value) is not int or value != 1:  # not True, not 1.0
        raise Bad(f"this posture reads inventory version 1, got {describe(node)}")
    return 1
