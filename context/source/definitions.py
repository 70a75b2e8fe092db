"""Definitions in part of a file, cheap enough for every keystroke: :func:`definitions_in_range`.

The result is exactly what :func:`context.source.symbols.extract_definitions` gives for the range, kept
to the definitions whose name starts in it. It is built from the file's top-level nodes (the
children of the syntax tree's root) that meet the range, and each top-level node's definitions
are cached by the node's type and text, with positions relative to the node. So typing in one
function re-reads that function only, and moving the cursor re-uses every node seen before.

A node is read on its own, not through a query over the whole tree restricted to a byte range: a
pattern anchored at the root (``(module (expression_statement ...))``, top-level constants) makes
tree-sitter walk every top-level node for any range, which costs more than the rest together.
Such a pattern ``(ROOT CHILD)`` (or ``((ROOT CHILD) predicates)``) is rewritten to ``CHILD`` and
run on the top-level node itself only (start depth 0): a top-level node is exactly a child of the
root. Languages whose definition patterns cannot be read that way, documents where a lone CR
ends lines, a root of another type (a tree that failed to parse) and very large top-level nodes
take the plain range query instead (the same result, slower).
"""

from __future__ import annotations

import bisect
import functools
import threading
from dataclasses import dataclass

from tree_sitter import Node, Query, QueryCursor, Tree

from context.source.languages import get_language, get_parser
from context.source.scopes import SCOPE_KINDS
from context.source.symbols import (
    Tag,
    collect_tags,
    extract_definitions,
    has_lone_cr,
    is_definition_pattern,
    pattern_texts,
    query_source,
    tag_order,
)

# A top-level node larger than this is queried over the range only, never cached (a file that is
# one big node, such as a module wrapped in one function, would otherwise be read whole).
MAX_CACHED_NODE_BYTES = 64_000
_CACHE_BYTES = 8_000_000
_CACHE_ENTRIES = 8192

# (name, kind, line, start byte, end byte, signature, scope, end line), positions relative to the node
_RelativeTag = tuple[str, str, int, int, int, str, str | None, int]


@dataclass(frozen=True, slots=True)
class _NodeQueries:
    """The definition patterns split for one top-level node: `local` (every pattern not anchored at
    the root, run at any depth; the others disabled, indices kept) and `rooted` (the root-anchored
    ones rewritten, run at the node itself), with each rooted pattern's index in the tags query."""

    local: Query
    rooted: Query | None
    rooted_index: tuple[int, ...]


# -- the root-anchored patterns ------------------------------------------------------------------


@dataclass(slots=True)
class _Sexp:
    """One item of a query: a list ``( ... )``/``[ ... ]`` or an atom (a word, string or capture)."""

    start: int
    end: int
    atom: str | None  # None for a list
    opener: str = ""
    items: list[_Sexp] | None = None


def _read_sexps(text: str) -> list[_Sexp]:
    """The top-level items of query text (comments skipped). ValueError if unbalanced."""
    stack: list[_Sexp] = [_Sexp(0, len(text), None, "", [])]
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char == ";":
            newline = text.find("\n", i)
            i = len(text) if newline == -1 else newline + 1
        elif char in "([":
            item = _Sexp(i, i, None, char, [])
            _items(stack[-1]).append(item)
            stack.append(item)
            i += 1
        elif char in ")]":
            if len(stack) == 1 or "([".index(stack[-1].opener) != ")]".index(char):
                raise ValueError(f"unbalanced query at {i}")
            stack.pop().end = i + 1
            i += 1
        else:
            end = _atom_end(text, i)
            _items(stack[-1]).append(_Sexp(i, end, text[i:end]))
            i = end
    if len(stack) != 1:
        raise ValueError("unbalanced query")
    return _items(stack[0])


def _items(sexp: _Sexp) -> list[_Sexp]:
    if sexp.items is None:
        raise ValueError("not a list")
    return sexp.items


def _atom_end(text: str, start: int) -> int:
    if text[start] == '"':
        i = start + 1
        while i < len(text) and text[i] != '"':
            i += 2 if text[i] == "\\" else 1
        return i + 1
    i = start
    while i < len(text) and not text[i].isspace() and text[i] not in "()[];":
        i += 1
    return i


def _head(sexp: _Sexp) -> str | None:
    """The node type a ``(type ...)`` list starts with."""
    items = sexp.items
    return items[0].atom if sexp.opener == "(" and items and items[0].atom is not None else None


def _heads(sexp: _Sexp) -> list[str]:
    """Every node type the pattern's outermost node may have (through groups and alternations)."""
    if sexp.items is None:
        return []
    if head := _head(sexp):
        return [head]
    return [head for item in sexp.items if not (_head(item) or "").startswith("#") for head in _heads(item)]


