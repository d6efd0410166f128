"""Read a rule file safely and remember the line of every key.

Council staff edit these files by hand, so every problem must point at a file
and a line. PyYAML's safe loader builds plain data (no Python objects, no
imports, no file access); we walk its node tree ourselves to record where each
key and item starts, to refuse duplicate keys (YAML would silently keep the
last one) and to refuse anchors/aliases (they add nothing to rule files and
make "billion laughs" documents possible).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"
_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}

Path_ = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a rule file, with what to do about it."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class SourceMap:
    """Line numbers (1-based) of every mapping key and sequence item in a document."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: dict[Path_, int] = {}

    def data_path(self, data: object, loc: Sequence[str | int]) -> list[str | int]:
        """The parts of ``loc`` that exist in ``data``.

        ``loc`` may come from pydantic and contain union tags or model names
        that are not keys of the data; those are skipped.
        """
        path: list[str | int] = []
        node = data
        for part in loc:
            found, child = _child(node, part)
            if found:
                node = child
                path.append(part)
        return path

    def line_of(self, data: object, loc: Sequence[str | int]) -> int | None:
        """The line of the deepest part of ``loc`` that exists in ``data``."""
        path = self.data_path(data, loc)
        while path and tuple(path) not in self.lines:
            path.pop()
        return self.lines.get(tuple(path), self.lines.get((), None))

    def problem(self, data: object, loc: Sequence[str | int], message: str) -> Problem:
        return Problem(self.file, self.line_of(data, loc), message)


def _child(node: object, part: str | int) -> tuple[bool, object]:
    if isinstance(node, dict) and part in node:
        return True, node[part]
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return True, node[part]
    return False, None


class YamlError(Exception):
    """The file is not YAML we accept; ``problems`` say where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def read_yaml(path: Path, label: str | None = None) -> tuple[object, SourceMap]:
    """Parse ``path`` into plain data and its source map, or raise :class:`YamlError`."""
    name = label or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise YamlError([Problem(name, None, f"cannot read the file: {exc}")]) from exc
    return parse_yaml(text, name)


def parse_yaml(text: str, name: str) -> tuple[object, SourceMap]:
    """Parse YAML text (see :func:`read_yaml`)."""
    source = SourceMap(name)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise YamlError([Problem(name, 1, "the file is empty")])
        builder = _Builder(loader, source)
        data = builder.build(node, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise YamlError([Problem(name, line, f"not valid YAML: {exc.problem}")]) from exc
    except yaml.YAMLError as exc:
        raise YamlError([Problem(name, None, f"not valid YAML: {exc}")]) from exc
    finally:
        loader.dispose()
    if builder.problems:
        raise YamlError(builder.problems)
    return data, source


class _Builder:
    def __init__(self, loader: yaml.SafeLoader, source: SourceMap) -> None:
        self.loader = loader
        self.source = source
        self.seen: set[int] = set()
        self.problems: list[Problem] = []

    def build(self, node: yaml.Node, path: Path_) -> object:
        line = node.start_mark.line + 1
        self.source.lines.setdefault(path, line)
        if id(node) in self.seen:
            self._fail(line, "anchors and aliases (& and *) are not allowed; write the value out")
            return None
        self.seen.add(id(node))
        if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_TAGS:
            self._fail(line, f"tags such as {node.tag} are not allowed; write plain values")
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[object, object]:
        result: dict[object, object] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == _MERGE_TAG:
                self._fail(line, "merge keys (<<) are not allowed; write the keys out")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._fail(line, "a key must be a plain word, not a list or mapping")
                continue
            key = self.loader.construct_object(key_node)
            if key in result:
                self._fail(line, f"key {key!r} appears twice in the same block; keep one")
                continue
            child: Path_ = (*path, key if isinstance(key, int) else str(key))
            self.source.lines[child] = line
            result[key] = self.build(value_node, child)
        return result

    def _fail(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.source.file, line, message))
