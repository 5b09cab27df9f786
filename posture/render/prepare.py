"""Renderers loaded ahead of time: a scan imports them while it waits on the network.

Importing Jinja2, ElementTree and the renderer modules and loading the HTML template cost a
noticeable share of a small scan. None of it depends on the facts, so the command line does
it (:func:`prepare`) while the collector waits for SSH answers, instead of after.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from posture.render.common import Format

MODULES = {
    Format.JSON: "posture.render.json_report",
    Format.HTML: "posture.render.html",
    Format.SARIF: "posture.render.sarif",
    Format.JUNIT: "posture.render.junit",
}
"""The module of each renderer :func:`prepare` loads (PDF is left to its first use)."""


def prepare(formats: Sequence[Format], languages: Sequence[str]) -> None:
    """Import the renderers of ``formats``; load the HTML template of each language."""
    for fmt in formats:
        if fmt in MODULES:
            importlib.import_module(MODULES[fmt])
    if Format.HTML in formats:
        from posture.render.html import prepare_html

        for lang in languages:
            prepare_html(lang)
