"""The reference graph between files (ranked by :mod:`context.repomap.pagerank`).

A file that references an identifier another file defines gets an edge to that file. Weights follow
aider's repo map (which the benchmark compares against), kept as integers so that the graph can be
updated one file at a time and still equal a fresh build bit for bit (integer sums do not depend on
order):

* ``sqrt(number of references)`` from the referencing file,
* x10 for long, specific identifiers (``snake_case``/``camelCase``, 8+ characters),
* x0.1 for private ones (``_name``) and for names defined in more than 5 files (``get``, ``run``);
  names defined in more than MAX_DEFINERS files say nothing about which file is meant: no edges,
* at ranking time: x10 for identifiers mentioned near the cursor or in the request, x50 for edges
  out of the focus files (the current file / files in the prompt).

:class:`ReferenceGraph` keeps every file's names. Before the first flush (a cold build)
``replace_file`` only records them; the first flush builds :class:`~context.repomap.weights.NameTables`
from them (every file's names as arrays, :func:`~context.repomap.weights.build_file_tables`) and sums
every edge at once with numpy; the ranked walk scores every definition from the same tables. What
only edits need, the per-identifier definers and referencers (``defines``/``references``), the
applied names and the edges as a dict, is built by ``prepare_updates`` (the background parse calls
it after indexing) or by the first edit; until then :meth:`ReferenceGraph.definers` and
:meth:`ReferenceGraph.referencers` answer one name by a scan of the files. After that,
``replace_file`` swaps names and marks them dirty; ``flush`` (called before ranking) recomputes the
summed edge weights of the dirty names once each, so an edit costs the names it touches (and the
tables' rows of the changed names are recomputed).
Weights and the tables are :mod:`context.repomap.weights`; ranking over the graph is
:mod:`context.repomap.pagerank`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from operator import itemgetter

import numpy as np

from context.repomap.edges import EDGE_SHIFT, EdgeArrays, PendingUpdates, edge_dict, kept_names
from context.repomap.weights import (
    MANY_DEFINERS,
    MAX_DEFINERS,
    SCALE,
    FloatArray,
    IntArray,
    NameTables,
    WeightsByCount,
    build_file_tables,
    edge_sums,
    edge_weight,
    identifier_multiplier,
    invert_names,
    patch_name_tables,
)

__all__ = [
    "DAMPING",
    "FOCUS_BOOST",
    "MAX_DEFINERS",
    "MAX_ITERATIONS",
    "MENTION_BOOST",
    "SCALE",
    "TOLERANCE",
    "EdgeArrays",
    "FloatArray",
    "IntArray",
    "NameTables",
    "PendingUpdates",
    "ReferenceGraph",
    "edge_weight",
    "identifier_multiplier",
]

DAMPING = 0.85
MAX_ITERATIONS = 100
TOLERANCE = 1e-7
FOCUS_BOOST = 50
MENTION_BOOST = 10
# changed names beyond which the next flush is a bulk one again (cheaper than walking every name in
# Python; see bench/README.md, "Repo map at scale")
REBULK_NAMES = 20_000


_Snapshot = tuple[tuple[str, ...], tuple[tuple[str, int], ...]]
_EMPTY: _Snapshot = ((), ())
_ByName = dict[str, dict[str, int]]


class ReferenceGraph:
    """Definitions and references per identifier, and summed integer edge weights between files."""

    def __init__(self) -> None:
        self._defines: _ByName | None = None  # name -> {file: count}: inverted on first use
        self._references: _ByName | None = None
        self._ids: dict[str, int] = {}
        self._paths: list[str] = []
        self._edges: dict[int, int] = {}  # (src id << EDGE_SHIFT | dst id) -> summed weight
        self._bulk_edges: tuple[IntArray, IntArray, IntArray] | None = None  # (src, dst, weight) ids
        self._file_defs: dict[str, Mapping[str, int]] = {}
        self._file_refs: dict[str, Mapping[str, int]] = {}
        self._dirty: dict[str, _Snapshot] = {}  # changed names (once some are applied) -> before
        self._bulk_pending = False  # changed before any name was applied: the next flush is a bulk one
        self._applied: set[str] = set()
        self._applied_tables: NameTables | None = None  # the bulk flush's: its kept names are applied
        self._reference_weights: dict[str, tuple[tuple[str, int], ...]] = {}
        self._nodes: list[str] | None = None
        self._arrays: EdgeArrays | None = None
        self._tables: NameTables | None = None
        self._stale_names: set[str] = set()  # names changed since the tables were built (same files)
        self._version = 0  # changes so far (an Inversion of an older version is not used)

    @property
    def defines(self) -> dict[str, dict[str, int]]:
        """name -> {defining file: count}; inverted from every file's names on first use (a cold
        build does not need it: :meth:`definers` answers one name without it)."""
        if self._defines is None:
            self._defines = invert_names(self._file_defs)
        return self._defines

    @property
    def references(self) -> dict[str, dict[str, int]]:
        """name -> {referencing file: count}; see :attr:`defines`."""
        if self._references is None:
            self._references = invert_names(self._file_refs)
        return self._references

    @property
    def files(self) -> list[str]:
        """Every file with names in the graph, sorted."""
        if self._nodes is None:
            self._nodes = sorted(self._file_defs.keys() | self._file_refs.keys())
        return self._nodes

    def has_definitions(self, path: str) -> bool:
        return path in self._file_defs

    def defined_names(self, path: str) -> list[str]:
        """The names `path` defines, sorted."""
        return sorted(self._file_defs.get(path, ()))

    def definers(self, name: str) -> list[str]:
        """The files that define `name`, sorted (a scan of the files until :attr:`defines` exists)."""
        if self._defines is not None:
            return sorted(self._defines.get(name, ()))
        return sorted(path for path, names in self._file_defs.items() if name in names)

    def referencers(self, name: str) -> list[tuple[str, int]]:
        """(file, count) of the files that reference `name`, sorted (see :meth:`definers`)."""
        if self._references is not None:
            return sorted(self._references.get(name, {}).items())
        return sorted((path, names[name]) for path, names in self._file_refs.items() if name in names)

    def reference_file_count(self, name: str) -> int:
        """How many files reference `name` (:meth:`referencers`, without building the list)."""
        return len(self.references.get(name, ()))

    def _snapshot(self, name: str) -> _Snapshot:
        return tuple(self.definers(name)), tuple(self.referencers(name))

    def _id(self, path: str) -> int:
        node = self._ids.get(path)
        if node is None:
            node = self._ids[path] = len(self._paths)
            self._paths.append(path)
        return node

    def _has_edges(self) -> bool:
        return bool(self._applied) or self._applied_tables is not None

    def replace_file(self, path: str, defs: Mapping[str, int], refs: Mapping[str, int]) -> None:
        """Set `path`'s defined and referenced names (empty mappings remove the file). Before the
        first flush this only records them (the first flush takes every file's names at once)."""
        old_defs = self._file_defs.get(path, {})
        old_refs = self._file_refs.get(path, {})
        if old_defs == defs and old_refs == refs:
            return
        self._version += 1
        touched: set[str] = set()
        if not self._has_edges():  # no edges yet: the next flush sums every name's at once (a cold build)
            self._bulk_pending = True
            self._tables = None
            if self._reference_weights:
                self._reference_weights.clear()
        else:
            self._materialize()
            dirty, applied = self._dirty, self._applied
            touched = (old_defs.keys() ^ defs.keys()) | {
                n for n in old_refs.keys() | refs.keys() if old_refs.get(n) != refs.get(n)
            }
            for name in touched:
                if name not in dirty:
                    dirty[name] = self._snapshot(name) if name in applied else _EMPTY
            if len(dirty) > REBULK_NAMES:
                self._back_to_bulk()
        if self._defines is not None:
            self._swap(self._defines, path, old_defs, defs)
        if self._references is not None:
            self._swap(self._references, path, old_refs, refs)
        if bool(old_defs or old_refs) != bool(defs or refs):
            self._nodes = None
            self._arrays = None
            self._tables = None  # node indexes move: rebuilt
        elif self._tables is not None:
            self._stale_names.update(touched)  # patched on next use
        for store, value in ((self._file_defs, defs), (self._file_refs, refs)):
            if value:
                store[path] = value
            else:
                store.pop(path, None)

    @staticmethod
    def _swap(table: dict[str, dict[str, int]], path: str, old: Mapping[str, int], new: Mapping[str, int]) -> None:
        get = table.get
        for name in old:
            entry = get(name)
            if entry is not None:
                entry.pop(path, None)
                if not entry:
                    del table[name]
        for name, count in new.items():
            entry = get(name)
            if entry is None:
                table[name] = {path: count}
            else:
                entry[path] = count

    @staticmethod
    def _contributions(name: str, snapshot: _Snapshot) -> Iterator[tuple[str, str, int]]:
        definers, referencers = snapshot
        if not definers or not referencers or len(definers) > MAX_DEFINERS:
            return
        for src, count in referencers:
            weight = edge_weight(name, len(definers), count)
            for dst in definers:
                if dst != src:
                    yield src, dst, weight

    def contributions(self, name: str) -> Iterator[tuple[str, str, int]]:
        """(referencing file, defining file, weight) for one identifier, sorted, without self edges."""
        return self._contributions(name, self._snapshot(name))

    def reference_weights(self, name: str) -> tuple[tuple[str, int], ...]:
        """(referencing file, weight per definer) for `name`, sorted; empty when it makes no edges."""
        cached = self._reference_weights.get(name)
        if cached is None:
            definers, referencers = self._snapshot(name)
            if not definers or not referencers or len(definers) > MAX_DEFINERS:
                cached = ()
            else:  # edge_weight per count, memoised
                weights = WeightsByCount(SCALE * identifier_multiplier(name, len(definers) > MANY_DEFINERS))
                counts = map(itemgetter(1), referencers)
                cached = tuple(zip(map(itemgetter(0), referencers), map(weights.__getitem__, counts), strict=True))
            self._reference_weights[name] = cached
        return cached

    def flush(self) -> None:
        """Bring the summed edge weights up to date with every replace_file so far."""
        if not self._has_edges():  # so no edges either: every name's are summed at once
            if self._bulk_pending:
                self._flush_bulk()
            return
        if not self._dirty:
            return
        self._materialize()
        edges, ids = self._edges, self._id
        for name, before in sorted(self._dirty.items()):
            self._reference_weights.pop(name, None)
            for src, dst, weight in self._contributions(name, before):
                key = ids(src) << EDGE_SHIFT | ids(dst)
                total = edges[key] - weight
                if total:
                    edges[key] = total
                else:
                    del edges[key]
            definers, referencers = self._snapshot(name)
            if not definers or not referencers or len(definers) > MAX_DEFINERS:
                self._applied.discard(name)
                continue
            self._applied.add(name)
            definer_ids = [(dst, ids(dst)) for dst in definers]
            for src, count in referencers:
                weight = edge_weight(name, len(definers), count)
                src_key = ids(src) << EDGE_SHIFT
                for dst, dst_id in definer_ids:
                    if dst != src:
                        key = src_key | dst_id
                        edges[key] = edges.get(key, 0) + weight
        self._dirty.clear()
        self._arrays = None

    def _flush_bulk(self) -> None:
        """The first flush (nothing applied yet): the edges of every name at once, from the name
        tables (:func:`~context.repomap.weights.edge_sums`; integer sums do not depend on order). What
        only edits need (the per-name mappings, the applied names, the edge dict) waits for
        :meth:`prepare_updates` or the first edit."""
        tables = self.name_tables()
        nodes = tables.nodes
        if not self._paths:  # a cold build: node ids in path order
            self._ids, self._paths = dict(zip(nodes, itertools.count())), list(nodes)
            node_ids = np.arange(len(nodes), dtype=np.int64)
        else:
            node_ids = np.fromiter(map(self._id, nodes), dtype=np.int64, count=len(nodes))
        self._applied_tables = tables if len(tables.kept) else None
        self._dirty.clear()
        self._bulk_pending = False
        self._reference_weights.clear()  # every name was dirty
        self._arrays = None
        src, dst, weight = edge_sums(tables)
        self._bulk_edges = (node_ids[src], node_ids[dst], weight)

    def name_tables(self) -> NameTables:
        """Every file's names and reference weights as arrays (for the bulk flush and the ranked
        walk); cached until the next change."""
        if self._tables is None:
            self._tables = build_file_tables(self.files, self._file_defs, self._file_refs)
        elif self._stale_names:
            self._tables = patch_name_tables(self._tables, self._stale_names, self.defines, self.references)
        self._stale_names = set()
        return self._tables

    def pending_updates(self) -> PendingUpdates:
        """What prepare_updates builds, as inputs to build without the graph (``build()`` outside
        the caller's lock; here only two dict copies), then pass to prepare_updates."""
        return PendingUpdates(
            self._version,
            dict(self._file_defs) if self._defines is None else None,
            dict(self._file_refs) if self._references is None else None,
            self._applied_tables,
            self._bulk_edges,
        )

    def prepare_updates(self, pending: PendingUpdates | None = None) -> None:
        """Build what incremental flushes need now (else the first edit after a bulk build pays it),
        taking what `pending` built when it was taken from the graph as it is."""
        if pending is not None and pending.version == self._version:
            if self._defines is None:
                self._defines = pending.defines
            if self._references is None:
                self._references = pending.references
            if pending.applied is not None and pending.tables is self._applied_tables and not self._applied:
                self._applied, self._applied_tables = pending.applied, None
            if pending.edges is not None and pending.bulk_edges is self._bulk_edges and not self._edges:
                self._edges, self._bulk_edges = pending.edges, None
            pending.defines = pending.references = pending.applied = pending.edges = None  # the graph's now
        self._materialize()

    def _back_to_bulk(self) -> None:
        """Forget the applied edges: the next flush sums every name's at once, as the first does
        (the same integer sums as updating REBULK_NAMES names one by one, far sooner)."""
        self._applied.clear()
        self._applied_tables = None
        self._edges.clear()
        self._bulk_edges = None
        self._dirty.clear()
        self._reference_weights.clear()
        self._bulk_pending = True
        self._tables = None
        self._stale_names = set()
        self._arrays = None

    def _materialize(self) -> None:
        """What incremental flushes update, from the first flush (built only if one comes): the
        per-name mappings, the applied names and the edges as a dict."""
        if self._defines is None:
            self._defines = invert_names(self._file_defs)
        if self._references is None:
            self._references = invert_names(self._file_refs)
        if self._applied_tables is not None:
            self._applied.update(kept_names(self._applied_tables))
            self._applied_tables = None
        if self._bulk_edges is not None:
            self._edges.update(edge_dict(self._bulk_edges))
            self._bulk_edges = None

    def edge_arrays(self) -> EdgeArrays:
        """The flushed graph as arrays over sorted nodes, edges sorted by (src, dst); cached."""
        self.flush()
        if self._arrays is None:
            nodes = self.files
            node_ids = [self._id(node) for node in nodes]
            canonical = np.full(len(self._paths), -1, dtype=np.int64)
            canonical[node_ids] = np.arange(len(nodes), dtype=np.int64)
            if self._bulk_edges is not None:
                src_ids, dst_ids, weight = self._bulk_edges
            else:
                count = len(self._edges)
                id_keys = np.fromiter(self._edges, dtype=np.int64, count=count)
                weight = np.fromiter(self._edges.values(), dtype=np.int64, count=count)
                src_ids, dst_ids = id_keys >> EDGE_SHIFT, id_keys & ((1 << EDGE_SHIFT) - 1)
            src = canonical[src_ids]
            dst = canonical[dst_ids]
            keys = src * len(nodes) + dst
            if not bool(np.all(keys[1:] > keys[:-1])):  # the first flush's edges are sorted already
                order = np.argsort(keys, kind="stable")  # after edits: nearly sorted (keys are unique)
                src, dst, weight = src[order], dst[order], weight[order]
            index = {node: i for i, node in enumerate(nodes)}
            self._arrays = EdgeArrays(nodes, index, src, dst, weight)
        return self._arrays
