"""scripts/mutation.py: how survivors, prose and equivalent mutants are counted."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import mutation

SOURCE = '''
def x_f__mutmut_orig(a):
    if a > 1:
        return "The value is large."
    return {"key": a}
def x_f__mutmut_1(a):
    if a > 1:
        return "XXThe value is large.XX"
    return {"key": a}
def x_f__mutmut_2(a):
    if a >= 1:
        return "The value is large."
    return {"key": a}
def x_f__mutmut_3(a):
    if a > 1:
        return "The value is large."
    return {"XXkeyXX": a}
'''


def _fns() -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    return mutation.functions(SOURCE)


def test_prose_is_a_change_inside_a_string_with_spaces_only() -> None:
    fns = _fns()
    orig = mutation.shape(fns["x_f__mutmut_orig"])
    assert mutation.shape(fns["x_f__mutmut_1"]) == orig       # a sentence: prose
    assert mutation.shape(fns["x_f__mutmut_2"]) != orig       # a comparison
    assert mutation.shape(fns["x_f__mutmut_3"]) != orig       # a key: counted


def test_mutated_line_names_the_change() -> None:
    lines = SOURCE.splitlines()
    assert mutation.mutated_line(lines, _fns(), "x_f__mutmut_2") == "if a >= 1:"


def test_equivalents_apply_to_matching_survivors_only() -> None:
    entry: dict[str, object] = {"total": 10, "killed": 6, "prose": 1, "survivors": [
        "pkg.mod.x_f__mutmut_2: if a >= 1:", "pkg.mod.x_f__mutmut_3: return {'XXkeyXX': a}"]}
    problems: list[str] = []
    equivalents = {"pkg.mod.x_f__mutmut_2": ("if a >= 1:", "a is an int below 2 here")}
    score = mutation.score_of("pkg/mod.py", entry, equivalents, problems)
    assert (score.killed, score.counted, score.equivalent) == (6, 8, 1)
    assert problems == []
    assert score.percent == 75.0
    stale = {"pkg.mod.x_f__mutmut_2": ("if a > 2:", "reads differently now")}
    mutation.score_of("pkg/mod.py", entry, stale, problems)
    assert len(problems) == 1 and "update the list" in problems[0]
    assert mutation.score_of("pkg/mod.py", entry, {}, [], count_prose=True).counted == 10


def test_the_checked_in_equivalent_list_parses() -> None:
    for name, (line, reason) in mutation.read_equivalents().items():
        assert name.count(".") >= 2 and line and reason


def test_a_record_is_stale_when_its_module_changes_or_a_killing_test_file_is_gone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tests" / "unit").mkdir(parents=True)
    (tmp_path / "tests" / "conftest.py").write_text("# shared\n")
    (tmp_path / "mod.py").write_text("def f():\n    return 1\n")
    (tmp_path / "tests" / "unit" / "test_mod.py").write_text("def test_f(): ...\n")
    monkeypatch.setattr(mutation, "ROOT", tmp_path)
    entry = {"key": mutation.module_key("mod.py"), "tests": ["tests/unit/test_mod.py"]}
    assert mutation.stale(["mod.py"], {"mod.py": entry}) == []
    # an edited test file keeps the record (tests only add kills); a deleted one does not
    (tmp_path / "tests" / "unit" / "test_mod.py").write_text("def test_f(): assert True\n")
    assert mutation.stale(["mod.py"], {"mod.py": entry}) == []
    (tmp_path / "tests" / "unit" / "test_mod.py").unlink()
    assert mutation.stale(["mod.py"], {"mod.py": entry}) == ["mod.py"]
    (tmp_path / "tests" / "unit" / "test_mod.py").write_text("def test_f(): ...\n")
    (tmp_path / "mod.py").write_text("def f():\n    return 2\n")
    assert mutation.stale(["mod.py"], {"mod.py": entry}) == ["mod.py"]
    # a changed shared helper changes every key
    (tmp_path / "mod.py").write_text("def f():\n    return 1\n")
    (tmp_path / "tests" / "conftest.py").write_text("# shared, edited\n")
    assert mutation.stale(["mod.py"], {"mod.py": entry}) == ["mod.py"]
    assert mutation.stale(["other.py"], {}) == ["other.py"]


def test_a_module_without_functions_has_nothing_to_record(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text('"""A package."""\nVALUE = 1\n')
    (tmp_path / "pkg" / "mod.py").write_text("class C:\n    def m(self):\n        return 1\n")
    monkeypatch.setattr(mutation, "ROOT", tmp_path)
    assert mutation.expand(["pkg/*.py"]) == ["pkg/mod.py"]
