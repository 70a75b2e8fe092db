"""The names around a cursor and how close each is, for cursor-aware retrieval.

:func:`names_near` reads the lines around the cursor (NAMES_BEFORE above, NAMES_AFTER below) and
returns, for every identifier and every ``receiver.attribute`` pair, a weight in (0, 1]: 1 on the
cursor line, falling with the distance in lines (lines after the cursor count a little less: the
user has not reached them). Comments and string literals are skipped on a best-effort basis (the
line's text after a ``#`` or ``//`` outside quotes; quoted runs on one line). Pure and deterministic.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

from context.source.document import Document

NAMES_BEFORE = 40
NAMES_AFTER = 12
HALF_DISTANCE = 6.0  # lines: a name this far from the cursor weighs half as much
AFTER_FACTOR = 0.7
_CHAIN = re.compile(r"[A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*")
_STRING = re.compile(r""""(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`[^`\n]*`""")
_COMMENT = re.compile(r"(?:#|//).*$")
_SKIP = frozenset(keyword.kwlist) | frozenset(
    {"self", "cls", "this", "super", "true", "false", "null", "nil", "var", "let", "const", "func", "fn", "mut"}
    | {"function", "return", "new", "package", "import", "export", "public", "private", "static", "void"}
)


@dataclass(frozen=True, slots=True)
class NearNames:
    """Identifiers (`names`) and ``receiver.attribute`` pairs (`attributes`) with their weights;
    `calls`: the names called (followed by an opening parenthesis) or capitalised (a class)."""

    names: dict[str, float]
    attributes: dict[tuple[str, str], float]
    calls: frozenset[str]


def _weight(distance: int, after: bool) -> float:
    return (AFTER_FACTOR if after else 1.0) / (1.0 + distance / HALF_DISTANCE)


def _code_of(line: str) -> str:
    return _COMMENT.sub("", _STRING.sub('""', line))


def names_near(doc: Document, line: int) -> NearNames:
    """Weighted names on the lines around `line` (0-based); see the module docstring."""
    names: dict[str, float] = {}
    attributes: dict[tuple[str, str], float] = {}
    calls: set[str] = set()
    first, last = max(0, line - NAMES_BEFORE), min(doc.line_count - 1, line + NAMES_AFTER)
    for number in range(first, last + 1):
        weight = _weight(abs(number - line), number > line)
        code = _code_of(doc.line_text(number))
        for match in _CHAIN.finditer(code):
            parts = [part.strip() for part in match.group(0).split(".")]
            if code[match.end() : match.end() + 1] == "(" or parts[-1][:1].isupper():
                calls.add(parts[-1])
            for index, part in enumerate(parts):
                # `self.x`: `self` is no name of its own; the pair below keeps it as a receiver
                if part not in _SKIP and not part[0].isdigit() and weight > names.get(part, 0.0):
                    names[part] = weight
                if index > 0:
                    pair = (parts[index - 1], part)
                    if weight > attributes.get(pair, 0.0):
                        attributes[pair] = weight
    return NearNames(names, attributes, frozenset(calls))
