"""Recent edits given as a unified diff (``outrider next-edit --edits DIFF_FILE``, benchmarks, tests).

:func:`parse_hunks` reads the hunks of a unified diff (file headers and anything else outside
hunks are skipped); :func:`text_before` undoes them on the current text, so the edit history can
be replayed forward hunk by hunk (:func:`replay_into`) exactly as an editor's changes would feed it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from server.nextedit.history import EditHistory

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@")


class DiffError(ValueError):
    """The diff does not apply to the text."""


@dataclass(frozen=True, slots=True)
class Hunk:
    old: str  # the hunk's lines before the edit (context and removed)
    new: str  # after it (context and added)


def parse_hunks(diff: str) -> list[Hunk]:
    hunks: list[Hunk] = []
    old: list[str] | None = None
    new: list[str] = []
    for line in diff.splitlines():
        if _HUNK.match(line):
            if old is not None:
                hunks.append(Hunk("".join(old), "".join(new)))
            old, new = [], []
        elif old is None or line.startswith(("--- ", "+++ ", "diff ", "index ")):
            continue
        elif line.startswith("\\"):
            continue  # "\ No newline at end of file"
        elif line.startswith("-"):
            old.append(line[1:] + "\n")
        elif line.startswith("+"):
            new.append(line[1:] + "\n")
        else:
            body = line[1:] if line.startswith(" ") else line
            old.append(body + "\n")
            new.append(body + "\n")
    if old is not None:
        hunks.append(Hunk("".join(old), "".join(new)))
    return hunks


def _replace_once(text: str, find: str, replace: str, what: str) -> str:
    at = text.find(find) if find else -1
    if at < 0 and find.endswith("\n") and text.endswith(find[:-1]):
        find, replace, at = find[:-1], replace.removesuffix("\n"), len(text) - len(find) + 1
    if at < 0:
        raise DiffError(f"{what} does not match the file")
    return text[:at] + replace + text[at + len(find) :]


def text_before(text: str, hunks: list[Hunk]) -> str:
    """`text` with the hunks undone, last first."""
    for number, hunk in reversed(list(enumerate(hunks, 1))):
        text = _replace_once(text, hunk.new, hunk.old, f"hunk {number}")
    return text


def replay_into(
    history: EditHistory, key: str, path: str, text: str, diff: str, tick: Callable[[], None] | None = None
) -> None:
    """Open `key` in `history` at the text before the diff and apply its hunks one by one (`tick`
    runs between them: a clock that moves past the coalescing window keeps them apart)."""
    hunks = parse_hunks(diff)
    current = text_before(text, hunks)
    history.open(key, path, current)
    for hunk in hunks:
        if tick is not None:
            tick()
        current = _replace_once(current, hunk.old, hunk.new, "hunk")
        history.change(key, current)
    if current != text:
        raise DiffError("the diff does not lead to the file's current text")
