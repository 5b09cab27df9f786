"""Write ``reports/locale/posture.pot``: the report templates' messages plus every check's text.

The templates are extracted as ``pybabel extract -F reports/babel.cfg`` would; then the
``title`` and ``remediation`` of every check in :data:`checks.CATALOGUE` are appended (English
is the source language, so the English text is the message id). The HTML report translates
those at render time. Update a language afterwards with ``pybabel update`` (docs/report.md)::

    python scripts/extract_messages.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import write_po

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checks import CATALOGUE  # noqa: E402  (the repository root is put on the path above)

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


def build_catalog() -> Catalog:
    """The catalog template: template messages first, then the check catalogue's."""
    catalog = Catalog(project="posture", version="1")
    for message in template_messages():
        catalog.add(message)  # Message flags python-format strings itself
    for message, check_id in check_messages():
        if message not in catalog:
            catalog.add(message, auto_comments=(f"check {check_id}",))
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
