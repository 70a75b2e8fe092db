"""Personalised PageRank over the reference graph (:mod:`context.rank`) and definitions ranked by it.

:func:`personalised_pagerank` ranks files (numpy power iteration over the graph's edges in canonical
order; edges out of the focus files x FOCUS_BOOST, edges of mentioned identifiers x MENTION_BOOST).
:func:`ranked_definitions` then yields ``(score, path, name)`` best first, lazily: files are visited
by inflow (the rank that arrives through edges) and a definition is yielded once no unvisited file
can hold a better one (a definition's score is a part of its file's inflow), so a small budget
touches only the top of the graph. Same inputs, same floats: everything is in sorted order.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np

from context.rank import (
    DAMPING,
    FOCUS_BOOST,
    MAX_ITERATIONS,
    MENTION_BOOST,
    TOLERANCE,
    EdgeArrays,
    FloatArray,
    IntArray,
    ReferenceGraph,
    edge_weight,
)


@dataclass
class Ranking:
    """File ranks and what is needed to score definitions against them."""

    graph: ReferenceGraph
    nodes: list[str]
    rank: dict[str, float]
    focus: frozenset[str]
    mentioned: frozenset[str]
    inflow: dict[str, float] = field(default_factory=dict)
    share: dict[str, float] = field(default_factory=dict)
    _name_inflow: dict[str, float] = field(default_factory=dict)

    def definition_score(self, path: str, name: str) -> float:
        """The part of `path`'s inflow that arrives through references to `name`."""
        share = self.share
        boost = MENTION_BOOST if name in self.mentioned else 1
        total = self._name_inflow.get(name)
        if total is None:
            total = 0.0
            for src, weight in self.graph.reference_weights(name):
                ratio = share.get(src)
                if ratio is not None:
                    total += ratio * weight
            total *= boost
            self._name_inflow[name] = total
        if not total:
            return 0.0
        own = self.graph.references.get(name, {}).get(path)
        ratio = share.get(path)
        if own is not None and ratio is not None:
            weight = edge_weight(name, len(self.graph.defines.get(name, ())), own)
            total = max(0.0, total - ratio * weight * boost)
        return DAMPING * total


def _boosted_arrays(
    graph: ReferenceGraph, arrays: EdgeArrays, focus: frozenset[str], mentioned: frozenset[str]
) -> tuple[IntArray, IntArray, IntArray]:
    src, dst, weight = arrays.src, arrays.dst, arrays.weight
    extra = [
        (arrays.index[s], arrays.index[d], (MENTION_BOOST - 1) * w)
        for name in sorted(mentioned)
        for s, d, w in graph.contributions(name)
    ]
    if extra:
        src = np.concatenate([src, np.array([e[0] for e in extra], dtype=np.int64)])
        dst = np.concatenate([dst, np.array([e[1] for e in extra], dtype=np.int64)])
        weight = np.concatenate([weight, np.array([e[2] for e in extra], dtype=np.int64)])
    focus_ids = [arrays.index[path] for path in sorted(focus) if path in arrays.index]
    if focus_ids:
        weight = np.where(np.isin(src, focus_ids), weight * FOCUS_BOOST, weight)
    return src, dst, weight


def personalised_pagerank(
    graph: ReferenceGraph,
    personalization: Mapping[str, float],
    *,
    focus: Iterable[str] = (),
    mentioned: Iterable[str] = (),
) -> Ranking:
    """PageRank over the file graph, teleporting to `personalization` (uniform when empty).

    Dangling files hand their rank to the personalization too. Iterates to an L1 change below
    TOLERANCE (or MAX_ITERATIONS) over edges in canonical order: deterministic.
    """
    focus_set = frozenset(focus)
    mentioned_set = frozenset(mentioned)
    arrays = graph.edge_arrays()
    nodes = arrays.nodes
    count = len(nodes)
    if count == 0:
        return Ranking(graph, [], {}, focus_set, mentioned_set)
    src, dst, weight = _boosted_arrays(graph, arrays, focus_set, mentioned_set)
    out = np.bincount(src, weights=weight.astype(np.float64), minlength=count)
    fraction = weight / out[src] if len(src) else np.zeros(0)
    wanted = np.zeros(count, dtype=np.float64)
    for node, value in sorted(personalization.items()):
        if node in arrays.index and value > 0:
            wanted[arrays.index[node]] = value
    total = float(wanted.sum())
    teleport = wanted / total if total > 0 else np.full(count, 1.0 / count)
    dangling = out == 0
    rank = teleport.copy()
    for _ in range(MAX_ITERATIONS):
        leak = (1.0 - DAMPING) + DAMPING * float(rank[dangling].sum())
        new: FloatArray = np.bincount(dst, weights=DAMPING * rank[src] * fraction, minlength=count) + leak * teleport
        change = float(np.abs(new - rank).sum())
        rank = new
        if change < TOLERANCE:
            break
    inflow = np.bincount(dst, weights=DAMPING * rank[src] * fraction, minlength=count)
    has_out = np.flatnonzero(out)
    ratio = (rank[has_out] / out[has_out]).tolist()
    boosted_ratio = {
        nodes[i]: r * (FOCUS_BOOST if nodes[i] in focus_set else 1)
        for i, r in zip(has_out.tolist(), ratio, strict=True)
    }
    return Ranking(
        graph,
        nodes,
        dict(zip(nodes, rank.tolist(), strict=True)),
        focus_set,
        mentioned_set,
        dict(zip(nodes, inflow.tolist(), strict=True)),
        boosted_ratio,
    )


def ranked_definitions(ranking: Ranking, exclude: Iterable[str] = ()) -> Iterator[tuple[float, str, str]]:
    """(score, path, name) of every defined name outside `exclude`, best first; ties by file rank,
    path, name. Lazy (see the module docstring)."""
    graph = ranking.graph
    skip = frozenset(exclude)
    inflow = ranking.inflow
    order = sorted(
        (path for path in ranking.nodes if path not in skip and graph.has_definitions(path)),
        key=lambda path: (-inflow[path], path),
    )
    heap: list[tuple[float, float, str, str]] = []
    unreferenced: list[tuple[float, str, str]] = []  # score 0: always last, by file rank, path, name
    for position, path in enumerate(order):
        file_rank = ranking.rank[path]
        for name in graph.defined_names(path):
            score = ranking.definition_score(path, name)
            if score > 0.0:
                heapq.heappush(heap, (-score, -file_rank, path, name))
            else:
                unreferenced.append((-file_rank, path, name))
        if position + 1 < len(order):
            bound = inflow[order[position + 1]] * (1 + 1e-6) + 1e-300
            while heap and -heap[0][0] > bound:
                neg_score, _, top_path, top_name = heapq.heappop(heap)
                yield -neg_score, top_path, top_name
    while heap:
        neg_score, _, top_path, top_name = heapq.heappop(heap)
        yield -neg_score, top_path, top_name
    for _, path, name in sorted(unreferenced):
        yield 0.0, path, name
