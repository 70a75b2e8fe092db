"""A persistent cache of each file's tags and lexical names, in SQLite, keyed by workspace, path and content hash.

The repo map parses a file only when its bytes changed since the last time it was seen: a row holds
``(root, path) -> (digest, tags)`` and a lookup hits only when the stored digest equals the digest
of the bytes just read (a content change that keeps the mtime is still seen). The cache also
remembers a fingerprint of the extractor (the tag queries and ``symbols.py``): when that changes,
every row is stale and the table is emptied.

Usage::

    cache = TagCache(cache_dir / "tags.sqlite", root)
    hits = cache.get_many({"a.py": digest_a, "b.py": digest_b})   # path -> tags, hits only
    cache.put_many([(path, digest, tags), ...])
    cache.close()

A ``defs`` table holds definition-only rows (what rendering parses a file for before the full tags
exist; same fingerprint as the tags). Another table holds each file's lexical name counts
(:func:`context.repomap.lexical.lexical_names`, the ranking inputs), with its own fingerprint
(``lexical.py``): ``get_lexical_many`` / ``put_lexical_many``.

Rows store tags as compact tuples (``marshal``; the format version is part of the fingerprint) and
come back as :class:`CachedTags` (name counts, plus rows decoded into :class:`context.source.symbols.Tag` on
demand). Safe to use from several threads (one connection, a
lock). A corrupt or unreadable database is logged and replaced, never fatal: the map is then built
without a cache.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from context.repomap.lex_helper import content_digest as content_digest  # re-exported: the cache key
from context.source.symbols import QUERY_DIR, Tag

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
_Entry = TypeVar("_Entry")
_LABELS = {"tags": "tag", "lexical": "lexical", "defs": "definitions"}
_BATCH = 500


def extractor_fingerprint() -> str:
    """Changes whenever tags could come out differently: the queries, symbols.py, this format."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"schema={SCHEMA_VERSION};marshal={marshal.version}".encode())
    sources = [*sorted(QUERY_DIR.glob("*.scm")), QUERY_DIR.parent / "symbols.py", QUERY_DIR.parent / "scopes.py"]
    for path in sources:
        digest.update(path.name.encode())
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"missing")
    return digest.hexdigest()


def lexical_fingerprint() -> str:
    """Changes whenever lexical names could come out differently: lexical.py, this format."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"schema={SCHEMA_VERSION};marshal={marshal.version}".encode())
    try:
        digest.update((QUERY_DIR.parent / "lexical.py").read_bytes())
    except OSError:
        digest.update(b"missing")
    return digest.hexdigest()


LexicalNames = tuple[dict[str, int], dict[str, int]]


def encode_rows(tags: Iterable[Tag]) -> bytes:
    """Tags (all of one path) as compact bytes; the path itself is not stored."""
    rows = tuple(
        (t.name, t.role, t.kind, t.line, t.start_byte, t.end_byte, t.signature, t.scope, t.end_line) for t in tags
    )
    return marshal.dumps(rows)


def decode_rows(path: str, rows_blob: bytes) -> list[Tag]:
    """The inverse of :func:`encode_rows`; ValueError/EOFError/TypeError on damaged bytes."""
    rows: Any = marshal.loads(rows_blob)
    return [Tag(path, *row) for row in rows]


@dataclass(frozen=True)
class CachedTags:
    """One file's cached tags: name counts (enough to rank) and the rows, decoded only on demand."""

    def_counts: dict[str, int]
    ref_counts: dict[str, int]
    rows: bytes


def name_counts(tags: Iterable[Tag]) -> tuple[dict[str, int], dict[str, int]]:
    """How often each name is defined and referenced."""
    defs: dict[str, int] = {}
    refs: dict[str, int] = {}
    for tag in tags:
        table = defs if tag.role == "def" else refs
        table[tag.name] = table.get(tag.name, 0) + 1
    return defs, refs


def pack(tags: list[Tag]) -> CachedTags:
    defs, refs = name_counts(tags)
    return CachedTags(defs, refs, encode_rows(tags))


def _encode_entry(entry: CachedTags) -> bytes:
    return marshal.dumps((entry.def_counts, entry.ref_counts, entry.rows))


