"""Read YAML input files (SLO specs, the configuration, capacity, the demo plan, postmortem
front matter) document by document, keeping each field's line number.

Every one of these files is hand-written, so the loader is stricter than PyYAML's safe loader:

- A duplicate key is reported (PyYAML silently keeps the last one).
- Timestamps are not resolved implicitly: ``2026-02-30`` stays the string it is, and the field
  that expects a date parses it strictly (:mod:`sre_pipeline.inputs.instants`). PyYAML would
  build a ``date`` while loading and raise a bare ``ValueError`` for an impossible day (no
  line, no field), and it would turn ``start: 2026-01-01`` into a date where a string is meant.
- Aliases may expand to at most :data:`EXPANSION` times the nodes the document actually has
  (plus :data:`SLACK`). PyYAML writes ``&id001``/``*id001`` for an object a generator reused,
  and ``<<: *defaults`` saves repetition by hand, so aliases are kept; but nested ones
  ("billion laughs") expand a few lines into billions of nodes, and an alias inside its own
  anchor never ends. The cap keeps reading linear in the file's size: a document past it is
  refused before anything walks it.
- Nesting deeper than :data:`MAX_DEPTH` (as written or through aliases) is refused, before the
  recursive composer would run out of stack.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from sre_pipeline.inputs.problems import Problem, format_path

LineMap = dict[tuple, int]
MAX_DEPTH = 100  # far beyond any real spec; Python's recursion limit is ~1000 frames
EXPANSION, SLACK = 10, 1000  # aliases may multiply a document's nodes by 10 (+1000), no more
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class _TooLarge(yaml.composer.ComposerError):
    """A document that aliases expand past the cap, or nested too deep; ``path`` is the
    top-level field being read (the one that holds the culprit)."""

    def __init__(self, message: str, mark: yaml.Mark, path: tuple = (), expected: str = ""):
        super().__init__(None, None, message, mark)
        self.path = path
        self.expected = expected or f"at most {MAX_DEPTH} levels of nesting"


class _InputLoader(yaml.SafeLoader):
    """The safe loader without implicit timestamps, counting the nodes it composes."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != TIMESTAMP_TAG]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream):
        super().__init__(stream)
        self.composed = 0  # nodes of the current document as written (an alias counts once)
        self._depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _TooLarge(_too_deep(), self.peek_event().start_mark)
            self.composed += 1
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _too_deep() -> str:
    return f"nesting deeper than {MAX_DEPTH} levels"


# libyaml (PyYAML's C extension) parses and composes about ten times faster than the pure
# Python loader: a catalog of 500 spec files loads in a fraction of a second instead of two.
# Its composer cannot count or cap nodes, so a pass over the events (in C as well) first
# measures each document's nodes and depth; a file with a syntax error is parsed again by the
# Python loader, whose messages are the ones users see.
_CLoader = getattr(yaml, "CSafeLoader", None)
if _CLoader is not None:

    class _FastLoader(_CLoader):  # type: ignore[misc, valid-type]
        """libyaml's safe loader without implicit timestamps."""

        yaml_implicit_resolvers = _InputLoader.yaml_implicit_resolvers


_OPENS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSES = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
_NODES = (yaml.ScalarEvent, yaml.AliasEvent, *_OPENS)


def _node_counts(text: str) -> list[int]:
    """The nodes each document of ``text`` has as written (an alias counts once), from
    libyaml's events; raises :class:`_TooLarge` past :data:`MAX_DEPTH` levels of nesting."""
    counts: list[int] = []
    depth = 0
    loader = _FastLoader(text)
    try:
        while (event := loader.get_event()) is not None:
            if isinstance(event, yaml.DocumentStartEvent):
                counts.append(0)
            elif isinstance(event, _NODES):
                counts[-1] += 1
                if isinstance(event, _OPENS):
                    depth += 1
                    if depth > MAX_DEPTH:
                        raise _TooLarge(_too_deep(), event.start_mark)
            elif isinstance(event, _CLOSES):
                depth -= 1
    finally:
        loader.dispose()
    return counts


@dataclass
class Document:
    """One YAML document: its 1-based index, its data and a field-path -> line map.

    ``prefix`` is where ``data`` sits in the document as written: ``(2,)`` for the third
    object of a document that is a list of objects (:meth:`items`), so a problem's path and
    line are those of the file."""

    file: str
    index: int
    data: object
    lines: LineMap = field(default_factory=dict)
    prefix: tuple = ()
    # plain (unquoted) scalars as written, by path: a reader that must resolve them as
    # another YAML implementation does (Sloth's Go decoder: sre_pipeline.inputs.goyaml)
    texts: dict[tuple, str] = field(default_factory=dict)

    def line_of(self, path: tuple) -> int | None:
        """Line of the deepest known prefix of ``path`` (the field itself or its parent)."""
        path = self.prefix + tuple(path)
        for n in range(len(path), -1, -1):
            if path[:n] in self.lines:
                return self.lines[path[:n]]
        return None

    def plain_text(self, path: tuple) -> str | None:
        """The text of the plain scalar at ``path`` of :attr:`data` as written, or None when
        it is quoted, a block, a collection or absent."""
        return self.texts.get(self.prefix + tuple(path))

    def items(self) -> list[Document]:
        """The objects of the document: itself, or each item of a document that is a list
        (OpenSLO files may hold a list of objects as well as several documents)."""
        if not isinstance(self.data, list):
            return [self]
        return [
            Document(self.file, self.index, item, self.lines, self.prefix + (i,), self.texts)
            for i, item in enumerate(self.data)
        ]


