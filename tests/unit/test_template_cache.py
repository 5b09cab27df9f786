"""The HTML template is compiled once and kept in a private per-user folder between runs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from jinja2 import FileSystemBytecodeCache

from posture.render import html


def test_compiled_template_lands_in_a_private_folder(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cache = html._bytecode_cache.__wrapped__()
    assert isinstance(cache, FileSystemBytecodeCache)
    folder = tmp_path / "posture" / "jinja2"
    assert folder.stat().st_mode & 0o777 == 0o700
    monkeypatch.setattr(html, "_bytecode_cache", lambda: cache)
    html._environment.cache_clear()
    try:
        html._environment("en").get_template(html.TEMPLATE)
    finally:
        html._environment.cache_clear()
    files = list(folder.iterdir())
    assert len(files) == 1 and files[0].stat().st_size > 1000


def test_a_folder_others_may_write_is_not_used(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = tmp_path / "posture" / "jinja2"
    folder.mkdir(parents=True)
    os.chmod(folder, 0o777)
    assert html._bytecode_cache.__wrapped__() is None
    os.chmod(folder, 0o700)
    (tmp_path / "posture").chmod(0o700)
    assert html._bytecode_cache.__wrapped__() is not None
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    (tmp_path / "file").write_text("not a folder")
    assert html._bytecode_cache.__wrapped__() is None
