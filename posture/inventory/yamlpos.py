"""Safe YAML composition into a small tree that remembers line numbers.

Only plain YAML is accepted: mappings with text keys, lists, strings, numbers, booleans, null
and dates. Every other tag (``!!python/...``, ``!custom``, ``!!set``...) is refused before
anything is constructed, so no tag can ever run code. Anchors and aliases are refused while
composing: an inventory never needs them and they are the vehicle of "billion laughs" bombs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from posture.inventory.problems import Problems

MAX_DEPTH = 32
_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(_CORE + t for t in ("str", "int", "float", "bool", "null", "timestamp"))
_MAP_TAG = _CORE + "map"
_SEQ_TAG = _CORE + "seq"
_STR_TAG = _CORE + "str"
_MERGE_TAG = _CORE + "merge"


@dataclass(frozen=True)
class YScalar:
    """A scalar: its Python value, the text as written, and whether it was quoted."""

    value: Any
    raw: str
    line: int
    quoted: bool = False


@dataclass(frozen=True)
class YSeq:
    """A list."""

    items: tuple[YNode, ...]
    line: int


@dataclass(frozen=True)
class YMap:
    """A mapping with text keys; ``key_lines`` gives the line of each key."""

    items: dict[str, YNode]
    line: int
    key_lines: dict[str, int] = field(default_factory=dict)


YNode = YScalar | YSeq | YMap


class _Refused(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _Mark(Protocol):
    line: int


def _line(mark: _Mark | None) -> int:
    return mark.line + 1 if mark is not None else 1


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader whose composer refuses anchors, aliases and deep nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        self.check_event()  # makes the next event available as current_event
        event: yaml.Event = self.current_event
        line = _line(event.start_mark)
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(
                line, "anchors and aliases (&name, *name) are not supported: write values out"
            )
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(line, f"nested more than {MAX_DEPTH} levels deep")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag


def _refuse_tag(node: Node, problems: Problems) -> None:
    problems.add(
        _line(node.start_mark),
        f"tag '{_tag_name(node.tag)}' is not allowed: only plain YAML (text, numbers, "
        "true/false, dates, lists and mappings)",
    )


class _Converter:
    """Turns composed nodes into Y* values, recording every refusal."""

    def __init__(self, loader: _StrictLoader, problems: Problems) -> None:
        self._loader = loader
        self._problems = problems

    def node(self, node: Node) -> YNode | None:
        if isinstance(node, ScalarNode):
            return self._scalar(node)
        if isinstance(node, SequenceNode) and node.tag == _SEQ_TAG:
            items = (self.node(child) for child in node.value)
            return YSeq(tuple(i for i in items if i is not None), _line(node.start_mark))
        if isinstance(node, MappingNode) and node.tag == _MAP_TAG:
            return self._mapping(node)
        _refuse_tag(node, self._problems)
        return None

    def _scalar(self, node: ScalarNode) -> YScalar | None:
        line = _line(node.start_mark)
        if node.tag not in _SCALAR_TAGS:
            _refuse_tag(node, self._problems)
            return None
        try:
            # Safe: the tag was checked against the core scalar tags just above.
            value = self._loader.construct_object(node)
        except (ValueError, yaml.YAMLError):
            self._problems.add(line, f"invalid value {node.value!r} for {_tag_name(node.tag)}")
            return None
        return YScalar(value, node.value, line, quoted=node.style is not None)

    def _mapping(self, node: MappingNode) -> YMap:
        result = YMap({}, _line(node.start_mark))
        for key_node, value_node in node.value:
            key = self._key(key_node)
            value = self.node(value_node)
            if key is None:
                continue
            line = _line(key_node.start_mark)
            if key in result.items:
                first = result.key_lines[key]
                self._problems.add(line, f"duplicate key '{key}' (also on line {first})")
                continue
            result.key_lines[key] = line
            if value is not None:
                result.items[key] = value
        return result

    def _key(self, node: Node) -> str | None:
        line = _line(node.start_mark)
        if node.tag == _STR_TAG and isinstance(node, ScalarNode):
            return str(node.value)
        if node.tag == _MERGE_TAG:
            self._problems.add(line, "merge keys ('<<') are not supported: write values out")
        elif node.tag in _SCALAR_TAGS:
            self._problems.add(line, f"keys must be text, got {node.value!r}: quote it")
        elif node.tag in (_MAP_TAG, _SEQ_TAG):
            self._problems.add(line, "keys must be text, not a list or a mapping")
        else:
            _refuse_tag(node, self._problems)
        return None


def _yaml_error_line(exc: yaml.YAMLError, text: str) -> int:
    if isinstance(exc, yaml.MarkedYAMLError):
        return _line(exc.problem_mark or exc.context_mark)
    position = getattr(exc, "position", None)  # ReaderError: offset of a forbidden character
    return text.count("\n", 0, position) + 1 if isinstance(position, int) else 1


def _yaml_error_text(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError):
        parts = [exc.context, exc.problem]
        return "; ".join(p for p in parts if p) or "syntax error"
    return str(exc).splitlines()[0]


def compose(text: str, problems: Problems) -> YNode | None:
    """Compose ``text`` (one YAML document) into a Y* tree; return None when it is unusable.

    Every refusal is recorded in ``problems``; a tree is returned only if nothing was refused.
    """
    loader: _StrictLoader | None = None
    try:
        loader = _StrictLoader(text)  # already reads the text: may raise ReaderError
        node = loader.get_single_node()
        if node is None:
            problems.add(1, "the inventory is empty")
            return None
        tree = _Converter(loader, problems).node(node)
    except _Refused as exc:
        problems.add(exc.line, exc.message)
        return None
    except yaml.YAMLError as exc:
        problems.add(_yaml_error_line(exc, text), f"invalid YAML: {_yaml_error_text(exc)}")
        return None
    except RecursionError:
        problems.add(1, "invalid YAML: nested too deeply")
        return None
    finally:
        if loader is not None:
            loader.dispose()
    return None if problems else tree
