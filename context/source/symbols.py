"""Definitions and references in a source file, from tree-sitter tag queries.

Each language has one query file, ``context/queries/<language>.scm`` (adapted from the ``tags.scm``
its grammar wheel ships). In a pattern, ``@name`` captures the identifier and
``@definition.<kind>`` or ``@reference.<kind>`` the whole node; when several patterns tag the same
identifier the earliest pattern wins, so specific patterns (method) go before general ones
(function). A first line ``; inherits: <language>`` prepends another file (JavaScript and
TypeScript build on the shared ``ecma.scm``, TSX on TypeScript). Only tree-sitter's built-in
predicates are used: ``#eq?``, ``#match?`` and their negations, and ``#any-of?`` (py-tree-sitter
ignores ``#not-any-of?``: use ``#not-match?``).

:func:`extract_tags` returns :class:`Tag` values sorted by position: the same input always gives
the same list. :func:`extract_definitions` gives the same list's definitions only, from a query
with the reference patterns disabled (several times cheaper); :mod:`context.source.definitions` builds on
it to read a range one cached top-level node at a time.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tree_sitter import Node, Query, QueryCursor, Tree

from context.safety.heuristics import looks_like_secret_name
from context.safety.state_text import scrub_signature
from context.source.languages import get_language, get_parser
from context.source.scopes import ANONYMOUS, SCOPE_KINDS, receiver_type, scope_name

Role = Literal["def", "ref"]

QUERY_DIR = Path(__file__).parent.parent / "queries"
MAX_SIGNATURE_CHARS = 200
_INHERITS = re.compile(r"^;\s*inherits:\s*([a-z_,\s]+)$", re.MULTILINE)
_QUOTES = "\"'`"


@dataclass(frozen=True, slots=True)
class Tag:
    """One definition or reference of `name` in the file at `path`.

    `line` is 0-based; `start_byte`/`end_byte` span the name. `signature` is the definition's
    line holding its name, trimmed ('' for references). `scope` is the name of the innermost enclosing class,
    function or other scope (None at top level). `end_line` is the definition's last line (None
    for references).
    """

    path: str
    name: str
    role: Role
    kind: str
    line: int
    start_byte: int
    end_byte: int
    signature: str
    scope: str | None
    end_line: int | None = None


def query_source(language: str) -> str:
    """The query text for `language`, with inherited files first."""
    text = (QUERY_DIR / f"{language}.scm").read_text(encoding="utf-8")
    parts: list[str] = []
    if match := _INHERITS.search(text.split("\n", 1)[0]):
        parts.extend(query_source(parent.strip()) for parent in match.group(1).split(",") if parent.strip())
    parts.append(text)
    return "\n".join(parts)


@functools.cache
def tags_query(language: str) -> Query:
    """The compiled tag query for `language` (compiled once). KeyError/FileNotFoundError if unknown."""
    return Query(get_language(language), query_source(language))


def _signature(source: bytes, node: Node, name_node: Node) -> str:
    """The definition's line holding its name (skips leading decorators and annotations), trimmed."""
    line_start = source.rfind(b"\n", 0, name_node.start_byte) + 1
    start = max(node.start_byte, line_start)
    end = source.find(b"\n", name_node.end_byte, node.end_byte)
    chunk = source[start : end if end != -1 else node.end_byte]
    line = scrub_signature(chunk.decode("utf-8", errors="replace").strip())  # tags are stored on disk
    return line if len(line) <= MAX_SIGNATURE_CHARS else line[: MAX_SIGNATURE_CHARS - 1] + "…"


class _ScopeNames:
    """Name of the innermost named scope above a node, memoized per node for one extraction."""

    def __init__(self, language: str) -> None:
        self.kinds = SCOPE_KINDS.get(language, {})
        self.memo: dict[int, str | None] = {}

    def of(self, node: Node) -> str | None:
        """The scope a tag's node sits in (a Go method: its receiver type)."""
        if (receiver := receiver_type(node)) is not None:
            return receiver
        return self.above(node.parent)

    def above(self, start: Node | None) -> str | None:
        path: list[int] = []
        found: str | None = None
        node = start
        while node is not None:
            if node.id in self.memo:
                found = self.memo[node.id]
                break
            path.append(node.id)
            if node.type in self.kinds and (name := scope_name(node)) != ANONYMOUS:
                found = name
                break
            node = node.parent
        for node_id in path:
            self.memo[node_id] = found
        return found


def _line_numbers(source: bytes) -> Callable[[int, int], int]:
    """(byte, tree-sitter row) -> line as LSP counts it: the row, unless a lone CR also ends lines."""
    if not has_lone_cr(source):
        return lambda byte, row: row
    starts = [0, *(m.end() for m in re.finditer(rb"\r\n|\r|\n", source))]
    return lambda byte, row: bisect.bisect_right(starts, byte) - 1


