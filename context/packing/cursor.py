"""What the code around a cursor says: scopes, imports, nearby definitions, and the cursor's shape.

:func:`cursor_context` reads a :class:`~context.source.document.Document` at one position and returns a
:class:`CursorContext`; :func:`text_windows` cuts the prefix and suffix windows by token budget.
Nothing here budgets the whole prompt or redacts: :mod:`context.packing.pack` does both.

Definitions:

- scopes: module > class > function ..., outermost first, each with its 0-based line range; the
  module is the file itself.
- imports in scope: import statements at top level, plus those inside an enclosing scope that
  start before the cursor.
- nearby definitions: definitions from the innermost enclosing class-like scope (so sibling
  methods are seen), else from a window of lines around the cursor; nearest first.
- shape: ``in_empty_block`` (blank line in a block with no statements yet: a multi-line answer
  fits) and ``mid_expression`` (code before the cursor on its line, or inside brackets: finish the
  line only).
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import PurePath

from tree_sitter import Node, Query, QueryCursor

from context.packing.code_windows import code_windows
from context.source.definitions import definitions_in_range
from context.source.document import Document
from context.source.languages import get_language, get_parser
from context.source.positions import Position
from context.source.scopes import enclosing_scopes, scope_kind
from context.source.symbols import Tag

NEARBY_LINES = 80
MAX_NEARBY = 24
_CLASS_LIKE = frozenset({"class", "interface", "impl", "module", "enum", "type"})
_BLOCK_OPENERS = (":", "{", "=>", "->")
_CLOSERS = frozenset(")]}>;,'\"` \t")

IMPORT_NODES: dict[str, tuple[str, ...]] = {
    "python": ("import_statement", "import_from_statement", "future_import_statement"),
    "javascript": ("import_statement",),
    "typescript": ("import_statement",),
    "tsx": ("import_statement",),
    "go": ("import_declaration",),
    "rust": ("use_declaration", "extern_crate_declaration"),
    "java": ("import_declaration",),
    "c": ("preproc_include",),
    "cpp": ("preproc_include", "using_declaration"),
}

BRACKETED_NODES = frozenset(
    {
        "argument_list",
        "arguments",
        "parameters",
        "formal_parameters",
        "parameter_list",
        "list",
        "tuple",
        "dictionary",
        "set",
        "array",
        "object",
        "parenthesized_expression",
        "subscript",
        "type_arguments",
        "generator_expression",
        "list_comprehension",
        "dictionary_comprehension",
        "set_comprehension",
        "array_expression",
        "tuple_expression",
        "composite_literal",
        "literal_value",
        "initializer_list",
    }
)


@dataclass(frozen=True, slots=True)
class ScopeInfo:
    """One enclosing scope: kind (module, class, function, method ...), name, 0-based line range."""

    kind: str
    name: str
    start_line: int
    end_line: int
    signature: str


@dataclass(frozen=True, slots=True)
class CursorContext:
    """Everything about one cursor position except the budgeted text windows."""

    path: str
    language: str | None
    position: Position
    offset: int
    line_prefix: str
    line_suffix: str
    indentation: str
    scopes: tuple[ScopeInfo, ...]
    imports: tuple[tuple[int, str], ...]  # (0-based line, statement text), in file order
    nearby: tuple[Tag, ...]  # definitions, nearest first
    in_empty_block: bool
    mid_expression: bool

    @property
    def multi_line(self) -> bool:
        """Whether a multi-line suggestion fits here."""
        return self.in_empty_block and not self.mid_expression


def _text(node: Node) -> str:
    return node.text.decode("utf-8", errors="replace") if node.text is not None else ""


def _first_line(source: bytes, node: Node) -> str:
    """The node's first line, trimmed (only that line is decoded: a scope can be a whole file)."""
    end = source.find(b"\n", node.start_byte, node.end_byte)
    return source[node.start_byte : end if end != -1 else node.end_byte].decode("utf-8", errors="replace").strip()


def _anchor_node(doc: Document, offset: int, *, blank_prefix: bool) -> Node | None:
    """The node the cursor belongs to: at the last non-blank character before it.

    A cursor in whitespace (a blank line in a new block, after a closing brace) is outside every
    node that ends before it, so we look where the code before it ends instead.
    """
    if doc.tree is None:
        return None
    anchor = offset - 1
    if blank_prefix:
        text = doc.text
        while anchor >= 0 and text[anchor].isspace():
            anchor -= 1
    if anchor < 0:
        return doc.tree.root_node
    byte = doc.byte_at(anchor)
    return doc.tree.root_node.descendant_for_byte_range(byte, byte)


