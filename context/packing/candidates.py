"""The pieces that compete for a completion's budget, each with its expected value per token.

Every piece of context that is not the code window is an :class:`Item`: some lines for one
section, the header lines it needs (a file's path, a method's class: shared by the items under
them, paid for once) and a `density`, the value of its lines per token on one scale with the code
window's (see :mod:`context.packing.pack`). Builders, one per kind of piece:

- :func:`definition_items`: cursor-aware retrieval (:mod:`context.packing.cursor_retrieval`), one
  line per definition, density DEFINITION_DENSITY x its score;
- :func:`snippet_items`: windows of the open buffers most similar to the code around the cursor
  (Jaccard similarity of their identifier sets, at least MIN_SIMILARITY), most recent buffers first;
- :func:`line_items`: plain lines (imports in scope, nearby definitions, a section from another
  layer such as the repository map) at a fixed density that falls along the list.

:func:`section_text` puts chosen items back together in reading order. Items are built from
redacted text only; the packer counts them as they will appear in a prompt.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from context.packing.cursor_retrieval import Found
from context.packing.signatures import INDENT, definition_line, signature_of
from context.packing.workspace import WorkspaceView
from context.source.symbols import Tag

DEFINITIONS = "Definitions used near the cursor"
SNIPPETS = "Similar code in open files"
DEFINITION_DENSITY = 1.6
SNIPPET_DENSITY = 0.9
SNIPPET_LINES = 12
SNIPPET_STEP = 6
MAX_SNIPPET_BUFFERS = 8
MAX_SNIPPETS = 3
MIN_SIMILARITY = 0.2
_IDENT = re.compile(r"[A-Za-z_]\w+")
_CLASS_KINDS = frozenset({"class", "interface", "struct", "trait", "type", "enum"})

Header = tuple[tuple[str, ...], str]  # (key, line)
Redact = Callable[[list[str]], list[str]]


@dataclass(frozen=True, slots=True)
class Item:
    """Lines of one section, the headers they need (paid once per key), their value per token,
    and `order` (where they go in the section, for :func:`section_text`)."""

    section: str
    lines: tuple[str, ...]
    headers: tuple[Header, ...]
    density: float
    order: tuple[object, ...]
    alternative: tuple[str, ...] = ()  # shorter lines to take when `lines` do not fit (no docstring)


def _owner(tag: Tag, view: WorkspaceView) -> Tag | None:
    if tag.scope is None:
        return None
    return next((t for t in view.file_definitions(tag.path) if t.name == tag.scope and t.kind in _CLASS_KINDS), None)


def definition_items(found: Sequence[Found], view: WorkspaceView, redact: Redact) -> list[Item]:
    """One item per found definition (see the module docstring)."""
    items: list[Item] = []
    best_of_path: dict[str, int] = {}
    for rank, hit in enumerate(found):
        best_of_path.setdefault(hit.tag.path, rank)
    for hit in found:
        tag = hit.tag
        lines = view.lines(tag.path)
        owner = _owner(tag, view)
        depth = 2 if owner is not None else 1
        full, short = redact([definition_line(tag, lines, with_doc=True), definition_line(tag, lines, with_doc=False)])
        headers: list[Header] = [(("path", tag.path), f"{tag.path}:")]
        if owner is not None:
            owner_line = redact([signature_of(owner, lines)])[0]
            headers.append((("class", tag.path, str(owner.line)), INDENT + owner_line))
        order = (best_of_path[tag.path], tag.path, owner.line if owner else tag.line, tag.line)
        items.append(
            Item(
                DEFINITIONS,
                (INDENT * depth + full,),
                tuple(headers),
                DEFINITION_DENSITY * hit.score,
                order,
                (INDENT * depth + short,) if short != full else (),
            )
        )
    return items


def _idents(text: str) -> frozenset[str]:
    return frozenset(_IDENT.findall(text))


def snippet_items(
    query_text: str, current: str | None, view: WorkspaceView, redact: Redact, shown: Sequence[str] = ()
) -> list[Item]:
    """Windows of other open buffers most like `query_text` (the code around the cursor)."""
    query = _idents(query_text)
    if not query:
        return []
    scored: list[tuple[float, int, str, int, list[str]]] = []
    for recency, (path, text) in enumerate(view.recent_buffers()[:MAX_SNIPPET_BUFFERS]):
        if path == current or path in shown:
            continue
        lines = text.split("\n")
        for start in range(0, max(1, len(lines) - SNIPPET_LINES + SNIPPET_STEP), SNIPPET_STEP):
            window = lines[start : start + SNIPPET_LINES]
            words = _idents("\n".join(window))
            if not words:
                continue
            similarity = len(words & query) / len(words | query)
            if similarity >= MIN_SIMILARITY:
                scored.append((similarity, recency, path, start, window))
    scored.sort(key=lambda s: (-s[0], s[1], s[2], s[3]))
    items: list[Item] = []
    taken: set[tuple[str, int]] = set()
    for similarity, _, path, start, window in scored:
        if any(p == path and abs(s - start) < SNIPPET_LINES for p, s in taken):
            continue  # overlapping windows of one buffer: the best one
        taken.add((path, start))
        header = f"{path}:{start + 1}-{start + len(window)}"
        body = redact([header, *window])
        items.append(Item(SNIPPETS, tuple(body), (), SNIPPET_DENSITY * similarity, (len(items),)))
        if len(items) == MAX_SNIPPETS:
            break
    return items


def line_items(
    section: str, lines: Sequence[str], density: float, *, blocks: bool = False, falloff: float = 0.0
) -> list[Item]:
    """Plain lines as items, in order, the i-th at ``density / (1 + falloff * i)``; with `blocks`,
    a line and the indented lines after it are one item (a repository map's file)."""
    groups: list[list[str]] = []
    for line in lines:
        if blocks and groups and line.startswith(" "):
            groups[-1].append(line)
        else:
            groups.append([line])
    return [Item(section, tuple(g), (), density / (1.0 + falloff * i), (i,)) for i, g in enumerate(groups)]


def section_text(chosen: Sequence[Item], headers: dict[tuple[str, ...], str]) -> str:
    """The chosen items of one section in reading order, each header line once before its items."""
    lines: list[str] = []
    emitted: set[tuple[str, ...]] = set()
    for item in sorted(chosen, key=lambda i: i.order):
        for key, _ in item.headers:
            if key not in emitted and key in headers:
                emitted.add(key)
                lines.append(headers[key])
        lines.extend(item.lines)
    return "\n".join(lines)
