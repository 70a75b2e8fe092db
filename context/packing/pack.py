"""The context of one completion, assembled under a hard token budget, secrets redacted.

:func:`pack_completion_context` is what ``outrider context`` prints and what the completion prompt
is built from. Pieces, in the order they are filled:

1. scopes   the enclosing scope chain, one line (always, cut to fit)
2. suffix   code after the cursor, from the head (a quarter of the code room)
3. prefix   code before the cursor, from the tail (the rest of the code room)
4. imports  imports in scope that the prefix window does not show  (up to 15% of the budget)
5. nearby   definitions near the cursor that the windows do not show (up to 10%)
6. extra    sections from other layers, e.g. a repo-map slice, in the order given (up to 25%)

The code room is what is left after the scopes once sections 4-6 are set aside at their full
share of what they actually have; the sections then leave out what the windows already show.
Every piece is redacted (:func:`context.safety.secrets.redact_with_count`) before it is counted with
:func:`context.tokens.count_tokens`, so the sum of the pieces' counts never exceeds the budget.
Same document, position and budget: the same bytes out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from context.packing.code_windows import counted_code_windows, redact_region
from context.packing.cursor import CursorContext, ScopeInfo, cursor_context
from context.safety.secrets import redact_with_count
from context.source.document import Document
from context.source.positions import Position
from context.tokens import count_lines, count_tokens, truncate_to_tokens

IMPORTS_SHARE = 0.15
NEARBY_SHARE = 0.10
EXTRA_SHARE = 0.25
SUFFIX_SHARE = 0.25


@dataclass(frozen=True, slots=True)
class Section:
    """A titled block of related context (a repo-map slice, nearby symbols ...)."""

    title: str
    text: str


@dataclass(frozen=True, slots=True)
class PackedContext:
    """What a model is told for a completion at one position."""

    path: str
    language: str | None
    position: Position  # 0-based line, UTF-16 character
    budget: int
    model: str | None
    scopes: str
    sections: tuple[Section, ...]  # imports, nearby definitions, extra sections (non-empty only)
    prefix: str
    suffix: str
    multi_line: bool
    indentation: str
    tokens: dict[str, int] = field(default_factory=dict)  # per piece
    redactions: int = 0
    dropped: tuple[str, ...] = ()  # what did not fit, e.g. "imports: 3 of 9 lines"

    @property
    def total_tokens(self) -> int:
        return sum(self.tokens.values())

    def related_blocks(self) -> tuple[str, ...]:
        """The non-code context as text blocks (for a prompt's "related code" part)."""
        blocks = [f"Scope: {self.scopes}"] if self.scopes else []
        blocks.extend(f"{s.title}:\n{s.text}" for s in self.sections)
        return tuple(blocks)

    def render(self) -> str:
        """For people: every piece the model gets, with the cursor marked."""
        header = (
            f"# {self.path}:{self.position.line + 1}:{self.position.character + 1}"
            f" ({self.language or 'plain text'}), {'multi-line' if self.multi_line else 'single line'}"
        )
        lines = [header, f"# tokens: {self.total_tokens} of {self.budget} (model: {self.model or 'default'})"]
        if self.redactions:
            lines.append(f"# secrets redacted: {self.redactions}")
        lines.extend(f"# cut: {item}" for item in self.dropped)
        lines.append(f"\n## Scope\n{self.scopes}")
        for section in self.sections:
            lines.append(f"\n## {section.title}\n{section.text}")
        lines.append(f"\n## Code\n{self.prefix}<CURSOR>{self.suffix}")
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (keys in a fixed order)."""
        return {
            "path": self.path,
            "language": self.language,
            "line": self.position.line,
            "character": self.position.character,
            "budget": self.budget,
            "model": self.model,
            "total_tokens": self.total_tokens,
            "tokens": dict(sorted(self.tokens.items())),
            "multi_line": self.multi_line,
            "indentation": self.indentation,
            "scopes": self.scopes,
            "sections": [{"title": s.title, "text": s.text} for s in self.sections],
            "prefix": self.prefix,
            "suffix": self.suffix,
            "redactions": self.redactions,
            "dropped": list(self.dropped),
        }

    def to_json_text(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, indent=2)


def render_scopes(scopes: Sequence[ScopeInfo]) -> str:
    """``module app.py > class Cart (lines 5-17) > method add (lines 10-12)`` (1-based lines)."""
    parts = []
    for scope in scopes:
        where = "" if scope.kind == "module" else f" (lines {scope.start_line + 1}-{scope.end_line + 1})"
        parts.append(f"{scope.kind} {scope.name}{where}")
    return " > ".join(parts)


class _Budget:
    """Counts redacted pieces against the budget; remembers what was cut."""

    def __init__(self, total: int, model: str | None) -> None:
        self.left = total
        self.model = model
        self.tokens: dict[str, int] = {}
        self.redactions = 0
        self.dropped: list[str] = []

    def redact(self, text: str) -> str:
        clean, count = redact_with_count(text)
        self.redactions += count
        return clean

    def redact_lines(self, lines: list[str]) -> list[str]:
        """Redact many lines in one pass (redaction keeps the line structure; lines seen before
        come from redact_region's cache)."""
        if not lines:
            return []
        text, count = redact_region("\n".join(lines))
        self.redactions += count
        clean = text.split("\n")
        return clean if len(clean) == len(lines) else [self.redact(line) for line in lines]

    def take_lines(self, name: str, lines: Sequence[str], cap: int) -> str:
        """Whole lines, in order, while they fit under min(cap, what is left)."""
        limit = min(cap, self.left)
        kept: list[str] = []
        used = 0
        for line in lines:
            cost = count_tokens(line + "\n", self.model)
            if used + cost > limit:
                break
            kept.append(line)
            used += cost
        if len(kept) < len(lines):
            self.dropped.append(f"{name}: {len(lines) - len(kept)} of {len(lines)} lines")
        text = "\n".join(kept)
        return self.charge(name, text)

    def take_text(self, name: str, text: str, cap: int, keep: str = "head") -> str:
        limit = min(cap, self.left)
        cut = truncate_to_tokens(text, limit, self.model, keep="tail" if keep == "tail" else "head")
        if len(cut) < len(text):
            self.dropped.append(f"{name}: cut to {limit} tokens")
        return self.charge(name, cut)

    def charge(self, name: str, text: str, cost: int | None = None) -> str:
        """Take `text` (whose count is `cost` when the caller knows it) from what is left."""
        if cost is None:
            cost = count_tokens(text, self.model)
        if cost > self.left:  # cannot happen with the cuts above; never exceed the budget anyway
            text, cost = "", 0
            self.dropped.append(f"{name}: did not fit")
        if text:
            self.tokens[name] = cost
            self.left -= cost
        return text


def _window_room(cursor: CursorContext, left: int, budget: int, model: str | None, extra: Sequence[Section]) -> int:
    """Tokens for the code windows: what is `left` once every other section took all it may take."""
    everything = (_import_lines(cursor, (0, -1)), _nearby_lines(cursor, (0, -1)), [s.text for s in extra])
    shares = (IMPORTS_SHARE, NEARBY_SHARE, EXTRA_SHARE)
    reserve = 0
    for lines, share in zip(everything, shares, strict=True):
        reserve += min(int(budget * share), count_lines(lines, model))
    return max(0, left - reserve)


def _import_lines(cursor: CursorContext, shown: tuple[int, int]) -> list[str]:
    lines: list[str] = []
    for start, text in cursor.imports:
        if not shown[0] <= start <= shown[1]:
            lines.extend(text.split("\n"))
    return lines


def _nearby_lines(cursor: CursorContext, shown: tuple[int, int]) -> list[str]:
    return [
        f"{tag.line + 1}: {tag.signature}" + (f"  (in {tag.scope})" if tag.scope else "")
        for tag in cursor.nearby
        if not shown[0] <= tag.line <= shown[1]
    ]


def pack_completion_context(
    doc: Document,
    position: Position | tuple[int, int],
    budget: int,
    model: str | None = None,
    extra: Sequence[Section] = (),
) -> PackedContext:
    """Assemble the completion context at `position` (LSP, 0-based UTF-16) under `budget` tokens.

    `extra` sections (e.g. a repo-map slice) are added in order while they fit their share.
    """
    cursor = cursor_context(doc, position)
    budget = max(0, budget)
    ledger = _Budget(budget, model)
    scopes = ledger.take_text("scopes", ledger.redact(render_scopes(cursor.scopes)), ledger.left)
    # The code windows first (so they are never squeezed out), sized to leave the other sections
    # all they may take; then the sections, minus what the windows already show.
    room = _window_room(cursor, ledger.left, budget, model, extra)
    suffix_tokens = int(room * SUFFIX_SHARE)
    windows = counted_code_windows(doc.text, cursor.offset, room - suffix_tokens, suffix_tokens, model)
    ledger.redactions += windows.masked
    suffix = ledger.charge("suffix", windows.suffix, windows.suffix_tokens)
    prefix = ledger.charge("prefix", windows.prefix, windows.prefix_tokens)
    line = cursor.position.line
    shown = (line - prefix.count("\n"), line + suffix.count("\n"))
    sections: list[Section] = []
    imports = ledger.redact_lines(_import_lines(cursor, shown))
    if text := ledger.take_lines("imports", imports, int(budget * IMPORTS_SHARE)):
        sections.append(Section("Imports in scope", text))
    nearby = ledger.redact_lines(_nearby_lines(cursor, shown))
    if text := ledger.take_lines("nearby", nearby, int(budget * NEARBY_SHARE)):
        sections.append(Section("Nearby definitions", text))
    extra_cap = int(budget * EXTRA_SHARE)
    for section in extra:
        before = ledger.left
        if text := ledger.take_text(section.title, ledger.redact(section.text), extra_cap):
            sections.append(Section(section.title, text))
        extra_cap -= before - ledger.left
    return PackedContext(
        path=doc.path,
        language=doc.language,
        position=cursor.position,
        budget=budget,
        model=model,
        scopes=scopes,
        sections=tuple(sections),
        prefix=prefix,
        suffix=suffix,
        multi_line=cursor.multi_line,
        indentation=cursor.indentation,
        tokens=dict(ledger.tokens),
        redactions=ledger.redactions,
        dropped=tuple(ledger.dropped),
    )
