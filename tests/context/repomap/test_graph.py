"""The reference graph and ranking (context/repomap/graph.py, context/repomap/pagerank.py)."""

from __future__ import annotations

import random

import pytest

from context.repomap import graph as rank
from context.repomap.graph import MAX_DEFINERS, ReferenceGraph, edge_weight
from context.repomap.pagerank import personalised_pagerank, ranked_definitions

FILES = {
    "app.py": ({"main": 1}, {"Session": 3, "connect": 1, "render_page": 2}),
    "db.py": ({"Session": 1, "connect": 1}, {"log_event": 1}),
    "web.py": ({"render_page": 1}, {"Session": 1, "log_event": 2}),
    "log.py": ({"log_event": 1}, {}),
    "lonely.py": ({"unused_thing": 1}, {}),
}


def build(files: dict[str, tuple[dict[str, int], dict[str, int]]]) -> ReferenceGraph:
    graph = ReferenceGraph()
    for path, (defs, refs) in files.items():
        graph.replace_file(path, defs, refs)
    return graph


def test_weights_prefer_specific_names() -> None:
    assert edge_weight("render_page_header", 1, 1) > edge_weight("render", 1, 1)
    assert edge_weight("_private", 1, 1) < edge_weight("private", 1, 1)
    assert edge_weight("get", 9, 1) < edge_weight("get", 1, 1)
    assert edge_weight("get", 1, 4) == 2 * edge_weight("get", 1, 1)


def test_pagerank_sums_to_one_and_follows_references() -> None:
    ranking = personalised_pagerank(build(FILES), {})
    assert abs(sum(ranking.rank.values()) - 1.0) < 1e-9
    assert ranking.rank["db.py"] > ranking.rank["app.py"]
    assert ranking.rank["log.py"] > ranking.rank["lonely.py"]


def test_personalisation_moves_rank_towards_the_focus() -> None:
    graph = build(FILES)
    plain = personalised_pagerank(graph, {})
    focused = personalised_pagerank(graph, {"web.py": 1.0}, focus=["web.py"])
    assert focused.rank["log.py"] > plain.rank["log.py"]
    assert focused.rank["lonely.py"] < plain.rank["lonely.py"]


def test_ranked_definitions_are_sorted_and_complete() -> None:
    graph = build(FILES)
    ranking = personalised_pagerank(graph, {"app.py": 1.0}, focus=["app.py"], mentioned=["connect"])
    ranked = list(ranked_definitions(ranking, exclude=["app.py"]))
    assert {(path, name) for _, path, name in ranked} == {
        ("db.py", "Session"),
        ("db.py", "connect"),
        ("web.py", "render_page"),
        ("log.py", "log_event"),
        ("lonely.py", "unused_thing"),
    }
    scores = [score for score, _, _ in ranked]
    assert scores == sorted(scores, reverse=True)
    assert ranked[-1][1:] == ("lonely.py", "unused_thing")


def test_lazy_order_equals_a_full_sort_on_a_random_graph() -> None:
    rng = random.Random(7)
    names = [f"name_{i}" for i in range(60)]
    files: dict[str, tuple[dict[str, int], dict[str, int]]] = {}
    for f in range(40):
        defs = dict.fromkeys(rng.sample(names, 4), 1)
        refs = {name: rng.randint(1, 5) for name in rng.sample(names, 8)}
        files[f"f{f:02d}.py"] = (defs, refs)
    graph = build(files)
    ranking = personalised_pagerank(graph, {"f03.py": 1.0, "f17.py": 0.5}, focus=["f03.py"])
    lazy = list(ranked_definitions(ranking, exclude=["f03.py"]))
    full = sorted(
        lazy,
        key=lambda item: (-item[0], -ranking.rank[item[1]], item[1], item[2]),
    )
    assert lazy == full


def test_incremental_updates_equal_a_fresh_build_bit_for_bit() -> None:
    rng = random.Random(11)
    names = [f"sym{i}" for i in range(30)] + ["get", "run", "_hidden", "SessionMakerFactory"]
    paths = [f"m{i}.py" for i in range(25)]

    def random_file() -> tuple[dict[str, int], dict[str, int]]:
        return (
            dict.fromkeys(rng.sample(names, rng.randint(0, 5)), 1),
            {name: rng.randint(1, 9) for name in rng.sample(names, rng.randint(0, 10))},
        )

    state = {path: random_file() for path in paths}
    incremental = build(state)
    personalised_pagerank(incremental, {})  # flush once, then edit
    for _ in range(60):
        path = rng.choice(paths)
        state[path] = random_file() if rng.random() < 0.8 else ({}, {})
        incremental.replace_file(path, *state[path])
    fresh = build(dict(sorted(state.items(), reverse=True)))
    personalization = {"m1.py": 1.0, "m2.py": 0.3}
    a = personalised_pagerank(incremental, personalization, focus=["m1.py"], mentioned=["get"])
    b = personalised_pagerank(fresh, personalization, focus=["m1.py"], mentioned=["get"])
    assert a.rank == b.rank  # exact floats, not approximately
    assert list(ranked_definitions(a)) == list(ranked_definitions(b))


