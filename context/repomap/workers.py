"""The repo map's helper processes on a cold index: lexing (:mod:`context.repomap.lex_helper`) and the first
render's parsing (:mod:`context.repomap.parse_helper`), started, given their share and stopped here.

    workers = MapWorkers(root, language_of)
    job = workers.start_lexing()               # as early as possible (None: lex everything here)
    offloaded = workers.submit_lexing(job, fresh)   # its share of the files no cache answers
    workers.start_parsing(paths)               # when lexing ends (before, it would slow the lexing down)
    helper = workers.parsing                   # for the render (None once stopped or failed)
    workers.stop()                             # next index, background parse, or the caller

The parsing helper lives at most PARSING_LIFETIME_S: it serves the renders that follow a cold index
(in the LSP server, the first completions while the background parse runs; that parse stops it when
every file has its tags, and renders need no parsing any more).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from context.repomap.lex_helper import LexJob, helper_share
from context.repomap.parse_helper import DefinitionsHelper

LEX_HELPER_SHARE = 0.65  # of the bytes: over half (this process also lists and installs); it takes back the rest
PARSING_LIFETIME_S = 10.0


class MapWorkers:
    """One repo map's helper processes (thread-safe)."""

    def __init__(self, root: Path, language_of: Callable[[str], str | None]) -> None:
        self._root = str(root)
        self._language_of = language_of
        self._lock = threading.Lock()
        self._parsing: DefinitionsHelper | None = None

    def start_lexing(self) -> LexJob | None:
        """Start a lexing helper (it waits for its files); None, logged, if it cannot start."""
        return LexJob.start(self._root)

    def submit_lexing(self, job: LexJob, fresh: list[str]) -> set[str]:
        """Send `job` its share of `fresh` (deterministic, by bytes); returns that share."""
        share = helper_share(self._root, fresh, LEX_HELPER_SHARE)
        job.submit([(path, self._language_of(path) or "") for path in share])
        return set(share)

    def start_parsing(self, paths: list[str]) -> None:
        """Start the parsing helper, warming the languages of `paths` (most files first); it replaces
        any running one and stops after PARSING_LIFETIME_S."""
        languages = Counter(language for path in paths if (language := self._language_of(path)) is not None)
        warm = sorted(languages, key=lambda language: (-languages[language], language))
        helper = DefinitionsHelper.start(self._root, warm)
        if helper is None:
            return
        self.stop()
        with self._lock:
            self._parsing = helper
        timer = threading.Timer(PARSING_LIFETIME_S, self._retire, args=(helper,))
        timer.daemon = True
        timer.start()

    @property
    def parsing(self) -> DefinitionsHelper | None:
        """The parsing helper while it can answer, else None."""
        with self._lock:
            helper = self._parsing
        return helper if helper is not None and helper.usable else None

    def _retire(self, helper: DefinitionsHelper) -> None:
        with self._lock:
            if self._parsing is helper:
                self._parsing = None
        helper.close()

    def stop(self) -> None:
        """Stop the parsing helper if it is running (lexing jobs belong to their index run)."""
        with self._lock:
            helper, self._parsing = self._parsing, None
        if helper is not None:
            helper.close()
