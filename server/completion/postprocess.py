"""Turn raw model text into the suggestion the user sees (or nothing).

Pure functions over strings; the tree-sitter syntax check lives in ``syntax.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from server.completion.shape import Shape
from server.completion.stopping import StopRule

_FENCE = re.compile(r"^\s*```[\w+-]*[ \t]*\n")
_CLOSING_FENCE = re.compile(r"\n?```\s*$")


@dataclass(frozen=True, slots=True)
class Surroundings:
    """The document around the cursor, as the post-processor needs it."""

    line_prefix: str  # cursor line, before the cursor
    line_suffix: str  # cursor line, after the cursor (no line break)
    following_lines: tuple[str, ...]  # the next few lines after the cursor line
    shape: Shape
    base_indent: int  # indentation (columns) of the block the suggestion belongs to
    indent_unit: str = "    "  # the document's indentation: "\t" or some spaces
    eol: str = "\n"  # the document's line ending


def strip_fences(text: str) -> str:
    """Chat models wrap code in Markdown fences despite being told not to."""
    match = _FENCE.match(text)
    if not match:
        return text
    return _CLOSING_FENCE.sub("", text[match.end() :])


def convert_indentation(text: str, indent_unit: str) -> str:
    """Leading whitespace of every line after the first in the document's style (tabs or spaces)."""
    lines = text.split("\n")
    if indent_unit == "\t":
        lines[1:] = [_respace(line, "\t", 4) for line in lines[1:]]
    else:
        lines[1:] = [_respace(line, " " * len(indent_unit), 1) for line in lines[1:]]
    return "\n".join(lines)


def _respace(line: str, unit: str, spaces_per_tab_width: int) -> str:
    stripped = line.lstrip(" \t")
    leading = line[: len(line) - len(stripped)]
    if unit == "\t":
        if " " not in leading:
            return line
        width = len(leading.expandtabs(4))
        return "\t" * (width // 4) + " " * (width % 4) + stripped
    if "\t" not in leading:
        return line
    return leading.expandtabs(len(unit)) + stripped


def dedupe_line_suffix(text: str, line_suffix: str) -> str:
    """Drop the end of the suggestion that repeats what already follows the cursor on its line.

    ``print(|)`` with the model writing ``"hi")`` becomes ``"hi"``, so the line reads ``print("hi")``.
    """
    rest = line_suffix.rstrip()
    if not rest:
        return text
    if text.rstrip().endswith(rest):
        return text.rstrip()[: -len(rest)]
    for size in range(min(len(rest), len(text)), 0, -1):
        if text.endswith(rest[:size]):
            return text[:-size]
    return text


def dedupe_following_lines(text: str, following: tuple[str, ...]) -> str:
    """Cut a multi-line suggestion where it starts repeating the code below the cursor."""
    lines = text.split("\n")
    below = [line.strip() for line in following if line.strip()]
    if not below:
        return text
    for index in range(1, len(lines)):
        tail = [line.strip() for line in lines[index:] if line.strip()]
        if tail and tail == below[: len(tail)]:
            return "\n".join(lines[:index])
    return text


def visible_text(raw: str) -> str:
    """The part of a streamed answer that is code so far: an opening fence line is not, nor is a
    fence whose line has not ended yet."""
    stripped = raw.lstrip()
    if not stripped.startswith("`"):
        return raw
    newline = stripped.find("\n")
    if newline < 0:
        return ""
    return stripped[newline + 1 :] if stripped.startswith("```") else raw


def postprocess(raw: str, where: Surroundings) -> str | None:
    """The suggestion to show, or None when nothing useful is left."""
    text = strip_fences(raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = StopRule(where.shape, where.base_indent).trim(text)
    if where.shape == "multi_line":
        text = convert_indentation(text, where.indent_unit)
        text = dedupe_following_lines(text, where.following_lines)
    text = dedupe_line_suffix(text.rstrip(), where.line_suffix)
    if not where.line_prefix.strip() and "\n" not in text:
        text = _strip_repeated_indent(text, where.line_prefix)
    if not text.strip():
        return None
    return text.replace("\n", where.eol) if where.eol != "\n" else text


def _strip_repeated_indent(text: str, line_prefix: str) -> str:
    """A single line after the cursor's indentation must not add a second indentation."""
    if line_prefix and text.startswith(line_prefix):
        return text[len(line_prefix) :]
    return text
