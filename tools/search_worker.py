"""``python -m tools.search_worker``: one `search` in a child process, so that a pattern with
catastrophic backtracking can be stopped (a thread running ``re`` cannot be interrupted).

Each file is searched as the model may see it: redacted whole (:func:`context.safety.secrets.redact`,
so multi-line secrets such as a private key block or a triple-quoted password are masked as in
``read_file``, and a pattern cannot probe a secret's characters). Kept light (no pydantic, no tool
registry) so the process starts fast. Reads one JSON request
on stdin (pattern, flags, root, files, texts that override the disk, limit, max_bytes) and
writes ``{"found": [...], "total": n}`` on stdout.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

from context.safety.files import Skipped, read_text_file
from context.safety.secrets import redact

MAX_LINE_CHARS = 300
SKIP_LINES_LONGER_THAN = 5_000  # minified files: not useful to the model, slow for regexes


def search_files(
    root: Path,
    rels: list[str],
    regex: re.Pattern[str],
    text_of: Callable[[str], str | None],
    limit: int,
) -> tuple[list[str], int]:
    """Matches as 'path:line: text' (sorted by path, then line) and the total number found."""
    found: list[str] = []
    total = 0
    for rel in rels:
        text = text_of(rel)
        if text is None or not regex.search(text):
            continue
        for n, line in enumerate(text.splitlines(), start=1):
            if len(line) > SKIP_LINES_LONGER_THAN or not regex.search(line):
                continue
            total += 1
            if len(found) < limit:
                shown = line.strip()
                shown = shown[:MAX_LINE_CHARS] + ("..." if len(shown) > MAX_LINE_CHARS else "")
                found.append(f"{rel}:{n}: {shown}")
    return found, total


def main() -> int:
    request = json.load(sys.stdin)
    regex = re.compile(request["pattern"], int(request["flags"]))
    root = Path(request["root"])
    texts: dict[str, str | None] = request["texts"]
    max_bytes = int(request["max_bytes"])

    def text_of(rel: str) -> str | None:
        if rel in texts:
            text = texts[rel]
            return None if text is None else redact(text)
        read = read_text_file(root / rel, max_bytes=max_bytes)
        return None if isinstance(read, Skipped) else redact(read.text)

    found, total = search_files(root, list(request["files"]), regex, text_of, int(request["limit"]))
    json.dump({"found": found, "total": total}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
