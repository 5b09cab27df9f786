"""How scripts/mutation.py reads a mutant: its function's shape (prose mutants change only
sentence text) and the line it adds (how an equivalent entry names it)."""

from __future__ import annotations

import ast
import difflib


def functions(source: str) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """Every function of ``source`` by name (mutmut's copies included)."""
    return {node.name: node for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}


class _Blank(ast.NodeTransformer):
    """Blank out strings with whitespace (prose), keep every other node."""

    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        if isinstance(node.value, str) and any(c.isspace() for c in node.value):
            return ast.Constant("")
        return node


def shape(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """The function's syntax tree, renamed, with every string holding whitespace blanked."""
    clone = ast.parse(ast.unparse(fn)).body[0]
    assert isinstance(clone, ast.FunctionDef | ast.AsyncFunctionDef)
    clone.name = "f"
    return ast.dump(_Blank().visit(clone))


def _body(lines: list[str], fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    return lines[fn.lineno:fn.end_lineno or fn.lineno]  # without the def line (its name)


def mutated_line(lines: list[str], fns: dict[str, ast.FunctionDef | ast.AsyncFunctionDef],
                 local: str) -> str:
    """The first line the mutant adds, stripped: how an equivalent entry names its mutation."""
    orig = fns[local.rsplit("__mutmut_", 1)[0] + "__mutmut_orig"]
    added = [ln[1:].strip() for ln in difflib.unified_diff(
                 _body(lines, orig), _body(lines, fns[local]), lineterm="", n=0)
             if ln.startswith("+") and not ln.startswith("+++")]
    return added[0] if added else "<removed lines only>"
