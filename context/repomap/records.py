"""One indexed file of the repo map: lexical name counts (always) and tree-sitter tags (on demand).

A :class:`FileRecord` is created from the file's lexical names (:mod:`context.repomap.lexical`), which are
all that ranking needs. Its tags are loaded on first use of :attr:`FileRecord.tags` by the loader
the repo map gives it (tag cache, else a parse of the current bytes), or filled in ahead of time by
the background parse (:meth:`FileRecord.fill`). Its definitions alone (:attr:`FileRecord.defs`,
what rendering and ``definitions()`` need) come from the tags when they are loaded, else from a
second, cheaper loader (a definitions-only query: about half the cost of all tags). Loading is
thread-safe and happens once per record; records are replaced, never mutated otherwise, when a file
changes.

:class:`TagLoader` is what loads them (tag cache, else a parse), and fills batches for phase 2.
:func:`read_source` is how the map reads a file from disk (size, binary and minified checks).
:class:`IndexReport` is what one index run reports.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from context.repomap.lex_helper import read_checked
from context.repomap.outline import enclosing_chain
from context.repomap.tagcache import TagCache, content_digest, decode_rows, encode_rows
from context.source.languages import language_for_path
from context.source.parserpool import ParserPool, extract_packed
from context.source.symbols import Tag, extract_definitions

log = logging.getLogger(__name__)


PARSE_BATCH_FILES = 64
PARSE_NICENESS = 10  # phase 2 yields to the editor's work

Progress = Callable[[int, int], None]
RowsLoader = Callable[["FileRecord"], bytes]
"""Packed tag rows (:func:`context.repomap.tagcache.encode_rows`) of a record's content."""
DefinitionsLoader = Callable[["FileRecord"], list[Tag]]
"""A record's definitions alone (what its tags' definitions would be), loaded more cheaply."""


@dataclass(frozen=True)
class IndexReport:
    """What one ``index`` run did (``parsed``: files lexed, ``from_cache``: lexical names from the cache)."""

    total: int
    parsed: int
    from_cache: int
    unchanged: int
    removed: int
    skipped: int
    complete: bool

    @classmethod
    def of(cls, total: int, counts: Mapping[str, int], gone: Sequence[str], *, complete: bool) -> IndexReport:
        """From the run's counters (``parsed``, ``cached``, ``unchanged``, ``skipped``) and removed paths."""
        parsed, cached, unchanged, skipped = (counts.get(k, 0) for k in ("parsed", "cached", "unchanged", "skipped"))
        return cls(total, parsed, cached, unchanged, len(gone), skipped, complete)


class FileRecord:
    """One file as indexed: its lexical name counts (enough to rank) and its tags, loaded on first use."""

    __slots__ = (
        "_defs",
        "_load",
        "_load_defs",
        "_lock",
        "_rows",
        "_tags",
        "def_counts",
        "digest",
        "path",
        "ref_counts",
    )

    def __init__(
        self,
        path: str,
        digest: str,
        def_counts: dict[str, int],
        ref_counts: dict[str, int],
        load: RowsLoader,
        load_defs: DefinitionsLoader,
    ) -> None:
        self.path = path
        self.digest = digest
        self.def_counts = def_counts
        self.ref_counts = ref_counts
        self._load = load
        self._load_defs = load_defs
        self._lock = threading.Lock()
        self._rows: bytes | None = None
        self._tags: list[Tag] | None = None
        self._defs: list[Tag] | None = None

    @property
    def parsed(self) -> bool:
        """Whether the tags are at hand (no parse or cache read needed to use them)."""
        return self._rows is not None

    @property
    def rows(self) -> bytes:
        """The packed tag rows (loaded on first use)."""
        rows = self._rows
        if rows is None:
            with self._lock:
                if self._rows is None:
                    self._rows = self._load(self)
                rows = self._rows
        return rows

    def fill(self, rows: bytes) -> None:
        """Give the record its tag rows ahead of use (the background parse); no-op when it has them."""
        with self._lock:
            if self._rows is None:
                self._rows = rows

    @property
    def tags(self) -> list[Tag]:
        """All tags, sorted by position (decoded once)."""
        if self._tags is None:
            self._tags = decode_rows(self.path, self.rows)
        return self._tags

    @property
    def has_definitions(self) -> bool:
        """Whether the definitions are at hand (rendering or a lookup loaded them, or all tags)."""
        return self._defs is not None or self._rows is not None

    @property
    def defs(self) -> list[Tag]:
        """The definitions among the tags: from the tags when they are loaded, else by the cheaper
        definitions loader (the same list either way; computing it twice is harmless)."""
        if self._defs is None:
            if self._rows is not None:
                self._defs = [tag for tag in self.tags if tag.role == "def"]
            else:
                self._defs = self._load_defs(self)
        return self._defs

    def give_definitions(self, defs: list[Tag]) -> None:
        """Set the definitions ahead of use (parsed elsewhere: the render's parsing helper); no-op
        when they are at hand already."""
        if self._defs is None and self._rows is None:
            self._defs = defs

    def definitions_with_chain(self, name: str) -> list[tuple[Tag, tuple[Tag, ...]]]:
        """Each definition of `name` with its enclosing definitions (outermost first, itself last)."""
        defs = self.defs
        found: list[tuple[Tag, tuple[Tag, ...]]] = []
        for i, tag in enumerate(defs):
            if tag.name == name:
                found.append((tag, (*enclosing_chain(defs, i), tag)))
        return found