def _scope_chain(
    doc: Document, node: Node | None, blank_column: int | None
) -> tuple[tuple[ScopeInfo, ...], list[Node]]:
    """Module first, then each enclosing scope. On a blank line (`blank_column` = the cursor's
    column) a scope counts only if its header is indented less than the cursor."""
    module = ScopeInfo("module", PurePath(doc.path).name, 0, doc.line_count - 1, "")
    if doc.language is None or node is None:
        return (module,), []
    infos = [module]
    nodes: list[Node] = []
    for kind, name, scope_node in enclosing_scopes(doc.language, node):
        start = doc.position_at(doc.offset_of_byte(scope_node.start_byte)).line
        if blank_column is not None and _indent_width(doc.line_text(start)) >= blank_column:
            break
        end = doc.position_at(doc.offset_of_byte(scope_node.end_byte)).line
        infos.append(ScopeInfo(kind, name, start, end, _first_line(doc.source, scope_node)))
        nodes.append(scope_node)
    return tuple(infos), nodes


def _import_nodes(container: Node, types: tuple[str, ...]) -> list[Node]:
    """Import statements directly in `container` or its body (looking inside preprocessor blocks)."""
    body = container.child_by_field_name("body")
    pending = list((body or container).named_children)
    found: list[Node] = []
    while pending:
        node = pending.pop()
        if node.type in types:
            found.append(node)
        elif node.type.startswith(("preproc_if", "preproc_else", "preproc_elif")):
            pending.extend(node.named_children)
    return found