def _decode_bytes(blob: bytes) -> bytes:
    rows = marshal.loads(blob)
    if not isinstance(rows, bytes):
        raise ValueError("unexpected definitions cache row layout")
    return rows


def _decode_lexical(blob: bytes) -> LexicalNames:
    defs, refs = marshal.loads(blob)
    if not isinstance(defs, dict) or not isinstance(refs, dict):
        raise ValueError("unexpected lexical cache row layout")
    return defs, refs


def _decode_entry(blob: bytes) -> CachedTags:
    defs, refs, rows = marshal.loads(blob)
    if not isinstance(defs, dict) or not isinstance(refs, dict) or not isinstance(rows, bytes):
        raise ValueError("unexpected tag cache row layout")
    return CachedTags(defs, refs, rows)


class TagCache:
    """Tags per file of one workspace root, in one SQLite file (shared by every workspace)."""

    def __init__(self, db_path: Path, root: Path) -> None:
        self._db_path = db_path
        self._root = str(root.resolve())
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._fingerprint = extractor_fingerprint()
        self._lexical_fingerprint = lexical_fingerprint()

    # -- connection -----------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection | None:
        if self._conn is not None:
            return self._conn
        try:
            self._conn = self._open()
        except sqlite3.DatabaseError as exc:
            log.warning("tag cache %s is unusable (%s); recreating it", self._db_path, exc)
            self._discard_file()
            try:
                self._conn = self._open()
            except sqlite3.Error as again:
                log.error("tag cache disabled: cannot create %s: %s", self._db_path, again)
                return None
        except OSError as exc:
            log.error("tag cache disabled: %s: %s", self._db_path, exc)
            return None
        return self._conn

    def _open(self) -> sqlite3.Connection:
        self._db_path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self._db_path, check_same_thread=False, timeout=10.0)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS tags (root TEXT NOT NULL, path TEXT NOT NULL, digest TEXT NOT NULL,"
                " blob BLOB NOT NULL, PRIMARY KEY (root, path))"
            )
            conn.execute(
                "CREATE TABLE IF NOT EXISTS lexical (root TEXT NOT NULL, path TEXT NOT NULL, digest TEXT NOT NULL,"
                " blob BLOB NOT NULL, PRIMARY KEY (root, path))"
            )
            conn.execute(
                "CREATE TABLE IF NOT EXISTS defs (root TEXT NOT NULL, path TEXT NOT NULL, digest TEXT NOT NULL,"
                " blob BLOB NOT NULL, PRIMARY KEY (root, path))"
            )
            for key, table, fingerprint in (
                ("defs_fingerprint", "defs", self._fingerprint),
                ("fingerprint", "tags", self._fingerprint),
                ("lexical_fingerprint", "lexical", self._lexical_fingerprint),
            ):
                row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
                if row is None or row[0] != fingerprint:
                    if row is not None:
                        log.info("%s extraction changed: emptying the %s cache", table, table)
                    with conn:
                        conn.execute(f"DELETE FROM {table}")
                        conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, fingerprint))
        except sqlite3.Error:
            conn.close()
            raise
        return conn

    def _discard_file(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            try:
                Path(f"{self._db_path}{suffix}").unlink(missing_ok=True)
            except OSError as exc:
                log.warning("cannot remove %s%s: %s", self._db_path, suffix, exc)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- reads and writes -----------------------------------------------------------------------

    def get_many(self, digests: Mapping[str, str]) -> dict[str, CachedTags]:
        """Cached tags for the paths whose stored digest equals the given one (misses are absent)."""
        return self._get("tags", digests, _decode_entry)

    def put_many(self, entries: Iterable[tuple[str, str, CachedTags]]) -> None:
        """Store (path, digest, tags) rows, replacing older rows for those paths."""
        self._put("tags", [(path, digest, _encode_entry(tags)) for path, digest, tags in entries])

    def get_definitions_many(self, digests: Mapping[str, str]) -> dict[str, bytes]:
        """Cached definition-only rows (:func:`encode_rows` of a file's definitions) where the digest matches."""
        return self._get("defs", digests, _decode_bytes)

    def put_definitions_many(self, entries: Iterable[tuple[str, str, bytes]]) -> None:
        """Store (path, digest, encoded definition rows)."""
        self._put("defs", [(path, digest, marshal.dumps(rows)) for path, digest, rows in entries])

    def get_lexical_many(self, digests: Mapping[str, str]) -> dict[str, LexicalNames]:
        """Cached lexical (definition, reference) name counts for paths whose digest matches."""
        return self._get("lexical", digests, _decode_lexical)

    def put_lexical_many(self, entries: Iterable[tuple[str, str, LexicalNames]]) -> None:
        """Store (path, digest, (def counts, ref counts)) rows."""
        self._put("lexical", [(path, digest, marshal.dumps(names)) for path, digest, names in entries])

    def _get(self, table: str, digests: Mapping[str, str], decode: Callable[[bytes], _Entry]) -> dict[str, _Entry]:
        found: dict[str, _Entry] = {}
        with self._lock:
            conn = self._connect()
            if conn is None:
                return found
            paths = sorted(digests)
            for start in range(0, len(paths), _BATCH):
                chunk = paths[start : start + _BATCH]
                marks = ",".join("?" * len(chunk))
                try:
                    rows = conn.execute(
                        f"SELECT path, digest, blob FROM {table} WHERE root = ? AND path IN ({marks})",
                        (self._root, *chunk),
                    ).fetchall()
                except sqlite3.Error as exc:
                    log.warning("%s cache read failed: %s", _LABELS[table], exc)
                    return found
                for path, digest, blob in rows:
                    if digests.get(path) != digest:
                        continue
                    try:
                        found[path] = decode(blob)
                    except (ValueError, EOFError, TypeError) as exc:
                        log.warning("damaged %s cache row for %s: %s", _LABELS[table], path, exc)
        return found

    def _put(self, table: str, entries: list[tuple[str, str, bytes]]) -> None:
        rows = [(self._root, path, digest, blob) for path, digest, blob in entries]
        if not rows:
            return
        with self._lock:
            conn = self._connect()
            if conn is None:
                return
            try:
                with conn:
                    conn.executemany(f"INSERT OR REPLACE INTO {table} VALUES (?, ?, ?, ?)", rows)
            except sqlite3.Error as exc:
                log.warning("%s cache write failed: %s", _LABELS[table], exc)

    def lexical_paths(self) -> set[str]:
        """The paths of this root that have a lexical row (of any content): where the cache may answer."""
        with self._lock:
            conn = self._connect()
            if conn is None:
                return set()
            try:
                rows = conn.execute("SELECT path FROM lexical WHERE root = ?", (self._root,)).fetchall()
            except sqlite3.Error as exc:
                log.warning("lexical cache read failed: %s", exc)
                return set()
        return {path for (path,) in rows}

    def delete(self, paths: Iterable[str]) -> None:
        """Forget rows for deleted files."""
        keys = [(self._root, path) for path in paths]
        if not keys:
            return
        with self._lock:
            conn = self._connect()
            if conn is None:
                return
            try:
                with conn:
                    conn.executemany("DELETE FROM tags WHERE root = ? AND path = ?", keys)
                    conn.executemany("DELETE FROM lexical WHERE root = ? AND path = ?", keys)
                    conn.executemany("DELETE FROM defs WHERE root = ? AND path = ?", keys)
            except sqlite3.Error as exc:
                log.warning("tag cache delete failed: %s", exc)


class LexicalWrites:
    """Lexical rows written on a thread of their own, in order, for one index run: SQLite releases
    the GIL while it writes, so the lexing goes on meanwhile (on 20,000 files the writes were 0.5 s
    of the indexing thread). ``close`` waits for them (the next index, in any process, reads them).
    With no cache, nothing is written."""

    def __init__(self, cache: TagCache | None) -> None:
        self._cache = cache
        self._queue: queue.SimpleQueue[list[tuple[str, str, LexicalNames]] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def put(self, entries: list[tuple[str, str, LexicalNames]]) -> None:
        if self._cache is None or not entries:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._write, name="outrider-cache-writes", daemon=True)
            self._thread.start()
        self._queue.put(entries)

    def _write(self) -> None:
        assert self._cache is not None
        while (entries := self._queue.get()) is not None:
            try:
                self._cache.put_lexical_many(entries)
            except Exception:  # put_lexical_many logs SQLite errors itself; anything else is a bug
                log.exception("lexical cache write failed")

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
