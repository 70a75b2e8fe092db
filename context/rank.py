"""The reference graph between files (ranked by :mod:`context.pagerank`).

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

:class:`ReferenceGraph` keeps per-identifier definers and referencers. ``replace_file`` only swaps
names and marks them dirty; ``flush`` (called before ranking) recomputes the summed edge weights of
the dirty names once each, so bulk indexing costs one pass and an edit costs the names it touches.
Ranking over the graph is :mod:`context.pagerank`.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from operator import itemgetter

import numpy as np
import numpy.typing as npt

SCALE = 1000
DAMPING = 0.85
MAX_ITERATIONS = 100
TOLERANCE = 1e-7
FOCUS_BOOST = 50
MENTION_BOOST = 10
MAX_DEFINERS = 40
_MANY_DEFINERS = 5
_SNAKE = re.compile(r"[A-Za-z0-9]_[A-Za-z0-9]")
_UPPER = re.compile(r"[A-Z]")
_LOWER = re.compile(r"[a-z]")
_SQRT = [math.sqrt(n) for n in range(256)]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@functools.lru_cache(maxsize=1 << 16)
def identifier_multiplier(name: str, many_definers: bool) -> float:
    """How much a reference to `name` says about the files involved (see the module docstring)."""
    multiplier = 1.0
    if len(name) >= 8 and (_SNAKE.search(name) or (_UPPER.search(name) and _LOWER.search(name))):
        multiplier *= 10
    if name.startswith("_"):
        multiplier *= 0.1
    if many_definers:
        multiplier *= 0.1
    return multiplier


def edge_weight(name: str, definer_count: int, reference_count: int) -> int:
    """The integer weight one referencing file adds to each definer of `name` (at least 1)."""
    multiplier = identifier_multiplier(name, definer_count > _MANY_DEFINERS)
    return max(1, round(SCALE * multiplier * _SQRT[reference_count if reference_count < 256 else 255]))


class _WeightsByCount(dict[int, int]):
    """edge_weight of one name by reference count, computed on first use (most counts are small)."""

    __slots__ = ("scale",)

    def __init__(self, scale: float) -> None:
        super().__init__()
        self.scale = scale

    def __missing__(self, count: int) -> int:
        weight = self[count] = max(1, round(self.scale * _SQRT[count if count < 256 else 255]))
        return weight


_Snapshot = tuple[tuple[str, ...], tuple[tuple[str, int], ...]]
_EMPTY: _Snapshot = ((), ())


class ReferenceGraph:
    """Definitions and references per identifier, and summed integer edge weights between files."""

    def __init__(self) -> None:
        self.defines: dict[str, dict[str, int]] = {}
        self.references: dict[str, dict[str, int]] = {}
        self._ids: dict[str, int] = {}
        self._paths: list[str] = []
        self._edges: dict[tuple[int, int], int] = {}
        self._bulk_edges: tuple[IntArray, IntArray, IntArray] | None = None  # (src, dst, weight) ids
        self._file_defs: dict[str, Mapping[str, int]] = {}
        self._file_refs: dict[str, Mapping[str, int]] = {}
        self._dirty: dict[str, _Snapshot] = {}
        self._applied: set[str] = set()
        self._reference_weights: dict[str, tuple[tuple[str, int], ...]] = {}
        self._nodes: list[str] | None = None
        self._arrays: EdgeArrays | None = None

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

    def _snapshot(self, name: str) -> _Snapshot:
        definers = tuple(sorted(self.defines.get(name, ())))
        referencers = tuple(sorted(self.references.get(name, {}).items()))
        return definers, referencers

    def _id(self, path: str) -> int:
        node = self._ids.get(path)
        if node is None:
            node = self._ids[path] = len(self._paths)
            self._paths.append(path)
        return node

    def replace_file(self, path: str, defs: Mapping[str, int], refs: Mapping[str, int]) -> None:
        """Set `path`'s defined and referenced names (empty mappings remove the file)."""
        old_defs = self._file_defs.get(path, {})
        old_refs = self._file_refs.get(path, {})
        if old_defs == defs and old_refs == refs:
            return
        dirty, applied = self._dirty, self._applied
        if not old_defs and not old_refs and not applied:  # a new file, nothing flushed yet: every
            dirty.update(dict.fromkeys(defs, _EMPTY))  # dirty name's snapshot is _EMPTY already
            dirty.update(dict.fromkeys(refs, _EMPTY))
        else:
            touched = (old_defs.keys() ^ defs.keys()) | {
                n for n in old_refs.keys() | refs.keys() if old_refs.get(n) != refs.get(n)
            }
            for name in touched:
                if name not in dirty:
                    dirty[name] = self._snapshot(name) if name in applied else _EMPTY
        self._swap(self.defines, path, old_defs, defs)
        self._swap(self.references, path, old_refs, refs)
        if bool(old_defs or old_refs) != bool(defs or refs):
            self._nodes = None
            self._arrays = None
        for store, value in ((self._file_defs, defs), (self._file_refs, refs)):
            if value:
                store[path] = value
            else:
                store.pop(path, None)

    @staticmethod
    def _swap(table: dict[str, dict[str, int]], path: str, old: Mapping[str, int], new: Mapping[str, int]) -> None:
        for name in old:
            entry = table.get(name)
            if entry is not None:
                entry.pop(path, None)
                if not entry:
                    del table[name]
        for name, count in new.items():
            table.setdefault(name, {})[path] = count

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
            definers = self.defines.get(name)
            referencers = self.references.get(name)
            if not definers or not referencers or len(definers) > MAX_DEFINERS:
                cached = ()
            else:  # edge_weight per count, memoised (ranking asks this of thousands of names)
                weights = _WeightsByCount(SCALE * identifier_multiplier(name, len(definers) > _MANY_DEFINERS))
                ordered = sorted(referencers.items())
                counts = map(itemgetter(1), ordered)
                cached = tuple(zip(map(itemgetter(0), ordered), map(weights.__getitem__, counts), strict=True))
            self._reference_weights[name] = cached
        return cached

    def flush(self) -> None:
        """Bring the summed edge weights up to date with every replace_file so far."""
        if not self._dirty:
            return
        if not self._edges and not self._applied:
            self._flush_bulk()
            return
        self._materialize()
        edges, ids = self._edges, self._id
        for name, before in sorted(self._dirty.items()):
            self._reference_weights.pop(name, None)
            for src, dst, weight in self._contributions(name, before):
                key = (ids(src), ids(dst))
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
                src_id = ids(src)
                for dst, dst_id in definer_ids:
                    if dst != src:
                        key = (src_id, dst_id)
                        edges[key] = edges.get(key, 0) + weight
        self._dirty.clear()
        self._arrays = None

    def _flush_bulk(self) -> None:
        """The first flush (nothing applied yet): the same integer sums, accumulated with numpy.

        Per identifier, every referencing file gets an edge to every defining file (but itself):
        the pairs are expanded with ``np.repeat`` and summed per (src, dst) after a stable sort.
        Weights are computed as in :func:`edge_weight` (``np.rint`` rounds half to even, as
        ``round`` does); integer sums do not depend on the order the pairs come in.
        ``reference_weights`` are computed later, for the names ranking asks about.
        """
        ids = self._ids
        for path in self.files:  # every file gets its id up front: plain lookups below
            self._id(path)
        node_of = ids.__getitem__
        definer_ids: list[int] = []
        sources: list[int] = []
        counts: list[int] = []
        offsets: list[int] = []  # per name: where its definers start in definer_ids
        widths: list[int] = []  # per name: how many definers it has
        scales: list[float] = []  # per name: SCALE * its multiplier
        fanout: list[int] = []  # per name: how many files reference it
        kept: list[str] = []  # the names that make edges, in the order above
        defines, references, applied = self.defines, self.references, self._applied
        for name in sorted(self._dirty.keys() & defines.keys()):  # a name nobody defines makes no edges
            definers = defines[name]
            referencers = references.get(name)
            if not referencers or len(definers) > MAX_DEFINERS:
                continue
            applied.add(name)
            kept.append(name)
            offsets.append(len(definer_ids))
            widths.append(len(definers))
            scales.append(SCALE * identifier_multiplier(name, len(definers) > _MANY_DEFINERS))
            fanout.append(len(referencers))
            definer_ids.extend(map(node_of, definers))
            sources.extend(map(node_of, referencers))
            counts.extend(referencers.values())
        self._dirty.clear()
        self._arrays = None
        if not sources:
            return
        per_name = np.asarray(fanout, dtype=np.int64)
        root = np.sqrt(np.minimum(np.asarray(counts, dtype=np.int64), 255).astype(np.float64))
        weights = np.maximum(np.rint(np.repeat(np.asarray(scales), per_name) * root), 1).astype(np.int64)
        self._keep_reference_weights(kept, per_name, np.asarray(sources, dtype=np.int64), weights)
        repeat = np.repeat(np.asarray(widths, dtype=np.int64), per_name)  # per reference: its definers
        first = np.cumsum(repeat) - repeat  # where each reference's block starts in the expansion
        within = np.arange(int(repeat.sum()), dtype=np.int64) - np.repeat(first, repeat)
        starts_of = np.repeat(np.repeat(np.asarray(offsets, dtype=np.int64), per_name), repeat)
        pair_dst = np.asarray(definer_ids, dtype=np.int64)[starts_of + within]
        pair_src = np.repeat(np.asarray(sources, dtype=np.int64), repeat)
        pair_weight = np.repeat(weights, repeat)
        keep = pair_src != pair_dst
        width = len(self._paths)
        keys = pair_src[keep] * width + pair_dst[keep]
        if not keys.size:
            return
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        totals = np.add.reduceat(pair_weight[keep][order], starts)
        unique = keys[starts]
        self._bulk_edges = (unique // width, unique % width, totals.astype(np.int64))

    def _keep_reference_weights(
        self, names: list[str], per_name: IntArray, sources: IntArray, weights: IntArray
    ) -> None:
        """reference_weights of every name the bulk flush applied, from its arrays (ranking asks for
        thousands of them). Only when node ids follow path order (a first build): then sorting the
        sources by id sorts them by path, as reference_weights does."""
        paths = self._paths
        if paths != sorted(paths):
            return
        name_of = np.repeat(np.arange(len(names), dtype=np.int64), per_name)
        order = np.lexsort((sources, name_of))
        src_paths = list(map(paths.__getitem__, sources[order].tolist()))
        sorted_weights = weights[order].tolist()
        store = self._reference_weights
        start = 0
        for name, end in zip(names, np.cumsum(per_name).tolist(), strict=True):
            store[name] = tuple(zip(src_paths[start:end], sorted_weights[start:end], strict=True))
            start = end

    def prepare_updates(self) -> None:
        """Build what incremental flushes need now (else the first edit after a bulk build pays it)."""
        self._materialize()

    def _materialize(self) -> None:
        """The first flush's edges as the dict incremental flushes update (built only if one comes)."""
        if self._bulk_edges is not None:
            src, dst, weight = self._bulk_edges
            self._bulk_edges = None
            pairs = zip(src.tolist(), dst.tolist(), strict=True)
            self._edges.update(zip(pairs, weight.tolist(), strict=True))

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
                pairs = np.fromiter(itertools.chain.from_iterable(self._edges), dtype=np.int64, count=2 * count)
                weight = np.fromiter(self._edges.values(), dtype=np.int64, count=count)
                src_ids, dst_ids = pairs[0::2], pairs[1::2]
            src = canonical[src_ids]
            dst = canonical[dst_ids]
            order = np.lexsort((dst, src))
            index = {node: i for i, node in enumerate(nodes)}
            self._arrays = EdgeArrays(nodes, index, src[order], dst[order], weight[order])
        return self._arrays


@dataclass(frozen=True)
class EdgeArrays:
    nodes: list[str]
    index: dict[str, int]
    src: IntArray
    dst: IntArray
    weight: IntArray