def test_names_defined_everywhere_make_no_edges() -> None:
    files: dict[str, tuple[dict[str, int], dict[str, int]]] = {
        f"d{i}.py": ({"execute": 1}, {}) for i in range(MAX_DEFINERS + 1)
    }
    files["caller.py"] = ({}, {"execute": 3})
    ranking = personalised_pagerank(build(files), {})
    assert ranking.share == {}  # no file has outgoing edges
    assert len({round(value, 12) for value in ranking.rank.values()}) == 1


def test_empty_graph() -> None:
    ranking = personalised_pagerank(ReferenceGraph(), {})
    assert ranking.nodes == [] and list(ranked_definitions(ranking)) == []


def test_first_bulk_flush_equals_flushing_file_by_file() -> None:
    rng = random.Random(5)
    names = [f"sym{i}" for i in range(40)] + ["get", "_hidden", "SessionMakerFactory"]
    files = {
        f"m{i:02d}.py": (
            dict.fromkeys(rng.sample(names, rng.randint(0, 6)), 1),
            {name: rng.randint(1, 9) for name in rng.sample(names, rng.randint(0, 12))},
        )
        for i in range(30)
    }
    bulk = build(files)
    stepwise = ReferenceGraph()
    for path, (defs, refs) in sorted(files.items(), reverse=True):
        stepwise.replace_file(path, defs, refs)
        stepwise.flush()
    a, b = bulk.edge_arrays(), stepwise.edge_arrays()
    assert a.nodes == b.nodes
    assert len(a.weight) > 50
    assert (a.src.tolist(), a.dst.tolist(), a.weight.tolist()) == (b.src.tolist(), b.dst.tolist(), b.weight.tolist())


def test_first_flush_with_only_self_references_makes_no_edges() -> None:
    graph = build({"a.py": ({"helper_name": 1}, {"helper_name": 2}), "b.py": ({}, {"other": 1})})
    arrays = graph.edge_arrays()
    assert arrays.nodes == ["a.py", "b.py"]
    assert arrays.weight.tolist() == []
    graph.replace_file("b.py", {}, {"helper_name": 4})
    assert graph.edge_arrays().weight.tolist() == [edge_weight("helper_name", 1, 4)]


def test_reference_weights_kept_by_the_first_flush_equal_computed_ones() -> None:
    rng = random.Random(11)
    names = [f"sym{i}" for i in range(30)] + ["get", "_hidden", "SessionMakerFactory"]
    files = {
        f"m{i:02d}.py": (
            dict.fromkeys(rng.sample(names, rng.randint(0, 5)), 1),
            {name: rng.choice([1, 2, 3, 7, 255, 256, 900]) for name in rng.sample(names, rng.randint(0, 12))},
        )
        for i in range(30)
    }
    bulk = ReferenceGraph()
    for path, (defs, refs) in sorted(files.items(), reverse=True):  # dict order is not path order
        bulk.replace_file(path, defs, refs)
    bulk.edge_arrays()
    kept = {name: bulk.reference_weights(name) for name in names}
    assert sum(len(pairs) for pairs in kept.values()) > 50
    for name in names:
        definers = bulk.defines.get(name, {})
        referencers = sorted(bulk.references.get(name, {}).items())
        expected = (
            tuple((src, edge_weight(name, len(definers), count)) for src, count in referencers)
            if definers and len(definers) <= MAX_DEFINERS
            else ()
        )
        assert kept[name] == expected, name