class _SameSourceCache:
    """The last few results of a pure function of a document's text (same text: same result), so
    requests at one document version (the cursor moved, a request was repeated) reuse them.

    Entries are found by the identity of the text's bytes (snapshots of one version share them),
    not by their hash: hashing a large file's bytes anew at every keystroke costs more than the
    lookup saves. An entry keeps its bytes alive, so their identity cannot be reused meanwhile.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[object, ...], tuple[bytes, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, source: bytes, key: tuple[object, ...]) -> object | None:
        with self._lock:
            found = self._entries.get((id(source), *key))
            if found is None or found[0] is not source:
                return None
            self._entries.move_to_end((id(source), *key))
            return found[1]

    def put(self, source: bytes, key: tuple[object, ...], value: object) -> None:
        with self._lock:
            self._entries[(id(source), *key)] = (source, value)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


_top_level_imports_cache = _SameSourceCache(4)
_nearby_cache = _SameSourceCache(16)


def _node_imports(doc: Document, nodes: list[Node]) -> set[tuple[int, str]]:
    return {(doc.position_at(doc.offset_of_byte(node.start_byte)).line, _text(node).strip()) for node in nodes}


@functools.cache
def _import_query(language: str) -> Query | None:
    """The import statements among the root's children, as a query run at depth 1 (tree-sitter
    steps over the top-level nodes in C: typing changes the text, so the result is rarely cached).
    None where imports nest in preprocessor blocks (C, C++): those are scanned."""
    if language in ("c", "cpp"):
        return None
    root = get_parser(language).parse(b"").root_node
    if root.child_by_field_name("body") is not None:
        return None  # _import_nodes would read the body, not the root's children
    types = " ".join(f"({node_type})" for node_type in IMPORT_NODES[language])
    return Query(get_language(language), f"[{types}] @import")


def _top_level_import_nodes(root: Node, language: str, types: tuple[str, ...]) -> list[Node]:
    """What ``_import_nodes(root, types)`` finds (in another order)."""
    query = _import_query(language)
    if query is None:
        return _import_nodes(root, types)
    cursor = QueryCursor(query)
    cursor.set_max_start_depth(1)
    return [node for _, captures in cursor.matches(root) for node in captures["import"] if node.parent == root]


def _imports(doc: Document, scope_nodes: list[Node], cursor_byte: int) -> tuple[tuple[int, str], ...]:
    """Top-level imports, and those in enclosing scopes that come before the cursor."""
    if doc.tree is None or doc.language not in IMPORT_NODES:
        return ()
    types = IMPORT_NODES[doc.language]
    key = (doc.language,)
    top = _top_level_imports_cache.get(doc.source, key)
    if not isinstance(top, frozenset):
        top = frozenset(_node_imports(doc, _top_level_import_nodes(doc.tree.root_node, doc.language, types)))
        _top_level_imports_cache.put(doc.source, key, top)
    nodes: list[Node] = []
    for scope in scope_nodes:
        nodes.extend(node for node in _import_nodes(scope, types) if node.start_byte <= cursor_byte)
    return tuple(sorted(top | _node_imports(doc, nodes)))


def _nearby(doc: Document, scope_nodes: list[Node], line: int) -> tuple[Tag, ...]:
    if doc.tree is None or doc.language is None:
        return ()
    container = next(
        (node for node in reversed(scope_nodes) if scope_kind(doc.language, node) in _CLASS_LIKE),
        None,
    )
    if container is not None:
        byte_range = (container.start_byte, container.end_byte)
    else:
        first = doc.byte_at(doc.line_start(max(0, line - NEARBY_LINES)))
        after = line + NEARBY_LINES + 1
        last = doc.byte_at(doc.line_start(after)) if after < doc.line_count else len(doc.source)
        byte_range = (first, last)
    key = (doc.path, doc.language, byte_range, line)
    cached = _nearby_cache.get(doc.source, key)
    if isinstance(cached, tuple):
        return cached
    defs = definitions_in_range(doc.source, doc.language, doc.path, doc.tree, byte_range)
    defs.sort(key=lambda t: (abs(t.line - line), t.line, t.start_byte))
    nearest = tuple(defs[:MAX_NEARBY])
    _nearby_cache.put(doc.source, key, nearest)
    return nearest


def _neighbour_line(doc: Document, line: int, step: int) -> str | None:
    """The nearest non-blank line above (step -1) or below (step 1), or None."""
    current = line + step
    while 0 <= current < doc.line_count:
        text = doc.line_text(current)
        if text.strip():
            return text
        current += step
    return None


def _indent_width(text: str) -> int:
    return len(text) - len(text.lstrip(" \t"))


def _in_empty_block(doc: Document, line: int, prefix: str, suffix: str) -> bool:
    if prefix.strip() or suffix.strip(" \t)]}"):
        return False
    above = _neighbour_line(doc, line, -1)
    if above is None or not above.rstrip().endswith(_BLOCK_OPENERS):
        return False
    below = _neighbour_line(doc, line, 1)
    return below is None or _indent_width(below) <= _indent_width(above)


def _mid_expression(prefix: str, suffix: str, node: Node | None) -> bool:
    stripped = prefix.strip()
    if stripped and not stripped.endswith(_BLOCK_OPENERS):
        return True
    if suffix and not set(suffix) <= _CLOSERS:
        return True
    current = node
    while current is not None:
        if current.type in BRACKETED_NODES:
            return True
        if current.type in ("block", "statement_block", "compound_statement", "declaration_list"):
            return False
        current = current.parent
    return False


def cursor_context(doc: Document, position: Position | tuple[int, int]) -> CursorContext:
    """Read `doc` at an LSP position (clamped; PositionError if negative)."""
    offset = doc.offset_at(position)
    pos = doc.position_at(offset)
    line_start = doc.line_start(pos.line)
    line_text = doc.line_text(pos.line)
    prefix, suffix = line_text[: offset - line_start], line_text[offset - line_start :]
    cursor_byte = doc.byte_at(offset)
    node = _anchor_node(doc, offset, blank_prefix=not prefix.strip())
    scopes, scope_nodes = _scope_chain(doc, node, len(prefix) if not prefix.strip() else None)
    return CursorContext(
        path=doc.path,
        language=doc.language,
        position=pos,
        offset=offset,
        line_prefix=prefix,
        line_suffix=suffix,
        indentation=line_text[: _indent_width(line_text)],
        scopes=scopes,
        imports=_imports(doc, scope_nodes, cursor_byte),
        nearby=_nearby(doc, scope_nodes, pos.line),
        in_empty_block=_in_empty_block(doc, pos.line, prefix, suffix),
        mid_expression=_mid_expression(prefix, suffix, node),
    )


def text_windows(
    text: str, offset: int, prefix_tokens: int, suffix_tokens: int, model: str | None = None
) -> tuple[str, str]:
    """The text before and after `offset` within the token budgets (not redacted): the prefix keeps
    its tail, the suffix its head, both cut at line boundaries when a whole line fits."""
    prefix, suffix, _ = code_windows(text, offset, prefix_tokens, suffix_tokens, model, redact=False)
    return prefix, suffix
