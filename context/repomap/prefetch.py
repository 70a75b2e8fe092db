"""The render's definitions parsed ahead on the second core (:mod:`context.repomap.parse_helper`).

After a cold index most of the files a render shows have not been parsed. ``RenderPrefetch`` wraps
the ranked definitions the render walks: it looks ahead in them and queues, in rank order, each file
whose definitions are not at hand (and that is not an open buffer) on the parsing helper, keeping
AHEAD_FILES of them queued or in progress; the render then takes the helper's rows for a file it
answered, works on the next queued file while the helper is busy with the one it needs, and parses
anything else itself (see :meth:`DefinitionsHelper.take`)::

    prefetch = RenderPrefetch(helper, records, is_buffer, language_of, cache)
    text = render_definitions(prefetch.ranked(items), prefetch.definitions_of, budget, model)
    prefetch.finish()    # answers that came but were not used go to their records and the cache

The render's text does not depend on who parsed a file: the helper's rows are
:func:`context.source.symbols.extract_definitions` of the same bytes (checked by content digest).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping

from context.repomap.parse_helper import DefinitionsHelper
from context.repomap.records import FileRecord
from context.repomap.tagcache import TagCache, decode_rows
from context.source.symbols import Tag

log = logging.getLogger(__name__)

AHEAD_FILES = 3
MAX_PULLS = 400  # ranked items read ahead per item given to the render

Ranked = tuple[float, str, str]


class RenderPrefetch:
    """One render's look-ahead over a parsing helper (see the module docstring)."""

    def __init__(
        self,
        helper: DefinitionsHelper,
        records: Mapping[str, FileRecord],
        is_buffer: Callable[[str], bool],
        language_of: Callable[[str], str | None],
        cache: TagCache | None,
    ) -> None:
        self._helper = helper
        self._records = records
        self._is_buffer = is_buffer
        self._language_of = language_of
        self._cache = cache
        self._seen: set[str] = set()
        self._sent: dict[str, str] = {}  # path: the digest it was queued with
        self.from_helper = 0

    def ranked(self, items: Iterable[Ranked]) -> Iterator[Ranked]:
        """`items` unchanged, read ahead so that the helper has files to parse."""
        source = iter(items)
        ahead: deque[Ranked] = deque()
        exhausted = False
        while True:
            pulls = 0
            while not exhausted and pulls < MAX_PULLS and self._hungry():
                item = next(source, None)
                if item is None:
                    exhausted = True
                    break
                ahead.append(item)
                pulls += 1
                self._consider(item[1])
            if ahead:
                yield ahead.popleft()
            elif exhausted or (item := next(source, None)) is None:
                return
            else:
                self._consider(item[1])
                yield item

    def _hungry(self) -> bool:
        return self._helper.wants_more(AHEAD_FILES)

    def _consider(self, path: str) -> None:
        if path in self._seen:
            return
        self._seen.add(path)
        record = self._records.get(path)
        if record is None or record.has_definitions or self._is_buffer(path):
            return
        language = self._language_of(path)
        if language is not None:
            self._sent[path] = record.digest
            self._helper.enqueue([(path, language, record.digest)])

    def definitions_of(self, path: str, name: str) -> list[tuple[Tag, tuple[Tag, ...]]]:
        """What ``render_definitions`` asks: each definition of `name` in `path` with its chain."""
        record = self._records[path]
        if path in self._sent and not record.has_definitions:
            rows = self._helper.take(path, self._parse_here)
            if rows is not None:
                self._give(record, rows)
        return record.definitions_with_chain(name)

    def _parse_here(self, path: str) -> None:
        record = self._records.get(path)
        if record is not None:
            record.defs  # noqa: B018 - loads (parses) them

    def _give(self, record: FileRecord, rows: bytes) -> None:
        if record.has_definitions or self._sent.get(record.path) != record.digest:
            return
        try:
            tags = decode_rows(record.path, rows)
        except (ValueError, EOFError, TypeError) as exc:
            log.warning("repo map parsing helper: bad rows for %s (%s); parsing it here", record.path, exc)
            return
        record.give_definitions(tags)
        self.from_helper += 1
        if self._cache is not None:
            self._cache.put_definitions_many([(record.path, record.digest, rows)])

    def finish(self) -> None:
        """Queue nothing more; give the answers that came but were not used to their records."""
        self._helper.clear()
        for path, rows in sorted(self._helper.answered().items()):
            record = self._records.get(path)
            if record is not None:
                self._give(record, rows)
