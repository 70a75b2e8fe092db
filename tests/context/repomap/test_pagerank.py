"""The ranked walk of context/repomap/pagerank.py against the per-name, per-file walk it replaced."""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterable, Iterator

import pytest

from context.repomap.graph import MAX_DEFINERS, ReferenceGraph
from context.repomap.pagerank import Ranking, personalised_pagerank, ranked_definitions

Files = dict[str, tuple[dict[str, int], dict[str, int]]]


def heap_walk(ranking: Ranking, exclude: Iterable[str] = ()) -> Iterator[tuple[float, str, str]]:
    """The walk as it was written before numpy (the oracle): files by inflow, a heap of definitions
    scored one by one with Ranking.definition_score, popped once no unvisited file can beat them."""
    graph = ranking.graph
    skip = frozenset(exclude)
    inflow = ranking.inflow
    order = sorted(
        (path for path in ranking.nodes if path not in skip and graph.has_definitions(path)),
        key=lambda path: (-inflow[path], path),
    )
    heap: list[tuple[float, float, str, str]] = []
    unreferenced: list[tuple[float, str, str]] = []
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


def random_files(rng: random.Random, file_count: int, name_count: int) -> Files:
    names = [f"sym{i}" for i in range(name_count)]
    names += ["get", "run", "_hidden", "SessionMakerFactory", "render_page_header", "ÀBCdéf_ghi"]
    counts = [1, 1, 1, 2, 3, 7, 255, 256, 900]
    return {
        f"pkg/m{i:02d}.py": (
            dict.fromkeys(rng.sample(names, rng.randint(0, 6)), 1),
            {name: rng.choice(counts) for name in rng.sample(names, rng.randint(0, 12))},
        )
        for i in range(file_count)
    }


def build(files: Files, *, reverse: bool = False) -> ReferenceGraph:
    graph = ReferenceGraph()
    for path, (defs, refs) in sorted(files.items(), reverse=reverse):
        graph.replace_file(path, defs, refs)
    return graph


@pytest.mark.parametrize("seed", range(40))
def test_walk_equals_the_heap_walk_on_random_graphs(seed: int) -> None:
    rng = random.Random(seed)
    files = random_files(rng, rng.randint(2, 30), rng.randint(6, 40))
    graph = build(files, reverse=seed % 2 == 1)
    paths = sorted(files)
    focus = rng.sample(paths, rng.randint(0, 2))
    mentioned = rng.sample(["get", "sym1", "sym2", "_hidden", "not_defined_anywhere"], rng.randint(0, 3))
    personalization = {path: rng.random() for path in rng.sample(paths, rng.randint(0, min(3, len(paths))))}
    ranking = personalised_pagerank(graph, personalization, focus=focus, mentioned=mentioned)
    exclude = focus + rng.sample(paths, rng.randint(0, 2)) + ["not/a/file.py"]
    expected = list(heap_walk(ranking, exclude))
    assert list(ranked_definitions(ranking, exclude)) == expected  # exact floats, same order
    assert len(expected) == sum(len(defs) for path, (defs, _) in files.items() if path not in exclude)


def test_walk_orders_ties_by_file_rank_path_and_name() -> None:
    # every file references every name of the next one once: many equal scores
    files: Files = {}
    for i in range(12):
        files[f"f{i:02d}.py"] = (
            {f"name_{i}_{j}": 1 for j in (3, 1, 2, 0)},  # not in sorted order
            {f"name_{(i + 1) % 12}_{j}": 1 for j in range(4)},
        )
    files["extra.py"] = ({"z_unreferenced": 1, "a_unreferenced": 1}, {})
    ranking = personalised_pagerank(build(files, reverse=True), {})
    walked = list(ranked_definitions(ranking))
    assert walked == list(heap_walk(ranking))
    assert len({score for score, _, _ in walked if score > 0}) < len(walked) // 2  # ties were exercised
    assert walked[-2:] == [(0.0, "extra.py", "a_unreferenced"), (0.0, "extra.py", "z_unreferenced")]


def test_scores_equal_definition_score_float_for_float() -> None:
    rng = random.Random(3)
    files = random_files(rng, 25, 30)
    ranking = personalised_pagerank(build(files), {"pkg/m01.py": 1.0}, focus=["pkg/m01.py"], mentioned=["sym3"])
    walked = list(ranked_definitions(ranking))
    assert sum(1 for score, _, _ in walked if score > 0) > 20
    for score, path, name in walked:
        assert score == ranking.definition_score(path, name), (path, name)


def test_walk_after_edits_equals_a_fresh_build() -> None:
    rng = random.Random(17)
    state = random_files(rng, 20, 25)
    incremental = build(state)
    personalised_pagerank(incremental, {})  # the first (bulk) flush
    incremental.prepare_updates()
    paths = sorted(state)
    for step in range(30):
        path = rng.choice(paths) if step % 5 else f"pkg/new{step}.py"
        fresh_file = random_files(rng, 1, 25)["pkg/m00.py"]
        state[path] = fresh_file if rng.random() < 0.8 else ({}, {})
        incremental.replace_file(path, *state[path])
        if step % 7 == 0:  # rank between some edits: the tables must follow every change
            a = personalised_pagerank(incremental, {}, mentioned=["get"])
            b = personalised_pagerank(build(state, reverse=True), {}, mentioned=["get"])
            assert list(ranked_definitions(a)) == list(ranked_definitions(b)) == list(heap_walk(b))
    a = personalised_pagerank(incremental, {"pkg/m02.py": 1.0}, focus=["pkg/m02.py"])
    b = personalised_pagerank(build(state, reverse=True), {"pkg/m02.py": 1.0}, focus=["pkg/m02.py"])
    assert a.rank == b.rank
    assert list(ranked_definitions(a, ["pkg/m02.py"])) == list(ranked_definitions(b, ["pkg/m02.py"]))


def test_names_with_too_many_definers_score_zero() -> None:
    files: Files = {f"d{i:02d}.py": ({"execute": 1, f"own_{i}": 1}, {}) for i in range(MAX_DEFINERS + 1)}
    files["caller.py"] = ({}, {"execute": 3, "own_1": 1})
    ranking = personalised_pagerank(build(files), {})
    walked = list(ranked_definitions(ranking))
    assert walked == list(heap_walk(ranking))
    assert [(path, name) for score, path, name in walked if score > 0] == [("d01.py", "own_1")]


def test_empty_and_fully_excluded_graphs() -> None:
    assert list(ranked_definitions(personalised_pagerank(ReferenceGraph(), {}))) == []
    ranking = personalised_pagerank(build({"a.py": ({"alpha": 1}, {"beta": 1}), "b.py": ({"beta": 1}, {})}), {})
    assert list(ranked_definitions(ranking, ["a.py", "b.py"])) == []
    assert list(ranked_definitions(ranking, (path for path in ["a.py", "b.py"]))) == []  # any iterable
    assert [item[1:] for item in ranked_definitions(ranking, ["b.py"])] == [("a.py", "alpha")]
