"""Read YAML spec files document by document, keeping each field's line number.

PyYAML silently keeps the last of two equal keys; spec files are hand-written, so a duplicate
key is almost always a mistake and is reported instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from sre_pipeline.slo.problems import Problem, format_path

LineMap = dict[tuple, int]


@dataclass
class Document:
    """One YAML document: its 1-based index, its data and a field-path -> line map."""

    file: str
    index: int
    data: object
    lines: LineMap = field(default_factory=dict)

    def line_of(self, path: tuple) -> int | None:
        """Line of the deepest known prefix of ``path`` (the field itself or its parent)."""
        for n in range(len(path), -1, -1):
            if path[:n] in self.lines:
                return self.lines[path[:n]]
        return None


def _walk(
    node: yaml.Node, path: tuple, lines: LineMap, dupes: list[tuple[tuple, int]], first: int = 1
) -> None:
    lines.setdefault(path, node.start_mark.line + first)
    if isinstance(node, yaml.MappingNode):
        seen: set = set()
        for key, value in node.value:
            name = key.value
            if name in seen:
                dupes.append((path + (name,), key.start_mark.line + first))
            seen.add(name)
            lines[path + (name,)] = key.start_mark.line + first
            _walk(value, path + (name,), lines, dupes, first)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, path + (i,), lines, dupes, first)


def read_documents(path: Path) -> tuple[list[Document], list[Problem]]:
    """Parse every document of a YAML file; syntax errors become problems, not tracebacks."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(name, None, "(file)", f"cannot read file: {exc}", "a UTF-8 YAML file")]
    return parse_documents(text, name)


def parse_documents(text: str, name: str, first: int = 1) -> tuple[list[Document], list[Problem]]:
    """Parse YAML ``text`` taken from file ``name``, where its first line is line ``first``
    (front matter embedded in another file starts further down)."""
    docs: list[Document] = []
    problems: list[Problem] = []
    loader = yaml.SafeLoader(text)
    index = 0  # 1-based index of the document being read; errors name this one
    try:
        while loader.check_node():
            index += 1
            node = loader.get_node()
            lines: LineMap = {}
            dupes: list[tuple[tuple, int]] = []
            _walk(node, (), lines, dupes, first)
            for dup_path, line in dupes:
                problems.append(
                    Problem(
                        name, index, format_path(dup_path), "duplicate key", "each key once", line
                    )
                )
            data = loader.construct_document(node)
            if data is not None:
                docs.append(Document(name, index, data, lines))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + first if mark else None
        reason = getattr(exc, "problem", None) or str(exc)
        problems.append(
            Problem(
                name,
                max(index, 1),
                "(document)",
                f"YAML syntax error: {reason}",
                "valid YAML",
                line,
            )
        )
    finally:
        loader.dispose()
    return docs, problems