def _role_capture(captures: dict[str, list[Node]]) -> tuple[Role, str, Node] | None:
    for capture, nodes in sorted(captures.items()):
        role, _, kind = capture.partition(".")
        if role == "definition" and nodes:
            return "def", kind, nodes[0]
        if role == "reference" and nodes:
            return "ref", kind, nodes[0]
    return None


def extract_tags(
    source: bytes, language: str, path: str, tree: Tree | None = None, byte_range: tuple[int, int] | None = None
) -> list[Tag]:
    """All definitions and references in `source` (UTF-8) of `language`; sorted and deterministic.

    Pass `tree` when the file is already parsed (a Document's tree) to skip the parse, and
    `byte_range` to keep only tags whose whole node intersects that range (cheaper on big files).
    """
    if tree is None:
        tree = get_parser(language).parse(source)
    cursor = QueryCursor(tags_query(language))
    if byte_range is not None:
        cursor.set_byte_range(*byte_range)
    best = collect_tags(cursor.matches(tree.root_node), source, language, path, _line_numbers(source))
    defined = {(tag.start_byte, tag.end_byte) for _, tag in best.values() if tag.role == "def"}
    tags = [tag for _, tag in best.values() if tag.role == "def" or (tag.start_byte, tag.end_byte) not in defined]
    tags.sort(key=tag_order)
    return tags


def extract_definitions(
    source: bytes, language: str, path: str, tree: Tree | None = None, byte_range: tuple[int, int] | None = None
) -> list[Tag]:
    """The definitions :func:`extract_tags` finds (same arguments, same tags, same order), from a
    query that skips the reference patterns (several times cheaper: references are most matches)."""
    if tree is None:
        tree = get_parser(language).parse(source)
    cursor = QueryCursor(definitions_query(language))
    if byte_range is not None:
        cursor.set_byte_range(*byte_range)
    best = collect_tags(cursor.matches(tree.root_node), source, language, path, _line_numbers(source))
    tags = [tag for _, tag in best.values() if tag.role == "def"]
    tags.sort(key=tag_order)
    return tags


def tag_order(tag: Tag) -> tuple[int, int, str, str, str]:
    """The sort key of :func:`extract_tags`'s list."""
    return (tag.start_byte, tag.end_byte, tag.role, tag.kind, tag.name)


def pattern_texts(language: str, query: Query | None = None) -> list[str]:
    """The text of each pattern of :func:`tags_query` (or of `query`, compiled from the same source),
    by pattern index."""
    if query is None:
        query = tags_query(language)
    source = query_source(language).encode("utf-8")
    return [
        source[query.start_byte_for_pattern(i) : query.end_byte_for_pattern(i)].decode("utf-8")
        for i in range(query.pattern_count)
    ]


def is_definition_pattern(text: str) -> bool:
    """Whether a pattern can tag a definition (it has a ``@definition.<kind>`` capture)."""
    return "@definition." in text


@functools.cache
def definitions_query(language: str) -> Query:
    """:func:`tags_query` with the patterns that cannot tag a definition disabled (indices kept)."""
    query = Query(get_language(language), query_source(language))
    for index, text in enumerate(pattern_texts(language, query)):  # one compile (the parsing helper's warm-up)
        if not is_definition_pattern(text):
            query.disable_pattern(index)
    return query


Best = dict[tuple[Role, int, int], tuple[int, Tag]]


def collect_tags(
    matches: Iterable[tuple[int, dict[str, list[Node]]]],
    source: bytes,
    language: str,
    path: str,
    line_of: Callable[[int, int], int],
) -> Best:
    """Tags from query matches (pattern index, captures), one per (role, name span): the earliest
    pattern wins. `line_of(byte, row)` gives a byte's line."""
    best: Best = {}
    scopes = _ScopeNames(language)
    for pattern, captures in matches:
        found = _role_capture(captures)
        if found is None:
            continue
        role, kind, node = found
        for name_node in captures.get("name", []):
            key = (role, name_node.start_byte, name_node.end_byte)
            if key in best and best[key][0] <= pattern:
                continue
            name = source[name_node.start_byte : name_node.end_byte].decode("utf-8", errors="replace")
            if kind == "module":
                name = name.strip(_QUOTES)
            if looks_like_secret_name(name):
                continue  # a credential where a name was expected: never stored
            tag = Tag(
                path=path,
                name=name,
                role=role,
                kind=kind,
                line=line_of(name_node.start_byte, name_node.start_point.row),
                start_byte=name_node.start_byte,
                end_byte=name_node.end_byte,
                signature=_signature(source, node, name_node) if role == "def" else "",
                scope=scopes.of(node),
                end_line=line_of(node.end_byte, node.end_point.row) if role == "def" else None,
            )
            best[key] = (pattern, tag)
    return best


def has_lone_cr(source: bytes) -> bool:
    """Whether a lone CR ends lines too (then LSP lines and tree-sitter rows differ)."""
    return b"\r" in source and source.count(b"\r") != source.count(b"\r\n")


def definitions(tags: list[Tag]) -> list[Tag]:
    """Only the definitions, in the same order."""
    return [tag for tag in tags if tag.role == "def"]