@dataclass
class _Walk:
    """Lines and duplicate keys found while walking a document, within a node budget."""

    lines: LineMap
    dupes: list[tuple[tuple, int]]
    budget: int
    first: int = 1
    texts: dict[tuple, str] = field(default_factory=dict)


def _refuse(message: str, path: tuple, walk: _Walk, expected: str = "") -> _TooLarge:
    # the node itself is the anchor's, far from the alias: name the top-level field instead
    line = walk.lines.get(path[:1], walk.first) - walk.first
    return _TooLarge(message, yaml.Mark("", 0, line, 0, None, None), path[:1], expected)


def _walk(node: yaml.Node, path: tuple, walk: _Walk) -> None:
    walk.budget -= 1
    if walk.budget < 0:
        message = f"aliases expand it past {EXPANSION} times its size (nested or recursive)"
        raise _refuse(message, path, walk, "the values written out (aliases only for repeats)")
    if len(path) > MAX_DEPTH:
        raise _refuse(_too_deep() + " (a recursive alias?)", path, walk)
    walk.lines.setdefault(path, node.start_mark.line + walk.first)
    if isinstance(node, yaml.MappingNode):
        seen: set = set()
        for key, value in node.value:
            name = key.value
            if name in seen:
                walk.dupes.append((path + (name,), key.start_mark.line + walk.first))
            seen.add(name)
            walk.lines[path + (name,)] = key.start_mark.line + walk.first
            _walk(value, path + (name,), walk)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, path + (i,), walk)
    elif not node.style:  # plain: None from the Python composer, "" from libyaml's
        walk.texts[path] = node.value


def read_documents(path: Path) -> tuple[list[Document], list[Problem]]:
    """Parse every document of a YAML file (or the one value of a ``.json`` file); syntax
    errors become problems, not tracebacks."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(name, None, "(file)", f"cannot read file: {exc}", "a UTF-8 YAML file")]
    if path.suffix.lower() == ".json":
        return parse_json(text, name)
    return parse_documents(text, name)


def parse_json(text: str, name: str) -> tuple[list[Document], list[Problem]]:
    """A JSON file as one document: the values are JSON's (``2e3`` is a number, which YAML
    1.1 would read as a string), the lines and duplicate keys come from reading the same text
    as YAML, which JSON is a subset of once its tabs (only ever whitespace there: a tab inside
    a JSON string must be escaped) are spaces."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = Problem(name, 1, "(document)", f"JSON syntax error: {exc.msg}", "valid JSON")
        return [], [replace(problem, line=exc.lineno)]
    docs, problems = parse_documents(text.replace("\t", " "), name)
    if len(docs) != 1 or problems and problems[0].message.startswith("YAML syntax"):
        return [Document(name, 1, data)], []  # exotic escapes: the values without lines
    return [replace(docs[0], data=data)], problems


def parse_documents(text: str, name: str, first: int = 1) -> tuple[list[Document], list[Problem]]:
    """Parse YAML ``text`` taken from file ``name``, where its first line is line ``first``
    (front matter embedded in another file starts further down)."""
    if _CLoader is not None:
        try:
            counts = _node_counts(text)
        except yaml.YAMLError:
            pass  # the Python loader says what is wrong, and where
        else:
            return _parse(_FastLoader(text), counts, text, name, first)
    return _parse(_InputLoader(text), None, text, name, first)


def _parse(loader, counts: list[int] | None, text: str, name: str, first: int):
    """Compose and construct each document with ``loader``: libyaml's, given the node
    ``counts`` of the documents, or the Python loader, which counts as it composes."""
    docs: list[Document] = []
    problems: list[Problem] = []
    index = 0  # 1-based index of the document being read; errors name this one
    try:
        while loader.check_node():
            index += 1
            loader.composed = 0
            node = loader.get_node()
            composed = loader.composed if counts is None else counts[index - 1]
            walk = _Walk({}, [], EXPANSION * composed + SLACK, first)
            _walk(node, (), walk)
            for dup_path, line in walk.dupes:
                problems.append(
                    Problem(
                        name, index, format_path(dup_path), "duplicate key", "each key once", line
                    )
                )
            data = loader.construct_document(node)
            if data is not None:
                docs.append(Document(name, index, data, walk.lines, texts=walk.texts))
    except yaml.YAMLError as exc:
        if counts is not None:  # libyaml found what its events did not: the Python loader's say
            return _parse(_InputLoader(text), None, text, name, first)
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + first if mark else None
        reason = getattr(exc, "problem", None) or str(exc)
        large = isinstance(exc, _TooLarge)
        problems.append(
            Problem(
                name,
                max(index, 1),
                format_path(exc.path) if large else "(document)",
                f"document refused: {reason}" if large else f"YAML syntax error: {reason}",
                exc.expected if large else "valid YAML",
                line,
            )
        )
    finally:
        loader.dispose()
    return docs, problems
