"""``python -m tools.search_worker``: one `search` in a child process, so that a pattern with
catastrophic backtracking can be stopped (a thread running ``re`` cannot be interrupted).

Reads one JSON request on stdin (pattern, flags, root, files, texts that override the disk, limit,
max_bytes) and writes ``{"found": [...], "total": n}`` on stdout.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from context.files import Skipped, read_text_file
from tools.search import search_files


def main() -> int:
    request = json.load(sys.stdin)
    regex = re.compile(request["pattern"], int(request["flags"]))
    root = Path(request["root"])
    texts: dict[str, str | None] = request["texts"]
    max_bytes = int(request["max_bytes"])

    def text_of(rel: str) -> str | None:
        if rel in texts:
            return texts[rel]
        read = read_text_file(root / rel, max_bytes=max_bytes)
        return None if isinstance(read, Skipped) else read.text

    found, total = search_files(root, list(request["files"]), regex, text_of, int(request["limit"]))
    json.dump({"found": found, "total": total}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
