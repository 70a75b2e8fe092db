"""Personalised PageRank over the reference graph (:mod:`context.repomap.graph`) and definitions ranked by it.

:func:`personalised_pagerank` ranks files (numpy power iteration over the graph's edges in canonical
order; edges out of the focus files x FOCUS_BOOST, edges of mentioned identifiers x MENTION_BOOST).
:func:`ranked_definitions` then yields ``(score, path, name)`` best first: conceptually files are
visited by inflow (the rank that arrives through edges) and a definition is yielded once no
unvisited file can hold a better one (a definition's score is a part of its file's inflow). That
walk's exact output is computed for every definition at once with numpy (scores from the graph's
:class:`~context.repomap.weights.NameTables`, the step of the walk that yields each one, one sort);
names are only looked at for ties. Same inputs, same floats: everything is in sorted order.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from context.repomap.graph import (
    DAMPING,
    FOCUS_BOOST,
    MAX_ITERATIONS,
    MENTION_BOOST,
    TOLERANCE,
    EdgeArrays,
    FloatArray,
    IntArray,
    NameTables,
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
    tables: NameTables | None = None  # the graph's names at ranking time (for the ranked walk)
    rank_values: FloatArray | None = None  # rank, inflow and share as arrays over `nodes`
    inflow_values: FloatArray | None = None
    share_values: FloatArray | None = None
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
    rank = teleport.copy()  # below, (DAMPING * rank)[src] equals DAMPING * rank[src] float for float
    for _ in range(MAX_ITERATIONS):
        leak = (1.0 - DAMPING) + DAMPING * float(rank[dangling].sum())
        new: FloatArray = np.bincount(dst, weights=(DAMPING * rank)[src] * fraction, minlength=count) + leak * teleport
        change = float(np.abs(new - rank).sum())
        rank = new
        if change < TOLERANCE:
            break
    inflow = np.asarray(np.bincount(dst, weights=(DAMPING * rank)[src] * fraction, minlength=count), dtype=np.float64)
    has_out = np.flatnonzero(out)
    share = np.zeros(count, dtype=np.float64)
    share[has_out] = rank[has_out] / out[has_out]
    boosted = [i for i in has_out.tolist() if nodes[i] in focus_set]
    share[boosted] = share[boosted] * FOCUS_BOOST
    return Ranking(
        graph,
        nodes,
        dict(zip(nodes, rank.tolist(), strict=True)),
        focus_set,
        mentioned_set,
        dict(zip(nodes, inflow.tolist(), strict=True)),
        dict(zip(map(nodes.__getitem__, has_out.tolist()), share[has_out].tolist(), strict=True)),
        graph.name_tables(),
        rank,
        inflow,
        share,
    )


def ranked_definitions(ranking: Ranking, exclude: Iterable[str] = ()) -> Iterator[tuple[float, str, str]]:
    """(score, path, name) of every defined name outside `exclude`, best first; ties by file rank,
    path, name. Lazy (see the module docstring); computed for all definitions at once with numpy,
    yielding exactly what the walk over files by inflow yields (see :func:`_release_steps`)."""
    tables, rank, inflow, share = ranking.tables, ranking.rank_values, ranking.inflow_values, ranking.share_values
    if tables is None or rank is None or inflow is None or share is None:
        return
    score = _definition_scores(tables, share, ranking.mentioned)
    excluded = frozenset(exclude)
    skip = [i for i, path in enumerate(tables.nodes) if path in excluded]
    alive = ~np.isin(tables.def_node, skip)
    referenced = np.flatnonzero(alive & (score > 0.0))
    released = _release_steps(tables, inflow, np.unique(tables.def_node[alive]), referenced, score)
    node = tables.def_node[referenced]
    by_key = np.lexsort((node, -rank[node], -score[referenced], released))
    rows, node, released, row_score = referenced[by_key], node[by_key], released[by_key], score[referenced][by_key]
    same = (node[1:] == node[:-1]) & (row_score[1:] == row_score[:-1]) & (released[1:] == released[:-1])
    yield from _in_name_order(tables, rows, row_score, same)
    unreferenced = np.flatnonzero(alive & ~(score > 0.0))
    node = tables.def_node[unreferenced]
    by_key = np.lexsort((node, -rank[node]))
    rows, node = unreferenced[by_key], node[by_key]
    yield from _in_name_order(tables, rows, np.zeros(len(rows)), node[1:] == node[:-1])


def _release_steps(
    tables: NameTables, inflow: FloatArray, files: IntArray, rows: IntArray, score: FloatArray
) -> IntArray:
    """Per definition in `rows`: the step of the walk that yields it. The walk visits `files` by
    inflow (then path), pushes each one's definitions on a heap, and pops every one whose score is
    above the next file's inflow x (1 + 1e-6) (no unvisited definition can score more; after the
    last file, all). So a definition leaves at the first step, from its file's on, whose bound is
    below its score, and the walk yields by (step, -score, -file rank, path, name)."""
    order = files[np.lexsort((files, -inflow[files]))]
    position = np.zeros(len(tables.nodes), dtype=np.int64)
    position[order] = np.arange(len(order))
    bound = np.full(len(order), -np.inf)
    bound[:-1] = inflow[order[1:]] * (1 + 1e-6) + 1e-300  # non-increasing along the walk
    first_below = np.searchsorted(-bound, -score[rows], side="right")
    steps: IntArray = np.maximum(position[tables.def_node[rows]], first_below)
    return steps


def _definition_scores(tables: NameTables, share: FloatArray, mentioned: frozenset[str]) -> FloatArray:
    """Every definition's score, float for float as :meth:`Ranking.definition_score` computes it:
    per name, the referencing files' share x weight summed in path order (``bincount`` adds in
    array order; a file without out edges adds 0.0), x MENTION_BOOST for mentioned names; minus the
    defining file's own part, clipped at 0, x DAMPING."""
    per_name = np.bincount(
        tables.ref_name, weights=share[tables.ref_node] * tables.ref_weight, minlength=len(tables.names)
    )
    boost = np.ones(len(tables.names), dtype=np.int64)
    if mentioned:
        ids = tables.name_ids
        boost[[ids[name] for name in sorted(mentioned) if name in ids]] = MENTION_BOOST
        per_name = per_name * boost
    own = share[tables.def_node] * tables.def_own * boost[tables.def_name]
    scores: FloatArray = DAMPING * np.maximum(0.0, per_name[tables.def_name] - own)
    return scores


def _in_name_order(
    tables: NameTables, rows: IntArray, scores: FloatArray, same: npt.NDArray[np.bool_]
) -> Iterator[tuple[float, str, str]]:
    """(score, path, name) of definition `rows`, in their order except that a run of rows that
    `same` says are equal to the previous one goes by name."""
    starts = np.flatnonzero(np.concatenate(([True], ~same))).tolist() if len(rows) else []
    starts.append(len(rows))
    score_list = scores.tolist()
    node_list = tables.def_node[rows].tolist()
    name_list = tables.def_name[rows].tolist()
    names, nodes = tables.names, tables.nodes
    for start, end in itertools.pairwise(starts):
        run: Iterable[int] = range(start, end)
        if end - start > 1:
            run = sorted(run, key=lambda i: names[name_list[i]])
        for i in run:
            yield score_list[i], nodes[node_list[i]], names[name_list[i]]