def test_edits_before_the_first_flush_and_after_an_empty_one_equal_a_fresh_build() -> None:
    rng = random.Random(23)
    names = [f"sym{i}" for i in range(12)] + ["get", "_hidden"]
    paths = [f"m{i}.py" for i in range(8)]
    for trial in range(20):
        state: dict[str, tuple[dict[str, int], dict[str, int]]] = {}
        graph = ReferenceGraph()
        for step in range(12):
            path = rng.choice(paths)
            if step == 4 and trial % 2:  # a flush without edges: applies nothing, or only a self reference
                state = {"solo.py": ({"solo_name": 1}, {"solo_name" if trial % 4 == 1 else "unknown": 2})}
                graph = build(state)
                assert graph.edge_arrays().weight.tolist() == []
            defs = dict.fromkeys(rng.sample(names, rng.randint(0, 3)), 1)
            refs = {name: rng.randint(1, 4) for name in rng.sample(names, rng.randint(0, 5))}
            state[path] = (defs, refs) if rng.random() < 0.85 else ({}, {})
            graph.replace_file(path, *state[path])
            if step == 8:
                graph.flush()
        fresh = build(dict(sorted(state.items(), reverse=True)))
        a, b = graph.edge_arrays(), fresh.edge_arrays()
        assert a.nodes == b.nodes
        for mine, theirs in ((a.src, b.src), (a.dst, b.dst), (a.weight, b.weight)):
            assert mine.tolist() == theirs.tolist()
        assert list(ranked_definitions(personalised_pagerank(graph, {}))) == list(
            ranked_definitions(personalised_pagerank(fresh, {}))
        )


Files = dict[str, tuple[dict[str, int], dict[str, int]]]


def inverted(state: Files, side: int) -> dict[str, dict[str, int]]:
    """name -> {file: count} straight from the files (the oracle for defines/references)."""
    table: dict[str, dict[str, int]] = {}
    for path, maps in sorted(state.items()):
        for name, count in maps[side].items():
            table.setdefault(name, {})[path] = count
    return table


Lookups = list[tuple[list[str], list[tuple[str, int]], list[tuple[str, str, int]], tuple[tuple[str, int], ...]]]


def lookups(graph: ReferenceGraph, names: list[str]) -> Lookups:
    return [
        (graph.definers(name), graph.referencers(name), list(graph.contributions(name)), graph.reference_weights(name))
        for name in names
    ]


def assert_same_graph(graph: ReferenceGraph, state: Files) -> None:
    fresh = build(dict(sorted(state.items(), reverse=True)))
    a, b = graph.edge_arrays(), fresh.edge_arrays()
    assert a.nodes == b.nodes == sorted(path for path, (defs, refs) in state.items() if defs or refs)
    for mine, theirs in ((a.src, b.src), (a.dst, b.dst), (a.weight, b.weight)):
        assert mine.tolist() == theirs.tolist()
    assert graph.defines == inverted(state, 0) and graph.references == inverted(state, 1)
    names = [*sorted(set(graph.defines) | set(graph.references)), "never_seen"]
    assert lookups(graph, names) == lookups(fresh, names)
    ranking = personalised_pagerank(graph, {"m1.py": 1.0}, focus=["m1.py"], mentioned=["get"])
    expected = personalised_pagerank(fresh, {"m1.py": 1.0}, focus=["m1.py"], mentioned=["get"])
    assert ranking.rank == expected.rank
    assert list(ranked_definitions(ranking)) == list(ranked_definitions(expected))


def random_state(rng: random.Random, paths: list[str]) -> Files:
    names = [f"sym{i}" for i in range(25)] + ["get", "_hidden", "SessionMakerFactory"]
    return {
        path: (
            dict.fromkeys(rng.sample(names, rng.randint(0, 4)), 1),
            {name: rng.randint(1, 9) for name in rng.sample(names, rng.randint(0, 9))},
        )
        for path in paths
    }


@pytest.mark.parametrize("mode", ["prepare_updates", "edit_at_once", "defines_read_before_the_flush"])
@pytest.mark.parametrize("seed", range(6))
def test_bulk_installs_then_edits_equal_a_fresh_build(mode: str, seed: int) -> None:
    rng = random.Random(seed)
    paths = [f"m{i}.py" for i in range(20)]
    state = random_state(rng, paths)
    graph = ReferenceGraph()
    for path in paths:  # installs before the first flush: some replaced again, some removed
        graph.replace_file(path, *state[path])
        if mode == "defines_read_before_the_flush" and path == "m5.py":
            assert graph.defines == inverted({p: state[p] for p in paths[:6]}, 0)
    for path in rng.sample(paths, 6):
        state[path] = random_state(rng, [path])[path] if rng.random() < 0.5 else ({}, {})
        graph.replace_file(path, *state[path])
    graph.edge_arrays()
    if mode == "prepare_updates":
        graph.prepare_updates()
    for step in range(25):
        path = rng.choice([*paths, "new.py"])
        state[path] = random_state(rng, [path])[path] if rng.random() < 0.8 else ({}, {})
        graph.replace_file(path, *state[path])
        if step % 7 == 3:
            graph.flush()
    assert_same_graph(graph, state)


