"""Definitions as the model sees them: a whole signature on one line, with its docstring's first line.

:func:`signature_of` joins a definition's header lines (a Python ``def`` whose parameters span
lines, up to MAX_HEADER_LINES) into one line, whitespace collapsed, at most MAX_SIGNATURE_CHARS;
:func:`doc_line_of` gives the first line of its docstring (Python) or of the comment just above
it (other languages), at most MAX_DOC_CHARS. :func:`outline_lines` renders found definitions
grouped by file and class, as the repository map does::

    src/pkg/app.py:
      class App(Base):
        def run(self, port: int = 0) -> None:  # Start serving.
"""

from __future__ import annotations

import re

from context.source.symbols import Tag

MAX_HEADER_LINES = 8
MAX_SIGNATURE_CHARS = 240
MAX_DOC_CHARS = 100
INDENT = "  "
_SPACES = re.compile(r"\s+")
_OPENERS = ("def ", "async def ", "class ")


def signature_of(tag: Tag, lines: list[str]) -> str:
    """The definition's header as one line (Tag.signature when the file's lines are not at hand)."""
    if not (0 <= tag.line < len(lines)) or not lines[tag.line].strip().startswith(_OPENERS):
        return tag.signature
    parts: list[str] = []
    depth = 0
    for line in lines[tag.line : tag.line + MAX_HEADER_LINES]:
        code = line.split("#", 1)[0] if "#" in line and "'" not in line and '"' not in line else line
        parts.append(code.strip())
        depth += code.count("(") + code.count("[") - code.count(")") - code.count("]")
        if depth <= 0 and code.rstrip().endswith(":"):
            break
    else:
        return tag.signature
    text = _SPACES.sub(" ", " ".join(parts)).replace("( ", "(").replace(" )", ")").replace(", )", ")")
    return text if len(text) <= MAX_SIGNATURE_CHARS else text[: MAX_SIGNATURE_CHARS - 1] + "…"


def _header_end(tag: Tag, lines: list[str]) -> int:
    depth = 0
    for number in range(tag.line, min(len(lines), tag.line + MAX_HEADER_LINES)):
        code = lines[number]
        depth += code.count("(") + code.count("[") - code.count(")") - code.count("]")
        if depth <= 0 and code.rstrip().endswith(":"):
            return number
    return tag.line


def doc_line_of(tag: Tag, lines: list[str]) -> str:
    """The docstring's (or leading comment's) first line, trimmed; '' when there is none."""
    if not (0 <= tag.line < len(lines)):
        return ""
    text = ""
    if lines[tag.line].strip().startswith(_OPENERS):
        after = _header_end(tag, lines) + 1
        if after < len(lines):
            stripped = lines[after].strip()
            for quote in ('"""', "'''", '"', "'"):
                if stripped.startswith(quote) or stripped[1:].startswith(quote):
                    text = stripped[stripped.find(quote) + len(quote) :].split(quote)[0]
                    break
    else:
        above = lines[tag.line - 1].strip() if tag.line > 0 else ""
        if above.startswith(("//", "/*", "*", "#")) and not above.startswith("#["):
            text = above.lstrip("/*# ").rstrip("*/ ")
    text = _SPACES.sub(" ", text).strip()
    return text if len(text) <= MAX_DOC_CHARS else text[: MAX_DOC_CHARS - 1] + "…"


def definition_line(tag: Tag, lines: list[str], *, with_doc: bool) -> str:
    """One definition as one line: the signature, and ``  # doc`` when asked and there is one."""
    signature = signature_of(tag, lines)
    doc = doc_line_of(tag, lines) if with_doc else ""
    return f"{signature}  # {doc}" if doc else signature


def class_line(owner: Tag | None, lines: list[str]) -> str:
    """The header line shown above a method: its class's signature."""
    return signature_of(owner, lines) if owner is not None else ""
