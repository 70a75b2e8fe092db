"""Rendering ranked definitions as text under a hard token budget.

The map is a list of files, sorted by path; under each, the chosen definitions' signature lines in
file order, indented under the definitions that enclose them (a method under its class, whose line
is shown too, once). Everything is ASCII-framed plain text, for example::

    context/repomap/graph.py:
      class ReferenceGraph:
        def replace_file(self, path: str, defs: Counter[str], refs: Counter[str]) -> None:

Budget: every line ends with a newline and is counted once, when it is added; the map's cost is
the sum of its lines' costs. That is an upper bound of ``count_tokens`` of the whole map because
``count_tokens`` never splits a piece across a newline, rounds up per call (so a sum of counts is
at least the count of the sum) and caps at the byte length (also additive). The finished map is
counted once more as a safety net; if it were ever over, whole lines are dropped from the end.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from context.source.symbols import Tag
from context.tokens import count_tokens, truncate_to_tokens

log = logging.getLogger(__name__)

INDENT = "  "
MAX_MISSES = 50
FILL_SCAN = 1000  # ranked definitions looked at after the first miss


@dataclass
class _FileLines:
    header: str
    lines: dict[int, str] = field(default_factory=dict)


def enclosing_chain(defs: Sequence[Tag], position: int) -> list[Tag]:
    """The definitions enclosing ``defs[position]`` (``defs`` sorted by start), outermost first."""
    inner = defs[position]
    return [outer for outer in defs[:position] if _contains(outer, inner)]


def _contains(outer: Tag, inner: Tag) -> bool:
    end = outer.end_line if outer.end_line is not None else outer.line
    return outer.line < inner.line <= end or (outer.line == inner.line and outer.start_byte < inner.start_byte)


class MapBuilder:
    """Accumulates lines for the map while keeping a running, never-undercounted token cost."""

    def __init__(self, budget: int, model: str | None) -> None:
        self.budget = budget
        self.model = model
        self.cost = 0
        self._files: dict[str, _FileLines] = {}

    def has_file(self, path: str) -> bool:
        return path in self._files

    def _line_cost(self, text: str) -> int:
        return count_tokens(text + "\n", self.model)

    def try_add(self, path: str, chain: Sequence[Tag]) -> bool:
        """Add a definition with its enclosing chain (outermost first); False if it does not fit."""
        entry = self._files.get(path)
        new_lines: list[tuple[int, str]] = []
        extra = 0
        if entry is None:
            header = f"{path}:"
            extra += self._line_cost(header)
        for depth, tag in enumerate(chain):
            if entry is not None and tag.line in entry.lines:
                continue
            if any(line == tag.line for line, _ in new_lines):
                continue
            text = INDENT * (depth + 1) + (tag.signature or tag.name)
            new_lines.append((tag.line, text))
            extra += self._line_cost(text)
        if not new_lines:
            return True
        if self.cost + extra > self.budget:
            return False
        if entry is None:
            entry = self._files[path] = _FileLines(f"{path}:")
        for line, text in new_lines:
            entry.lines[line] = text
        self.cost += extra
        return True

    def text(self) -> str:
        parts: list[str] = []
        for path in sorted(self._files):
            entry = self._files[path]
            parts.append(entry.header + "\n")
            parts.extend(entry.lines[line] + "\n" for line in sorted(entry.lines))
        rendered = "".join(parts)
        if count_tokens(rendered, self.model) > self.budget:
            log.error("repo map over budget after summing line costs; trimming (please report)")
            rendered = truncate_to_tokens(rendered, self.budget, self.model)
        return rendered


def render_definitions(
    ranked: Iterable[tuple[float, str, str]],
    definitions_of: Callable[[str, str], Sequence[tuple[Tag, Sequence[Tag]]]],
    budget: int,
    model: str | None = None,
) -> str:
    """Fill the budget greedily from `ranked` (score, path, name), best first.

    `definitions_of(path, name)` gives each definition of `name` in `path` with its enclosing chain
    (outermost first, the definition last). A definition that does not fit is skipped and smaller
    ones after it may still fit; the scan stops after MAX_MISSES misses in a row. After the first
    miss only files already in the map are considered (a new file's header and signature rarely fit
    what is left, and `definitions_of` may have to parse the file to say so), among the next
    FILL_SCAN definitions at most: the rest of a large repository's definitions are mostly in other
    files (on sqlalchemy every map ends within 400 definitions anyway; a 20,000-file workspace
    walked all 65,000).
    """
    if budget <= 0:
        return ""
    builder = MapBuilder(budget, model)
    misses = 0
    missed = False
    scan = FILL_SCAN
    for _, path, name in ranked:
        if missed:
            scan -= 1
            if scan < 0:
                break
            if not builder.has_file(path):
                continue
        for _, chain in definitions_of(path, name):
            if builder.try_add(path, chain):
                misses = 0
            else:
                misses += 1
                missed = True
        if misses > MAX_MISSES:
            break
    return builder.text()
