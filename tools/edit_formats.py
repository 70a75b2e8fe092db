"""Edit formats: pure functions that turn what the model wrote into new file text.

Two strategies, each a pure apply with no I/O, tested directly (the model sends them as JSON
tool arguments, validated by pydantic):

* search/replace blocks (aider style): each block names text that must occur exactly once in the
  current file and what replaces it. Matching is exact first, then tolerant of trailing whitespace,
  then of indentation (the replacement is re-indented by the same amount). A block that does not
  match gives an error that shows the closest lines, so the model can retry.
* whole file: the complete new text (for new files or rewrites).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SearchReplace:
    search: str
    replace: str


@dataclass(frozen=True, slots=True)
class EditError:
    """Why an edit cannot be applied, written for the model to act on."""

    message: str


def apply_search_replace(text: str, blocks: Sequence[SearchReplace]) -> str | EditError:
    """Apply blocks in order, each to the result of the previous ones."""
    for n, block in enumerate(blocks, start=1):
        result = apply_one(text, block)
        if isinstance(result, EditError):
            prefix = f"edit {n} of {len(blocks)}: " if len(blocks) > 1 else ""
            return EditError(prefix + result.message)
        text = result
    return text


def apply_one(text: str, block: SearchReplace) -> str | EditError:
    if block.search == "":
        if text.strip() == "":
            return block.replace
        return EditError("the search text is empty; give the exact lines to replace (or use new_content)")
    newline = "\r\n" if "\r\n" in text else "\n"
    search = _with_newline(block.search, newline)
    replace = _with_newline(block.replace, newline)
    count = text.count(search)
    if count == 1:
        return text.replace(search, replace, 1)
    if count > 1:
        return EditError(
            f"the search text occurs {count} times; add surrounding lines so that it matches exactly one place"
        )
    return _apply_tolerant(text, search, replace)


def _with_newline(fragment: str, newline: str) -> str:
    return fragment.replace("\r\n", "\n").replace("\n", newline)


def _apply_tolerant(text: str, search: str, replace: str) -> str | EditError:
    lines = text.splitlines(keepends=True)
    want = search.splitlines()
    while want and not want[-1].strip():
        want.pop()
    if not want:
        return EditError("the search text is only whitespace; give the exact lines to replace")
    normalisers: tuple[Callable[[str], str], ...] = (str.rstrip, str.strip)
    for normalise in normalisers:
        starts = _line_matches(lines, want, normalise)
        if len(starts) > 1:
            return EditError(
                f"the search text matches {len(starts)} places (ignoring whitespace); add surrounding lines"
            )
        if starts:
            start = starts[0]
            found = lines[start : start + len(want)]
            new_lines = _reindent(replace, want, found)
            return "".join(lines[:start]) + new_lines + "".join(lines[start + len(want) :])
    return EditError(_no_match_message(lines, want))


def _line_matches(lines: Sequence[str], want: Sequence[str], normalise: Callable[[str], str]) -> list[int]:
    target = [normalise(w) for w in want]
    have = [normalise(line.rstrip("\r\n")) for line in lines]
    first = target[0]
    return [i for i in range(len(have) - len(target) + 1) if have[i] == first and have[i : i + len(target)] == target]


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _reindent(replace: str, want: Sequence[str], found: Sequence[str]) -> str:
    """Shift the replacement by the indentation difference between what was asked and what is there."""
    newline = "\r\n" if found and found[0].endswith("\r\n") else "\n"
    ref_want = next((w for w in want if w.strip()), "")
    ref_found = next((f for f in found if f.strip()), "")
    have_indent, want_indent = _indent(ref_found.rstrip("\r\n")), _indent(ref_want)
    out: list[str] = []
    for line in replace.splitlines():
        if line.strip() and line.startswith(want_indent):
            line = have_indent + line[len(want_indent) :]
        elif line.strip() and not want_indent:
            line = have_indent + line
        out.append(line.rstrip() if not line.strip() else line)
    ending = newline if (found and found[-1].endswith(("\n", "\r"))) or replace.endswith("\n") else ""
    return newline.join(out) + (ending if out else "")


def _no_match_message(lines: Sequence[str], want: Sequence[str]) -> str:
    best_ratio, best_start = 0.0, -1
    plain = [line.rstrip("\r\n") for line in lines]
    window = len(want)
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2("\n".join(want))
    for i in range(max(1, len(plain) - window + 1)):
        matcher.set_seq1("\n".join(plain[i : i + window]))
        if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
            continue
        ratio = matcher.ratio()
        if ratio > best_ratio:
            best_ratio, best_start = ratio, i
    message = "the search text was not found in the current file (search must match existing lines exactly)"
    if best_start >= 0 and best_ratio >= 0.5:
        snippet = "\n".join(plain[best_start : best_start + window])
        message += (
            f"; the closest lines ({best_start + 1}-{best_start + window}) are:\n{snippet}\n"
            "Copy them exactly into the search text."
        )
    else:
        message += "; read the file again and copy the lines exactly"
    return message