def test_lookups_right_after_the_first_flush_equal_those_after_prepare_updates() -> None:
    rng = random.Random(3)
    state = random_state(rng, [f"m{i}.py" for i in range(30)])
    graph = build(state)
    graph.edge_arrays()
    names = [*sorted(set(inverted(state, 0)) | set(inverted(state, 1))), "never_seen"]
    before = lookups(graph, names)
    assert sum(len(weights) for *_, weights in before) > 20
    graph.prepare_updates()
    assert lookups(graph, names) == before
    assert lookups(build(state), names) == before  # nothing flushed at all
    assert_same_graph(graph, state)


def test_a_file_removed_before_the_first_flush_leaves_nothing_behind() -> None:
    state: Files = dict(FILES)
    graph = build(state)
    graph.replace_file("db.py", {}, {})  # defines Session and connect, which app.py references
    graph.replace_file("ghost.py", {}, {})  # never installed: nothing to remove
    graph.replace_file("tmp.py", {"Session": 1}, {"log_event": 5})
    graph.replace_file("tmp.py", {}, {})
    del state["db.py"]
    assert graph.definers("Session") == [] and graph.referencers("log_event") == [("web.py", 2)]
    assert "db.py" not in graph.edge_arrays().nodes
    assert_same_graph(graph, state)
    graph.replace_file("db.py", *FILES["db.py"])  # and back, as an edit
    assert_same_graph(graph, dict(FILES))


def test_updates_prepared_outside_are_used_only_for_the_graph_they_were_taken_from() -> None:
    rng = random.Random(5)
    state = random_state(rng, [f"m{i}.py" for i in range(20)])
    graph = build(state)
    graph.edge_arrays()
    pending = graph.pending_updates()
    pending.build()  # as without the caller's lock
    prepared = (pending.defines, pending.references, pending.applied, pending.edges)
    assert all(prepared) and len(pending.edges or ()) == len(graph.edge_arrays().weight)
    graph.prepare_updates(pending)
    assert (graph.defines, graph.references) == prepared[:2] and pending.defines is None
    assert graph.defines is prepared[0]  # used, not built again
    again = graph.pending_updates()
    assert [again.file_defs, again.file_refs, again.tables, again.bulk_edges] == [None] * 4  # nothing left to do
    graph.replace_file("m1.py", {"brand_new": 1}, {"get": 2})
    state["m1.py"] = ({"brand_new": 1}, {"get": 2})
    assert_same_graph(graph, state)

    stale = build(state)  # not flushed: the change below is only recorded
    pending = stale.pending_updates()
    stale.replace_file("m2.py", {}, {})  # after the pending updates were taken: they must not be used
    del state["m2.py"]
    pending.build()
    stale.edge_arrays()
    stale.prepare_updates(pending)
    assert stale.defines is not pending.defines
    assert_same_graph(stale, state)

    flushed_since = build(state)
    pending = flushed_since.pending_updates()  # before the first flush: no edges to take yet
    pending.build()
    flushed_since.edge_arrays()
    flushed_since.prepare_updates(pending)  # the mappings are current; the edges are built here
    assert_same_graph(flushed_since, state)


@pytest.mark.parametrize("seed", range(4))
def test_many_changes_after_a_flush_go_back_to_a_bulk_flush(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A map rendered early in a cold index flushes a few files; the installs that follow change more
    than REBULK_NAMES names, and the next flush is a bulk one again, with the same result."""
    monkeypatch.setattr(rank, "REBULK_NAMES", 6)
    bulk_flushes: list[int] = []
    flush_bulk = ReferenceGraph._flush_bulk
    monkeypatch.setattr(ReferenceGraph, "_flush_bulk", lambda self: (bulk_flushes.append(1), flush_bulk(self))[1])
    rng = random.Random(seed)
    paths = [f"m{i}.py" for i in range(30)]
    state = random_state(rng, paths)
    graph = ReferenceGraph()
    for path in paths[:5]:
        graph.replace_file(path, *state[path])
    graph.edge_arrays()  # the early render
    state["m0.py"] = ({}, {})  # gone before the rest is indexed: its edges must not come back
    for step, path in enumerate(["m0.py", *paths[5:]]):  # the rest of the index, and a flush now and then
        graph.replace_file(path, *state[path])
        if step % 9 == 8:
            graph.flush()
    graph.edge_arrays()  # the end of the index: a bulk flush
    monkeypatch.setattr(rank, "REBULK_NAMES", 1000)
    for path in rng.sample(paths[1:], 3):  # then edits, incremental again
        state[path] = random_state(rng, [path])[path]
        graph.replace_file(path, *state[path])
    assert len(bulk_flushes) >= 2
    assert_same_graph(graph, state)
