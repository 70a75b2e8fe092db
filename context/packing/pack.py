"""The context of one completion: every piece competes for one hard token budget by expected value.

:func:`pack_completion_context` is the one function behind the LSP path, ``outrider complete`` and
``outrider context`` (and the next-edit path): same document, position, budget, model and
workspace state, same bytes. Pieces:

- framing   what a prompt wraps the context in (the path line, the chat prompt's headings), reserved
- scopes    the enclosing scope chain, one line (always, cut to fit)
- prefix / suffix   the code window around the cursor, grown outward in blocks of CODE_BLOCK_LINES
- definitions  cursor-aware retrieval: definitions elsewhere of the names near the cursor
- snippets  similar code from the other open buffers
- imports / nearby  imports in scope and definitions of this file that the window does not show
- extra     sections from other layers (the repository-map slice), block by block

Each piece has a value per token (:mod:`context.packing.candidates`); code blocks are worth
1 / (1 + distance / PREFIX_HALF) (the suffix: SUFFIX_WEIGHT / (1 + distance / SUFFIX_HALF)), the
first block on each side always comes first. Pieces are taken greedily, best value per token
first, while they fit; a code block is offered only once the block inside it was taken, so the
window stays contiguous. What is left at the end goes to the prefix.

Counting: every line of the context is counted as a prompt shows it (``# `` before each line of
the related blocks, as a FIM prompt comments them), with :func:`context.tokens.count_lines`, and
the sum of all charges never exceeds the budget (a sum of line counts bounds the count of the
joined text: :mod:`context.tokens`). Every piece is redacted before it is counted.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Sequence
from dataclasses import dataclass

from context.packing.candidates import (
    DEFINITIONS,
    SNIPPETS,
    Item,
    definition_items,
    line_items,
    section_text,
    snippet_items,
)
from context.packing.code_windows import counted_code_windows, redact_region
from context.packing.cursor import CursorContext, ScopeInfo, cursor_context
from context.packing.cursor_retrieval import cursor_definitions
from context.packing.packed import PackedContext, Section
from context.packing.workspace import WorkspaceView
from context.safety.secrets import redact_with_count
from context.source.document import Document
from context.source.positions import Position
from context.tokens import count_lines, count_tokens, counter_name, truncate_to_tokens

__all__ = ["EXTRA_SHARE", "PackedContext", "Section", "pack_completion_context", "render_scopes"]

EXTRA_SHARE = 0.25  # the repository-map slice is asked for at most this share of the budget
CODE_BLOCK_LINES = 4
PREFIX_HALF = 60.0
SUFFIX_HALF = 20.0
SUFFIX_WEIGHT = 0.8
FIRST_BLOCK_DENSITY = 8.0
IMPORT_DENSITY = 0.9
IMPORT_FALLOFF = 0.05
NEARBY_DENSITY = 0.45
EXTRA_DENSITY = 0.5
EXTRA_FALLOFF = 0.25
COMMENT = "# "
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
IMPORTS = "Imports in scope"
NEARBY = "Nearby definitions"
_SECTION_ORDER = (DEFINITIONS, SNIPPETS, IMPORTS, NEARBY)
_TOKEN_NAMES = {DEFINITIONS: "definitions", SNIPPETS: "snippets", IMPORTS: "imports", NEARBY: "nearby"}


def render_scopes(scopes: Sequence[ScopeInfo]) -> str:
    """``module app.py > class Cart (lines 5-17) > method add (lines 10-12)`` (1-based lines)."""
    parts = []
    for scope in scopes:
        where = "" if scope.kind == "module" else f" (lines {scope.start_line + 1}-{scope.end_line + 1})"
        parts.append(f"{scope.kind} {scope.name}{where}")
    return " > ".join(parts)


def framing_text(path: str, language: str | None) -> str:
    """The most any prompt adds around the context (the chat prompt's headings; a FIM prompt's
    path comment is shorter)."""
    return (
        f"File: {path} ({language or 'plain text'})\n\nRelated code:\n\n\n"
        "Insert the code that completes this block at <CURSOR>:\n<CURSOR>"
    )


class _Ledger:
    """What is left of the budget, what each piece cost, what was cut, secrets masked."""

    def __init__(self, total: int, model: str | None) -> None:
        self.left = total
        self.model = model
        self.tokens: dict[str, int] = {}
        self.redactions = 0
        self.dropped: list[str] = []

    def redact_lines(self, lines: list[str]) -> list[str]:
        if not lines:
            return []
        text, count = redact_region("\n".join(lines))
        self.redactions += count
        clean = text.split("\n")
        if len(clean) == len(lines):
            return clean
        redacted = [redact_with_count(line) for line in lines]
        self.redactions += sum(c for _, c in redacted) - count
        return [text for text, _ in redacted]

    def lines_cost(self, lines: Sequence[str]) -> int:
        return count_lines([COMMENT + line for line in lines], self.model)

    def charge(self, name: str, cost: int) -> bool:
        if cost > self.left:
            return False
        self.left -= cost
        self.tokens[name] = self.tokens.get(name, 0) + cost
        return True


@dataclass(slots=True)
class _CodeSide:
    """One side of the code window, offered block by block outward from the cursor (lines are
    read only as far as they are offered)."""

    doc: Document
    first: str  # the cursor line's part on this side
    line: int  # the cursor line
    suffix: bool
    taken: int = 0  # lines taken
    allowance: int = 0  # tokens planned for this side

    def next_block(self) -> list[str]:
        """The next CODE_BLOCK_LINES lines outward, nearest first (one slice of the text)."""
        doc, count = self.doc, self.doc.line_count
        if self.suffix:
            first, last = self.line + self.taken, min(count - 1, self.line + self.taken + CODE_BLOCK_LINES - 1)
        else:
            first, last = max(0, self.line - self.taken - CODE_BLOCK_LINES + 1), self.line - self.taken
        if first > last or last < 0 or first >= count:
            return []
        end = doc.line_start(last + 1) if last + 1 < count else len(doc.text)
        lines = _LINE_BREAK.split(doc.text[doc.line_start(first) : end])[: last - first + 1]
        if self.taken == 0:  # the cursor line: only this side's part of it
            lines[0 if self.suffix else -1] = self.first
        return lines if self.suffix else lines[::-1]

    def density(self) -> float:
        if self.taken == 0:
            return FIRST_BLOCK_DENSITY * (SUFFIX_WEIGHT if self.suffix else 1.0)
        if self.suffix:
            return SUFFIX_WEIGHT / (1.0 + self.taken / SUFFIX_HALF)
        return 1.0 / (1.0 + self.taken / PREFIX_HALF)


def _code_sides(doc: Document, cursor: CursorContext) -> tuple[_CodeSide, _CodeSide]:
    line = cursor.position.line
    return _CodeSide(doc, cursor.line_prefix, line, suffix=False), _CodeSide(doc, cursor.line_suffix, line, suffix=True)


def _items(
    doc: Document,
    cursor: CursorContext,
    ledger: _Ledger,
    extra: Sequence[Section],
    workspace: WorkspaceView | None,
) -> list[Item]:
    items: list[Item] = []
    if workspace is not None:
        found = cursor_definitions(doc, cursor, workspace)
        items += definition_items(found, workspace, ledger.redact_lines)
        line = cursor.position.line
        query = "\n".join(doc.line_text(n) for n in range(max(0, line - 15), min(doc.line_count, line + 5)))
        items += snippet_items(query, workspace.relative(doc.path), workspace, ledger.redact_lines)
    imports = [(start + i, text) for start, stmt in cursor.imports for i, text in enumerate(stmt.split("\n"))]
    for rank, ((number, _), clean) in enumerate(
        zip(imports, ledger.redact_lines([t for _, t in imports]), strict=True)
    ):
        items.append(Item(IMPORTS, (clean,), (), IMPORT_DENSITY / (1.0 + IMPORT_FALLOFF * rank), (number,)))
    nearby = [
        (tag.line, f"{tag.line + 1}: {tag.signature}" + (f"  (in {tag.scope})" if tag.scope else ""))
        for tag in cursor.nearby
    ]
    for rank, ((number, _), clean) in enumerate(zip(nearby, ledger.redact_lines([t for _, t in nearby]), strict=True)):
        items.append(Item(NEARBY, (clean,), (), NEARBY_DENSITY / (1.0 + 0.1 * rank), (number,)))
    for index, section in enumerate(extra):
        lines = ledger.redact_lines(section.text.split("\n"))
        for item in line_items(section.title, lines, EXTRA_DENSITY / (1 + index), blocks=True, falloff=EXTRA_FALLOFF):
            items.append(item)
    return items


def _shown(item: Item, line: int, sides: tuple[_CodeSide, _CodeSide]) -> bool:
    """Whether an import or nearby line already shows in the code window as planned."""
    if item.section not in (IMPORTS, NEARBY):
        return False
    number = item.order[0]
    assert isinstance(number, int)
    return line - sides[0].taken < number < line + sides[1].taken


def _select(
    items: list[Item], sides: tuple[_CodeSide, _CodeSide], ledger: _Ledger, line: int
) -> tuple[list[Item], dict[tuple[str, ...], str]]:
    """Greedy by value per token (see the module docstring); returns the items taken and the
    headers paid for. The sides' allowances are set."""
    heap: list[tuple[float, int, int]] = []  # (-density, order of offer, index): deterministic
    offered = 0
    for index, item in enumerate(items):
        heap.append((-item.density, offered, index))
        offered += 1
    for side_index, side in enumerate(sides):
        heap.append((-side.density(), offered, -1 - side_index))
        offered += 1
    heapq.heapify(heap)
    chosen: list[Item] = []
    headers: dict[tuple[str, ...], str] = {}
    titles: set[str] = set()
    while heap and ledger.left > 0:
        _, _, index = heapq.heappop(heap)
        if index < 0:
            side = sides[-1 - index]
            block = side.next_block()
            cost = count_lines(block, ledger.model)
            if block and cost <= ledger.left:
                ledger.left -= cost
                side.allowance += cost
                side.taken += len(block)
                heapq.heappush(heap, (-side.density(), offered, index))
                offered += 1
            continue
        item = items[index]
        if _shown(item, line, sides):
            continue
        new_headers = [(key, text) for key, text in item.headers if key not in headers]
        title = [] if item.section in titles else [item.section + ":", ""]
        for lines in (item.lines, item.alternative):
            if lines and ledger.charge(
                _token_name(item.section), ledger.lines_cost([*title, *(t for _, t in new_headers), *lines])
            ):
                chosen.append(item if lines is item.lines else _with_lines(item, lines))
                headers.update(new_headers)
                titles.add(item.section)
                break
    return chosen, headers