class TagLoader:
    """Loads records' tags and definitions: from the tag cache, else by parsing the file's current
    bytes (the open buffer's text when there is one, else the disk), then caches them. ``parses``
    counts the parses (both kinds). Safe to call from several threads."""

    def __init__(self, root: Path, cache: TagCache | None, buffer_text: Callable[[str], str | None]) -> None:
        self._root = root
        self._cache = cache
        self._buffer_text = buffer_text
        self.parses = 0

    def current_bytes(self, rel_path: str) -> bytes | None:
        text = self._buffer_text(rel_path)
        if text is not None:
            return text.encode("utf-8", errors="surrogatepass")
        return read_source(self._root / rel_path)

    def load_defs(self, record: FileRecord) -> list[Tag]:
        """A record's definitions: from cached tags or cached definitions, else a definitions-only
        parse of the file's current bytes (then cached)."""
        cache = self._cache
        if cache is not None:
            hit = cache.get_many({record.path: record.digest}).get(record.path)
            if hit is not None:
                return [tag for tag in decode_rows(record.path, hit.rows) if tag.role == "def"]
            rows = cache.get_definitions_many({record.path: record.digest}).get(record.path)
            if rows is not None:
                return decode_rows(record.path, rows)
        data = self.current_bytes(record.path)
        language = language_for_path(record.path)
        if data is None or language is None:
            return []
        try:
            defs = extract_definitions(data, language, record.path)
        except Exception:
            log.exception("definition extraction failed for %s; rendering it without definitions", record.path)
            return []
        self.parses += 1
        if cache is not None:
            cache.put_definitions_many([(record.path, content_digest(data), encode_rows(defs))])
        return defs

    def load_rows(self, record: FileRecord) -> bytes:
        """A record's packed tags: from the tag cache, else a parse of the file's current bytes."""
        if self._cache is not None:
            hit = self._cache.get_many({record.path: record.digest}).get(record.path)
            if hit is not None:
                return hit.rows
        data = self.current_bytes(record.path)
        if data is None:
            return extract_packed(record.path, b"").rows
        digest = content_digest(data)
        if digest != record.digest:  # changed since it was indexed: the next index/update replaces it
            log.debug("repo map: %s changed since indexing; tags are of the current bytes", record.path)
        packed = extract_packed(record.path, data)
        self.parses += 1
        if self._cache is not None:
            self._cache.put_many([(record.path, digest, packed)])
        return packed.rows

    def fill_all(
        self, pending: list[FileRecord], workers: int, stopped: Callable[[], bool], progress: Progress | None
    ) -> int:
        """Phase 2: :meth:`fill` PARSE_BATCH_FILES records at a time over `workers` processes at
        PARSE_NICENESS (one: in this thread) until done or `stopped()`; returns how many got tags.
        Per batch: tags from the cache where the digest matches, the rest parsed from the bytes read
        now; a file whose bytes no longer match its record is left to load on demand (its record is
        about to be replaced)."""
        filled = 0
        total = len(pending)
        with ParserPool(workers, nice=PARSE_NICENESS) as pool:
            for start in range(0, total, PARSE_BATCH_FILES):
                if stopped():
                    break
                filled += self.fill(pending[start : start + PARSE_BATCH_FILES], pool)
                if progress is not None:
                    progress(min(start + PARSE_BATCH_FILES, total), total)
        return filled

    def fill(self, batch: list[FileRecord], pool: ParserPool) -> int:
        """Give each record of `batch` its tags (phase 2): cached rows where the digest matches, the
        rest parsed in `pool` from the bytes read now (a file whose bytes no longer match its record
        is left to load on demand); returns how many records of the batch have their tags."""
        cached = self._cache.get_many({r.path: r.digest for r in batch}) if self._cache is not None else {}
        for record in batch:
            if record.path in cached:
                record.fill(cached[record.path].rows)
        misses: list[tuple[FileRecord, bytes]] = []
        for record in batch:
            if record.parsed:
                continue
            data = self.current_bytes(record.path)
            if data is not None and content_digest(data) == record.digest:
                misses.append((record, data))
        extracted = pool.extract([(record.path, data) for record, data in misses])
        self.parses += len(misses)
        if self._cache is not None:
            self._cache.put_many(
                (record.path, record.digest, packed) for (record, _), packed in zip(misses, extracted, strict=True)
            )
        for (record, _), packed in zip(misses, extracted, strict=True):
            record.fill(packed.rows)
        return sum(1 for record in batch if record.parsed)


def read_source(path: Path | str) -> bytes | None:
    """The file's bytes, or None (with a log line) when it is too large, binary, minified or unreadable
    (the rules: :func:`context.repomap.lex_helper.read_checked`, shared with the lexing helper)."""
    data, problem = read_checked(str(path))
    if data is None:
        log.info("repo map skips %s: %s", path, problem)
    return data
