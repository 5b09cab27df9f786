"""Write ``reports/locale/posture.pot``: the report templates' messages plus every check's text.

The templates are extracted as ``pybabel extract -F reports/babel.cfg`` would; then the
``title`` and ``remediation`` of every check in :data:`checks.CATALOGUE` are appended (English
is the source language, so the English text is the message id), then every ``msg(...)`` call
in ``checks/`` and ``posture/`` (finding summaries, claim reasons: singular and plural
templates) and the fact reasons posture writes itself. The HTML report translates those at
render time. Update a language afterwards with ``pybabel update`` (docs/report.md)::

    python scripts/extract_messages.py
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import write_po

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checks import CATALOGUE  # noqa: E402  (the repository root is put on the path above)
from checks.base import KNOWN_REASONS  # noqa: E402

REPORTS = ROOT / "reports"
OUTPUT = REPORTS / "locale" / "posture.pot"


def template_messages() -> list[str | tuple[str, ...]]:
    """Message ids of the report templates, in file order, as babel.cfg configures them."""
    with (REPORTS / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)  # type: ignore[no-untyped-call]
    return [message for _file, _line, message, _comments, _ctx
            in extract_from_dir(str(REPORTS), method_map, options_map)]


def check_messages() -> list[tuple[str, str]]:
    """(text, check id) of every check title and remediation, in catalogue order."""
    return [(text, check.meta.id) for check in CATALOGUE
            for text in (check.meta.title, check.meta.remediation) if text]


def code_messages() -> list[tuple[str | tuple[str, str], str]]:
    """(message, "file:line") of every ``msg("...")`` / ``msg("...", "...")`` in the code.

    Only string literals count: a ``msg`` call whose first argument is not a literal is an
    error, since its text could never be translated.
    """
    found: list[tuple[str | tuple[str, str], str]] = []
    for folder in ("checks", "posture"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and _name(node.func) == "msg"):
                    continue
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                texts = [a.value for a in node.args[:2]
                         if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                if len(texts) != min(len(node.args), 2) or not texts:
                    raise SystemExit(f"{where}: msg() needs string literals")
                found.append(((texts[0], texts[1]) if len(texts) == 2 else texts[0], where))
    found.extend((reason, "checks/base.py KNOWN_REASONS") for reason in KNOWN_REASONS)
    return found


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def build_catalog() -> Catalog:
    """The catalog template: template messages first, then the check catalogue's."""
    catalog = Catalog(project="posture", version="1")
    for message in template_messages():
        catalog.add(message)  # Message flags python-format strings itself
    for message, check_id in check_messages():
        if message not in catalog:
            catalog.add(message, auto_comments=(f"check {check_id}",))
    for text, where in code_messages():
        key = text[0] if isinstance(text, tuple) else text
        if key not in catalog:
            catalog.add(text, auto_comments=(where.split(":")[0],),
                        flags=("python-brace-format",) if "{" in key else ())
    return catalog


def main() -> int:
    """Write the POT file and say how many messages it holds."""
    catalog = build_catalog()
    with OUTPUT.open("wb") as handle:
        write_po(handle, catalog, omit_header=True, no_location=True, width=100)
    print(f"{OUTPUT.relative_to(ROOT)}: {len(catalog)} messages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
