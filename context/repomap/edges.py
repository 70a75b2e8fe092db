"""The reference graph's edges as arrays, and the per-name tables its incremental updates need.

:class:`EdgeArrays` is what ranking (:mod:`context.repomap.pagerank`) reads; :class:`PendingUpdates`
is what :meth:`context.repomap.graph.ReferenceGraph.prepare_updates` builds off the lock. Edges in
the incremental dict are keyed ``src id << EDGE_SHIFT | dst id``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from context.repomap.weights import GIL_CHUNK, IntArray, NameTables, invert_names

EDGE_SHIFT = 32


@dataclass
class PendingUpdates:
    """What :meth:`ReferenceGraph.prepare_updates` builds (the per-name mappings, the names the
    first flush applied, its edges as a dict), built from one version of the graph without it (so
    without the caller's lock); prepare_updates uses it only if the graph has not changed since."""

    version: int
    file_defs: dict[str, Mapping[str, int]] | None  # None: built already
    file_refs: dict[str, Mapping[str, int]] | None
    tables: NameTables | None
    bulk_edges: tuple[IntArray, IntArray, IntArray] | None
    defines: dict[str, dict[str, int]] | None = None
    references: dict[str, dict[str, int]] | None = None
    applied: set[str] | None = None
    edges: dict[int, int] | None = None

    def build(self) -> None:
        self.defines = None if self.file_defs is None else invert_names(self.file_defs)
        self.references = None if self.file_refs is None else invert_names(self.file_refs)
        self.applied = None if self.tables is None else set(kept_names(self.tables))
        self.edges = None if self.bulk_edges is None else edge_dict(self.bulk_edges)


def kept_names(tables: NameTables) -> Iterator[str]:
    """The names the tables apply, a chunk per call into the caller's set (see edge_dict)."""
    kept = tables.kept.tolist()
    for start in range(0, len(kept), GIL_CHUNK):
        yield from map(tables.names.__getitem__, kept[start : start + GIL_CHUNK])


def edge_dict(edges: tuple[IntArray, IntArray, IntArray]) -> dict[int, int]:
    """The edges as a dict, built a chunk per call (so other threads get the GIL in between)."""
    src, dst, weight = edges
    keys = src << EDGE_SHIFT | dst
    table: dict[int, int] = {}
    for start in range(0, len(keys), GIL_CHUNK):
        end = start + GIL_CHUNK
        table.update(zip(keys[start:end].tolist(), weight[start:end].tolist(), strict=True))
    return table


@dataclass(frozen=True)
class EdgeArrays:
    nodes: list[str]
    index: dict[str, int]
    src: IntArray
    dst: IntArray
    weight: IntArray