def _rewrite_rooted(text: str, root: str) -> str | None:
    """``(ROOT CHILD)`` -> ``CHILD``; ``((ROOT CHILD) predicates...)`` -> ``(CHILD predicates...)``
    (CHILD may carry captures); None for any other shape."""
    top = _read_sexps(text)
    if len(top) != 1 or top[0].opener != "(":
        return None
    items = _items(top[0])
    if _head(top[0]) == root:
        return _only_child(text, items)
    if items and _head(items[0]) == root and all(_is_predicate(item) for item in items[1:]):
        child = _only_child(text, _items(items[0]))
        if child is not None:
            return "(" + " ".join([child, *(text[item.start : item.end] for item in items[1:])]) + ")"
    return None


def _only_child(text: str, items: list[_Sexp]) -> str | None:
    """The text of the one child pattern in a root's `items` (its captures included), if that is all
    there is: no sibling, anchor, field or quantifier."""
    if len(items) < 2 or items[1].items is None:
        return None
    if not all(item.atom is not None and item.atom.startswith("@") for item in items[2:]):
        return None
    return text[items[1].start : items[-1].end]


def _is_predicate(sexp: _Sexp) -> bool:
    return (_head(sexp) or "").startswith("#")


@functools.cache
def _node_queries(language: str) -> _NodeQueries | None:
    """The split queries, or None when a definition pattern cannot be read one top-level node at a
    time (a wildcard or a shape of root pattern not handled here)."""
    root = get_parser(language).parse(b"").root_node.type
    if root in SCOPE_KINDS.get(language, {}):
        return None  # a tag's scope could then depend on text outside its top-level node
    local = Query(get_language(language), query_source(language))
    rooted_texts: list[str] = []
    rooted_index: list[int] = []
    for index, text in enumerate(pattern_texts(language)):
        if not is_definition_pattern(text):
            local.disable_pattern(index)
            continue
        heads = [head for pattern in _read_sexps(text) for head in _heads(pattern)]
        if "_" in heads or local.is_pattern_non_local(index):
            return None
        if root in heads:
            rewritten = _rewrite_rooted(text, root)
            child_heads = [] if rewritten is None else [h for p in _read_sexps(rewritten) for h in _heads(p)]
            if rewritten is None or root in child_heads or "_" in child_heads:
                return None  # run from the root at depth 1, such a pattern could match the root itself
            local.disable_pattern(index)
            rooted_texts.append(rewritten)
            rooted_index.append(index)
    rooted = Query(get_language(language), "\n\n".join(rooted_texts)) if rooted_texts else None
    if rooted is not None and rooted.pattern_count != len(rooted_texts):
        return None
    return _NodeQueries(local, rooted, tuple(rooted_index))


# -- one top-level node ----------------------------------------------------------------------------


class _NodeCache:
    """Definitions of top-level nodes by (language, node type, node text); the oldest entries go
    first once the keys' text passes a size cap. Reads take no lock (one dict lookup)."""

    def __init__(self, max_bytes: int, max_entries: int) -> None:
        self._max_bytes = max_bytes
        self._max_entries = max_entries
        self._bytes = 0
        self._entries: dict[tuple[str, str, bytes], _NodeEntry] = {}
        self._lock = threading.Lock()
        self.get = self._entries.get

    def put(self, key: tuple[str, str, bytes], value: _NodeEntry) -> _NodeEntry:
        """Store `value` unless another thread stored one first; the stored entry."""
        with self._lock:
            if (found := self._entries.get(key)) is not None:
                return found
            self._entries[key] = value
            self._bytes += len(key[2])
            while self._bytes > self._max_bytes or len(self._entries) > self._max_entries:
                old = next(iter(self._entries))
                del self._entries[old]
                self._bytes -= len(old[2])
            return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


_cache = _NodeCache(_CACHE_BYTES, _CACHE_ENTRIES)


def _read_run(
    source: bytes, language: str, path: str, root: Node, nodes: list[Node], queries: _NodeQueries
) -> list[_NodeEntry]:
    """The definitions of each of the consecutive top-level `nodes`, from one query over their span
    (the local patterns at any depth, the rooted ones at depth 1)."""
    span = (nodes[0].start_byte, nodes[-1].end_byte)
    cursor = QueryCursor(queries.local)
    cursor.set_byte_range(*span)
    matches = cursor.matches(root)
    if queries.rooted is not None:
        rooted = QueryCursor(queries.rooted)
        rooted.set_byte_range(*span)
        rooted.set_max_start_depth(1)
        matches.extend((queries.rooted_index[p], captures) for p, captures in rooted.matches(root))
    starts = [node.start_byte for node in nodes]
    per_node: list[list[tuple[int, dict[str, list[Node]]]]] = [[] for _ in nodes]
    for pattern, captures in matches:
        names = captures.get("name")
        if not names:
            continue
        index = bisect.bisect_right(starts, names[0].start_byte) - 1
        if index >= 0 and names[0].start_byte < nodes[index].end_byte:  # not a neighbour's
            per_node[index].append((pattern, captures))
    return [_entry(source, language, path, node, found) for node, found in zip(nodes, per_node, strict=True)]


