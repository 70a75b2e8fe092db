"""Weights and name tables (context/repomap/weights.py) against the per-name code of context/repomap/graph.py."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from context.repomap.graph import ReferenceGraph
from context.repomap.weights import (
    MAX_DEFINERS,
    NameTables,
    build_file_tables,
    build_name_tables,
    edge_sums,
    edge_weight,
    identifier_multiplier,
    name_multipliers,
)

Files = dict[str, tuple[dict[str, int], dict[str, int]]]

NAMES = [
    "",
    "x",
    "abc_def",  # snake but 7 characters
    "abcd_efg",
    "abcdefgh",
    "abcdEfgh",
    "ABCDEFGH",
    "aaaaaaa_",
    "_aaaaaaaa",
    "__init__",
    "________",
    "a_______",
    "aé_bcdefgh",
    "ÀBCDEFGHi",
    "éééééééé",
    "SessionMakerFactory",
    "render_page_header",
    "HTTP2Server",
    "x1_2",
    "\U0001f600abcdEfgh",
]


def test_name_multipliers_match_identifier_multiplier() -> None:
    rng = random.Random(2)
    alphabet = "aZ_9é\U0001f600-"
    names = NAMES + ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(500)]
    many = [rng.random() < 0.3 for _ in names]
    multipliers = name_multipliers(names, np.asarray(many)).tolist()
    assert multipliers == [identifier_multiplier(name, flag) for name, flag in zip(names, many, strict=True)]
    assert len(set(multipliers)) == 4  # 10, 1, 0.1, 0.01
    assert name_multipliers([], np.zeros(0, dtype=np.bool_)).tolist() == []


def random_files(seed: int) -> Files:
    rng = random.Random(seed)
    names = NAMES[1:] + [f"sym{i}" for i in range(30)] + ["get", "run"]
    files: Files = {}
    for i in range(rng.randint(1, 30)):
        defs = dict.fromkeys(rng.sample(names, rng.randint(0, 6)), 1)
        refs = {name: rng.choice([0, 1, 2, 3, 7, 255, 256, 900]) for name in rng.sample(names, rng.randint(0, 14))}
        files[f"m{i:02d}.py"] = (defs, refs)
    for i in range(rng.choice([0, 7, MAX_DEFINERS + 1])):  # "get" defined in many files
        files[f"many{i:02d}.py"] = ({"get": 1}, {"get": 2})
    return files


def build(files: Files, *, reverse: bool) -> ReferenceGraph:
    graph = ReferenceGraph()
    for path, (defs, refs) in sorted(files.items(), reverse=reverse):
        graph.replace_file(path, defs, refs)
    return graph


@pytest.mark.parametrize("seed", range(25))
def test_tables_hold_the_weights_edge_weight_gives(seed: int) -> None:
    graph = build(random_files(seed), reverse=seed % 2 == 0)
    tables = graph.name_tables()
    nodes, names = tables.nodes, tables.names
    assert nodes == graph.files
    rows = list(zip(tables.ref_name.tolist(), tables.ref_node.tolist(), tables.ref_weight.tolist(), strict=True))
    assert rows == sorted(rows)  # by name id, then file
    expected = sorted(
        (names.index(name), nodes.index(path), edge_weight(name, len(definers), count))
        for name, definers in graph.defines.items()
        if len(definers) <= MAX_DEFINERS
        for path, count in graph.references.get(name, {}).items()
    )
    assert rows == expected
    own_weights = zip(tables.def_name.tolist(), tables.def_node.tolist(), tables.def_own.tolist(), strict=True)
    for name, node, own in own_weights:
        path = nodes[node]
        assert path in graph.defines[names[name]]
        weights = dict(graph.reference_weights(names[name]))
        assert own == weights.get(path, 0)
    assert len(tables.def_name) == sum(len(definers) for definers in graph.defines.values())


@pytest.mark.parametrize("seed", range(25))
def test_edge_sums_equal_the_summed_contributions(seed: int) -> None:
    graph = build(random_files(seed), reverse=seed % 3 == 0)
    tables = graph.name_tables()
    totals = Counter[tuple[int, int]]()
    for name in graph.defines:
        for src, dst, weight in graph.contributions(name):
            totals[tables.nodes.index(src), tables.nodes.index(dst)] += weight
    expected = sorted((src, dst, weight) for (src, dst), weight in totals.items())
    for limit in (1 << 22, 0):  # bincount over every pair, and the sort for big graphs
        sums = [array.tolist() for array in edge_sums(tables, dense_limit=limit)]
        assert list(zip(*sums, strict=True)) == expected


def readable(tables: NameTables) -> tuple[list[tuple[str, str, int]], list[tuple[str, str, int]], list[str]]:
    """The tables with names and paths for ids (ids differ between patched and fresh tables)."""
    names, nodes = tables.names, tables.nodes
    defs = zip(tables.def_name.tolist(), tables.def_node.tolist(), tables.def_own.tolist(), strict=True)
    refs = zip(tables.ref_name.tolist(), tables.ref_node.tolist(), tables.ref_weight.tolist(), strict=True)
    return (
        sorted((names[name], nodes[node], own) for name, node, own in defs),
        sorted((names[name], nodes[node], weight) for name, node, weight in refs),
        sorted(names[i] for i in tables.kept.tolist()),
    )


@pytest.mark.parametrize("seed", range(20))
def test_patched_tables_equal_fresh_ones(seed: int) -> None:
    rng = random.Random(seed)
    files = random_files(seed)
    graph = build(files, reverse=False)
    graph.name_tables()
    extra = random_files(seed + 100)
    paths = sorted(files)
    for step in range(rng.randint(1, 6)):  # edits that keep the set of files
        path = rng.choice(paths)
        defs, refs = extra.get(path, files[path])
        if step % 2 or not (defs or refs):
            defs = {**defs, f"fresh_name_{step}": 1}  # a name the tables have no id for yet
        files[path] = (defs, {**refs, f"ref_{step}": 2, "get": rng.randint(1, 300)})
        graph.replace_file(path, *files[path])
        if rng.random() < 0.3:
            graph.name_tables()
    patched = graph.name_tables()
    fresh = build(files, reverse=True).name_tables()
    assert patched.nodes == fresh.nodes
    assert readable(patched) == readable(fresh)
    assert patched.def_name.tolist() == sorted(patched.def_name.tolist())  # by name id, as edge_sums needs
    for a, b in zip(edge_sums(patched), edge_sums(fresh), strict=True):
        assert a.tolist() == b.tolist()


def test_tables_follow_changes_and_removed_files() -> None:
    graph = build({"a.py": ({"alpha_beta": 1}, {}), "b.py": ({}, {"alpha_beta": 4})}, reverse=False)
    first = graph.name_tables()
    assert graph.name_tables() is first  # cached
    graph.replace_file("b.py", {}, {"alpha_beta": 4})  # no change
    assert graph.name_tables() is first
    graph.replace_file("a.py", {}, {})
    tables = graph.name_tables()
    assert tables is not first and tables.nodes == ["b.py"] and tables.names == []
    assert [len(array) for array in edge_sums(tables)] == [0, 0, 0]


def test_reference_weights_asked_before_the_first_flush_follow_later_changes() -> None:
    graph = build({"a.py": ({"alpha_beta": 1}, {}), "b.py": ({}, {"alpha_beta": 4})}, reverse=False)
    assert graph.reference_weights("alpha_beta") == (("b.py", edge_weight("alpha_beta", 1, 4)),)
    graph.replace_file("c.py", {}, {"alpha_beta": 9})
    graph.flush()
    assert graph.reference_weights("alpha_beta") == (
        ("b.py", edge_weight("alpha_beta", 1, 4)),
        ("c.py", edge_weight("alpha_beta", 1, 9)),
    )


def test_tables_of_an_empty_graph() -> None:
    tables = build_name_tables([], {}, {})
    assert tables.names == [] and len(tables.def_node) == 0 and len(tables.ref_node) == 0
    assert [len(array) for array in edge_sums(tables)] == [0, 0, 0]


def definer_counts(tables: NameTables) -> dict[str, int]:
    return dict(zip(tables.names, tables.definers.tolist(), strict=True))


@pytest.mark.parametrize("seed", range(25))
def test_tables_from_the_files_equal_tables_from_the_names(seed: int) -> None:
    files = random_files(seed)
    graph = build(files, reverse=seed % 2 == 1)
    nodes = sorted(path for path, (defs, refs) in files.items() if defs or refs)
    by_file = build_file_tables(
        nodes, {path: defs for path, (defs, _) in files.items()}, {path: refs for path, (_, refs) in files.items()}
    )
    by_name = build_name_tables(nodes, graph.defines, graph.references)
    assert readable(by_file) == readable(by_name)
    assert definer_counts(by_file) == definer_counts(by_name)
    assert by_file.def_name.tolist() == sorted(by_file.def_name.tolist())  # by name id, as edge_sums needs
    for a, b in zip(edge_sums(by_file), edge_sums(by_name), strict=True):
        assert a.tolist() == b.tolist()


def test_tables_from_no_files() -> None:
    tables = build_file_tables([], {}, {})
    assert tables.names == [] and len(tables.kept) == 0 and [len(array) for array in edge_sums(tables)] == [0, 0, 0]