def _note_cut(items: list[Item], chosen: list[Item], ledger: _Ledger) -> None:
    """``section: N of M lines`` for each section some of whose lines did not fit."""
    taken: dict[str, int] = {}
    offered: dict[str, int] = {}
    for item in items:
        offered[item.section] = offered.get(item.section, 0) + len(item.lines)
    for item in chosen:
        taken[item.section] = taken.get(item.section, 0) + len(item.lines)
    for section, count in offered.items():
        if taken.get(section, 0) < count:
            ledger.dropped.append(f"{section}: {count - taken.get(section, 0)} of {count} lines")


def _with_lines(item: Item, lines: tuple[str, ...]) -> Item:
    return Item(item.section, lines, item.headers, item.density, item.order)


def _token_name(section: str) -> str:
    return _TOKEN_NAMES.get(section, section)


def pack_completion_context(
    doc: Document,
    position: Position | tuple[int, int],
    budget: int,
    model: str | None = None,
    extra: Sequence[Section] = (),
    workspace: WorkspaceView | None = None,
) -> PackedContext:
    """The completion context at `position` (LSP, 0-based UTF-16) under `budget` tokens.

    `workspace` (the indexed workspace, open buffers included) enables cursor-aware retrieval,
    snippets and the repository-map slice; `extra` sections compete like the map's blocks.
    """
    cursor = cursor_context(doc, position)
    budget = max(0, budget)
    ledger = _Ledger(budget, model)
    if not ledger.charge("framing", count_tokens(framing_text(doc.path, doc.language), model)):
        ledger.dropped.append("everything: the prompt's framing alone is over the budget")
        ledger.left = 0
    scope_text = ledger.redact_lines([render_scopes(cursor.scopes)])[0]
    scope_room = max(0, ledger.left - count_tokens(COMMENT + "Scope: \n", model))
    scopes = truncate_to_tokens(scope_text, scope_room, model)
    if scopes and not ledger.charge("scopes", count_lines([COMMENT + "Scope: " + scopes], model)):
        scopes = ""
    if workspace is not None and (
        slice_text := workspace.map_slice(workspace.relative(doc.path), int(budget * EXTRA_SHARE), model)
    ):
        extra = [*extra, Section("Repository map", slice_text)]
    sides = _code_sides(doc, cursor)
    items = _items(doc, cursor, ledger, extra, workspace)
    chosen, headers = _select(items, sides, ledger, cursor.position.line)
    _note_cut(items, chosen, ledger)
    sides[0].allowance += ledger.left  # what is left: more code before the cursor
    ledger.left = 0
    windows = counted_code_windows(doc.text, cursor.offset, sides[0].allowance, sides[1].allowance, model)
    ledger.redactions += windows.masked
    if windows.suffix:
        ledger.tokens["suffix"] = windows.suffix_tokens
    if windows.prefix:
        ledger.tokens["prefix"] = windows.prefix_tokens
    line = cursor.position.line
    shown = (line - windows.prefix.count("\n"), line + windows.suffix.count("\n"))
    sections = _sections(chosen, headers, extra, shown)
    return PackedContext(
        path=doc.path,
        language=doc.language,
        position=cursor.position,
        budget=budget,
        model=model,
        scopes=scopes,
        sections=sections,
        prefix=windows.prefix,
        suffix=windows.suffix,
        multi_line=cursor.multi_line,
        indentation=cursor.indentation,
        tokens=dict(ledger.tokens),
        redactions=ledger.redactions,
        dropped=tuple(ledger.dropped),
        counter=counter_name(model),
    )


def _sections(
    chosen: list[Item], headers: dict[tuple[str, ...], str], extra: Sequence[Section], shown: tuple[int, int]
) -> tuple[Section, ...]:
    """The chosen items as sections, in a fixed order; imports and nearby lines that the final
    code window shows are left out (their tokens stay spent: the budget holds either way)."""
    by_section: dict[str, list[Item]] = {}
    for item in chosen:
        if item.section in (IMPORTS, NEARBY):
            number = item.order[0]
            assert isinstance(number, int)
            if shown[0] <= number <= shown[1]:
                continue
        by_section.setdefault(item.section, []).append(item)
    order = [*_SECTION_ORDER, *dict.fromkeys(section.title for section in extra)]
    return tuple(Section(title, section_text(by_section[title], headers)) for title in order if title in by_section)