def _entry(
    source: bytes, language: str, path: str, node: Node, matches: list[tuple[int, dict[str, list[Node]]]]
) -> _NodeEntry:
    """The node's entry, placed where the node is now (its tags ready)."""
    if not matches:
        entry = _NodeEntry(())
    else:
        best = collect_tags(matches, source, language, path, lambda byte, row: row)
        tags = sorted((tag for _, tag in best.values() if tag.role == "def"), key=tag_order)
        byte, row = node.start_byte, node.start_point.row
        entry = _NodeEntry(
            tuple(
                (
                    t.name,
                    t.kind,
                    t.line - row,
                    t.start_byte - byte,
                    t.end_byte - byte,
                    t.signature,
                    t.scope,
                    (t.end_line if t.end_line is not None else t.line) - row,
                )
                for t in tags
            )
        )
        entry.placed = (path, byte, row, tuple(tags))
    return entry


class _NodeEntry:
    """One top-level node's definitions (relative), and the tags of the last place it was seen
    at (most nodes do not move between two requests: their tags are reused as they are)."""

    __slots__ = ("placed", "relative")

    def __init__(self, relative: tuple[_RelativeTag, ...]) -> None:
        self.relative = relative
        self.placed: tuple[str, int, int, tuple[Tag, ...]] | None = None

    def tags(self, path: str, start: int, row: int) -> tuple[Tag, ...]:
        placed = self.placed
        if placed is not None and placed[0] == path and placed[1] == start and placed[2] == row:
            return placed[3]
        tags = tuple(
            Tag(path, name, "def", kind, line + row, first + start, last + start, signature, scope, end_line + row)
            for name, kind, line, first, last, signature, scope, end_line in self.relative
        )
        self.placed = (path, start, row, tags)  # one assignment: safe to share between threads
        return tags


# -- a range -------------------------------------------------------------------------------------------


def definitions_in_range(source: bytes, language: str, path: str, tree: Tree, byte_range: tuple[int, int]) -> list[Tag]:
    """The definitions whose name starts in `byte_range` of `source` (parsed as `tree`), in
    :func:`context.source.symbols.extract_tags` order: the same list as
    ``[t for t in extract_definitions(source, language, path, tree, byte_range) if first <= t.start_byte < last]``.
    """
    first, last = byte_range
    if first > last:
        raise ValueError(f"invalid byte range {byte_range}")
    root = tree.root_node
    queries = _node_queries(language)
    if queries is None or has_lone_cr(source) or root.type != _root_type(language):
        return _in_range(extract_definitions(source, language, path, tree, byte_range), first, last)
    found: list[tuple[Tag, ...]] = []
    missing: list[tuple[int, Node, tuple[str, str, bytes] | None]] = []  # (child index, node, cache key)
    for index in range(_first_child_ending_after(root, first), root.child_count):
        node = root.child(index)
        if node is None:
            break
        start, end = node.byte_range
        if start >= last:
            break
        if end - start > MAX_CACHED_NODE_BYTES:
            part = (max(first, start), min(last, end))
            found.append(tuple(_in_range(extract_definitions(source, language, path, tree, part), *part)))
        elif node.has_error:
            missing.append((index, node, None))
        else:
            key = (language, node.type, source[start:end])
            entry = _cache.get(key)
            if entry is None:
                missing.append((index, node, key))
            else:
                found.append(entry.tags(path, start, node.start_point.row))
    for run in _runs(missing):
        entries = _read_run(source, language, path, root, [node for _, node, _ in run], queries)
        for (_, node, run_key), entry in zip(run, entries, strict=True):
            if run_key is not None:
                _cache.put(run_key, entry)
            found.append(entry.tags(path, node.start_byte, node.start_point.row))
    result = [tag for tags in found for tag in tags if first <= tag.start_byte < last]
    result.sort(key=tag_order)
    return result


def _runs(
    missing: list[tuple[int, Node, tuple[str, str, bytes] | None]],
) -> list[list[tuple[int, Node, tuple[str, str, bytes] | None]]]:
    """`missing` cut into runs of neighbouring top-level nodes (one query each)."""
    runs: list[list[tuple[int, Node, tuple[str, str, bytes] | None]]] = []
    for item in missing:
        if runs and runs[-1][-1][0] == item[0] - 1:
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def _first_child_ending_after(root: Node, byte: int) -> int:
    """Index of the first child of `root` that ends after `byte` (child_count if none): a binary
    search (children end in order)."""
    low, high = 0, root.child_count
    while low < high:
        middle = (low + high) // 2
        child = root.child(middle)
        if child is not None and child.end_byte > byte:
            high = middle
        else:
            low = middle + 1
    return low


def _in_range(tags: list[Tag], first: int, last: int) -> list[Tag]:
    return [tag for tag in tags if first <= tag.start_byte < last]


@functools.cache
def _root_type(language: str) -> str:
    return get_parser(language).parse(b"").root_node.type


def clear_cache() -> None:
    """Forget every cached node (tests)."""
    _cache.clear()
