"""Edge weights of the reference graph (:mod:`context.repomap.graph`), and every file's names as arrays.

Weights follow aider's repo map, kept as integers (see :mod:`context.repomap.graph`): ``SCALE x sqrt(number
of references)`` from the referencing file, x10 for long, specific identifiers (``snake_case`` or
``camelCase``, 8+ characters), x0.1 for private ones (``_name``) and for names defined in more than
5 files; names defined in more than MAX_DEFINERS files make no edges.

:class:`NameTables` holds the same weights for every name at once, as numpy arrays over the sorted
files, built with no Python-level loop from every file's names (:func:`build_file_tables`, as the
graph's first flush does) or from per-name mappings (:func:`build_name_tables`); after an edit
:func:`patch_name_tables` recomputes only the changed names' rows: the first flush
sums its edges from them (:func:`edge_sums`) and the ranked walk (:mod:`context.repomap.pagerank`) scores
every definition from them. Weights equal :func:`edge_weight` exactly (``np.rint`` rounds half to
even, as ``round`` does; the factors multiply in the same order; :func:`name_multipliers` equals
:func:`identifier_multiplier`).
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt

SCALE = 1000
MAX_DEFINERS = 40
MANY_DEFINERS = 5
DENSE_EDGE_LIMIT = 1 << 22  # edge_sums: most (src, dst) pairs summed with one bincount
_SNAKE = re.compile(r"[A-Za-z0-9]_[A-Za-z0-9]")
_UPPER = re.compile(r"[A-Z]")
_LOWER = re.compile(r"[a-z]")
_SQRT = [math.sqrt(n) for n in range(256)]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def _multiplier(specific: bool, private: bool, many_definers: bool) -> float:
    multiplier = 1.0
    if specific:
        multiplier *= 10
    if private:
        multiplier *= 0.1
    if many_definers:
        multiplier *= 0.1
    return multiplier


# [specific][private][many_definers], multiplied in that order (float products depend on it)
_MULTIPLIERS = np.array([[[_multiplier(s, p, m) for m in (False, True)] for p in (False, True)] for s in (False, True)])


@functools.lru_cache(maxsize=1 << 16)
def identifier_multiplier(name: str, many_definers: bool) -> float:
    """How much a reference to `name` says about the files involved (see the module docstring)."""
    specific = len(name) >= 8 and bool(_SNAKE.search(name) or (_UPPER.search(name) and _LOWER.search(name)))
    return _multiplier(specific, name.startswith("_"), many_definers)


def edge_weight(name: str, definer_count: int, reference_count: int) -> int:
    """The integer weight one referencing file adds to each definer of `name` (at least 1)."""
    multiplier = identifier_multiplier(name, definer_count > MANY_DEFINERS)
    return max(1, round(SCALE * multiplier * _SQRT[reference_count if reference_count < 256 else 255]))


class WeightsByCount(dict[int, int]):
    """edge_weight of one name by reference count, computed on first use (most counts are small)."""

    __slots__ = ("scale",)

    def __init__(self, scale: float) -> None:
        super().__init__()
        self.scale = scale

    def __missing__(self, count: int) -> int:
        weight = self[count] = max(1, round(self.scale * _SQRT[count if count < 256 else 255]))
        return weight


def name_multipliers(names: list[str], many_definers: BoolArray) -> FloatArray:
    """:func:`identifier_multiplier` of every name at once, over their code points (ASCII classes,
    lengths in code points, as the regular expressions there)."""
    if not names:
        return np.zeros(0, dtype=np.float64)
    lengths = np.fromiter(map(len, names), dtype=np.int64, count=len(names))
    text = "\x00".join(names) + "\x00"  # a separator that is neither alphanumeric nor "_"
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    upper = (points >= 65) & (points <= 90)
    lower = (points >= 97) & (points <= 122)
    alnum = upper | lower | ((points >= 48) & (points <= 57))
    snake = np.zeros(len(points), dtype=np.bool_)
    snake[1:-1] = alnum[:-2] & (points[1:-1] == 95) & alnum[2:]
    starts = np.cumsum(lengths + 1) - (lengths + 1)

    def anywhere(flags: BoolArray) -> BoolArray:
        return np.add.reduceat(flags.astype(np.int64), starts) > 0

    specific = (lengths >= 8) & (anywhere(snake) | (anywhere(upper) & anywhere(lower)))
    private = points[starts] == 95  # an empty name starts with the separator
    multipliers: FloatArray = _MULTIPLIERS[
        specific.astype(np.intp), private.astype(np.intp), many_definers.astype(np.intp)
    ]
    return multipliers


@dataclass(frozen=True)
class NameTables:
    """Every definition and every edge-making reference as arrays; files are indexes into `nodes`.

    ``ref_*`` cover the references to names that make edges (defined in 1..MAX_DEFINERS files),
    sorted by (name id, file): each name's referencing files in path order. ``def_*`` cover every
    (file, defined name), by name id; ``def_own`` is the weight of the file's own
    references to the name (0 when it has none or the name makes no edges). Name ids are positions
    in ``names`` (the graph's insertion order: labels, never an order).
    """

    nodes: list[str]
    names: list[str]
    definers: IntArray  # per name id: how many files define it
    kept: IntArray  # the ids of the names that make edges, ascending
    def_node: IntArray
    def_name: IntArray
    def_own: IntArray
    ref_node: IntArray
    ref_name: IntArray
    ref_weight: IntArray

    @functools.cached_property
    def name_ids(self) -> dict[str, int]:
        return dict(zip(self.names, itertools.count()))


def build_name_tables(
    nodes: list[str], defines: Mapping[str, Mapping[str, int]], references: Mapping[str, Mapping[str, int]]
) -> NameTables:
    """The tables of the graph's per-name definers and referencers (file -> count); `nodes` sorted,
    every file in those mappings among them."""
    node_index = dict(zip(nodes, itertools.count()))
    names = list(defines)
    definer_maps = list(defines.values())
    definers = np.fromiter(map(len, definer_maps), dtype=np.int64, count=len(names))
    total = int(definers.sum())
    def_node = np.fromiter(map(node_index.__getitem__, itertools.chain.from_iterable(definer_maps)), np.int64, total)
    def_name = np.repeat(np.arange(len(names), dtype=np.int64), definers)
    eligible = np.flatnonzero(definers <= MAX_DEFINERS).tolist()
    looked_up = list(map(references.get, map(names.__getitem__, eligible)))
    referenced = list(map(bool, looked_up))  # C loops throughout: this is the slow part on cold memory
    kept_ids = list(itertools.compress(eligible, referenced))
    ref_maps = cast("list[Mapping[str, int]]", list(itertools.compress(looked_up, referenced)))
    kept = np.asarray(kept_ids, dtype=np.int64)
    sizes = np.fromiter(map(len, ref_maps), dtype=np.int64, count=len(ref_maps))
    total = int(sizes.sum())
    ref_node = np.fromiter(map(node_index.__getitem__, itertools.chain.from_iterable(ref_maps)), np.int64, total)
    counts = itertools.chain.from_iterable(ref_map.values() for ref_map in ref_maps)
    ref_count = np.fromiter(counts, dtype=np.int64, count=total)
    ref_name = np.repeat(kept, sizes)
    width = max(len(nodes), 1)
    order = np.argsort(ref_name * width + ref_node)  # by name id, then file (keys are unique)
    ref_name, ref_node, ref_count = ref_name[order], ref_node[order], ref_count[order]
    return _weighed_tables(nodes, names, definers, kept, def_node, def_name, ref_node, ref_name, ref_count)


def invert_names(per_file: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, int]]:
    """name -> {file: count} from file -> {name: count} (a plain loop is the fastest way found)."""
    table: dict[str, dict[str, int]] = {}
    get = table.get
    for path, names in per_file.items():
        for name, count in names.items():
            entry = get(name)
            if entry is None:
                table[name] = {path: count}
            else:
                entry[path] = count
    return table


GIL_CHUNK = 1 << 16  # items per C call on large tables: a long C call holds the GIL (the event loop waits)
_MAPS_PER_CALL = 1024  # files' name maps per call (a file names up to a few hundred)


def _chunked_ids(items: list[str], ids: Mapping[str, int], default: int | None) -> IntArray:
    """The id of each of `items` (`default` for a missing one; None: all present) as one array,
    computed in chunks so that other threads run in between (one call over a 50,000-file
    workspace's references held the GIL for 0.5 s)."""
    parts = []
    for start in range(0, len(items), GIL_CHUNK):
        chunk = items[start : start + GIL_CHUNK]
        found = map(ids.__getitem__, chunk) if default is None else map(ids.get, chunk, itertools.repeat(default))
        parts.append(np.fromiter(found, dtype=np.int64, count=len(chunk)))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _chained(maps: list[Mapping[str, int]]) -> list[str]:
    """``list(itertools.chain.from_iterable(maps))``, built a few thousand maps per call (one call
    over a 50,000-file workspace's references held the GIL for over 0.1 s)."""
    keys: list[str] = []
    for start in range(0, len(maps), _MAPS_PER_CALL):
        keys.extend(itertools.chain.from_iterable(maps[start : start + _MAPS_PER_CALL]))
    return keys


def build_file_tables(
    nodes: list[str], file_defs: Mapping[str, Mapping[str, int]], file_refs: Mapping[str, Mapping[str, int]]
) -> NameTables:
    """The same tables as :func:`build_name_tables`, straight from every file's names (name ->
    count), with no per-name mappings: name ids from one pass over the defined names, then arrays
    sorted by name id (name ids are labels: here the order of first definition in `nodes`)."""
    empty: Mapping[str, int] = {}
    def_maps = [file_defs.get(node, empty) for node in nodes]
    ref_maps = [file_refs.get(node, empty) for node in nodes]
    node_ids = np.arange(len(nodes), dtype=np.int64)
    defined = _chained(def_maps)
    first_seen: dict[str, None] = {}
    for start in range(0, len(defined), GIL_CHUNK):  # dict.fromkeys(defined), a chunk per call
        first_seen.update(dict.fromkeys(defined[start : start + GIL_CHUNK]))
    names = list(first_seen)
    name_ids: dict[str, int] = {}
    for start in range(0, len(names), GIL_CHUNK):
        name_ids.update(zip(names[start : start + GIL_CHUNK], itertools.count(start)))
    def_name = _chunked_ids(defined, name_ids, None)
    def_node = np.repeat(node_ids, np.fromiter(map(len, def_maps), dtype=np.int64, count=len(nodes)))
    by_name = np.argsort(def_name, kind="stable")
    def_name, def_node = def_name[by_name], def_node[by_name]
    definers = np.bincount(def_name, minlength=len(names)).astype(np.int64)
    ref_sizes = np.fromiter(map(len, ref_maps), dtype=np.int64, count=len(nodes))
    total = int(ref_sizes.sum())
    referenced = _chained(ref_maps)
    ref_name = _chunked_ids(referenced, name_ids, -1)
    counts = list(itertools.chain.from_iterable(ref_map.values() for ref_map in ref_maps))
    ref_count = np.concatenate(
        [np.asarray(counts[start : start + GIL_CHUNK], dtype=np.int64) for start in range(0, total, GIL_CHUNK)]
        or [np.zeros(0, dtype=np.int64)]
    )
    limits = np.append(definers, MAX_DEFINERS + 1)  # an undefined name (id -1) makes no edges either
    keep = np.flatnonzero(limits[ref_name] <= MAX_DEFINERS)
    ref_name, ref_node, ref_count = ref_name[keep], np.repeat(node_ids, ref_sizes)[keep], ref_count[keep]
    order = np.argsort(ref_name, kind="stable")  # by name id, then file (they were in file order)
    ref_name, ref_node, ref_count = ref_name[order], ref_node[order], ref_count[order]
    kept = np.flatnonzero(np.bincount(ref_name, minlength=len(names))).astype(np.int64)
    return _weighed_tables(nodes, names, definers, kept, def_node, def_name, ref_node, ref_name, ref_count)


def _weighed_tables(
    nodes: list[str],
    names: list[str],
    definers: IntArray,
    kept: IntArray,
    def_node: IntArray,
    def_name: IntArray,
    ref_node: IntArray,
    ref_name: IntArray,
    ref_count: IntArray,
) -> NameTables:
    """The tables with the references' weights (by count) and the definitions' own weights."""
    width = max(len(nodes), 1)
    scale = np.zeros(len(names), dtype=np.float64)
    many = definers[kept] > MANY_DEFINERS
    scale[kept] = SCALE * name_multipliers([names[i] for i in kept.tolist()], many)
    root = np.sqrt(np.minimum(ref_count, 255).astype(np.float64))
    ref_weight = np.maximum(np.rint(scale[ref_name] * root), 1).astype(np.int64)
    def_own = _own_weights(width, def_name, def_node, ref_name * width + ref_node, ref_weight)
    return NameTables(nodes, names, definers, kept, def_node, def_name, def_own, ref_node, ref_name, ref_weight)


def patch_name_tables(
    tables: NameTables,
    changed: Iterable[str],
    defines: Mapping[str, Mapping[str, int]],
    references: Mapping[str, Mapping[str, int]],
) -> NameTables:
    """`tables` with the rows of the `changed` names recomputed (the files must be the same: a
    file added or removed moves node indexes, rebuild then). A name's rows depend only on its own
    definers and referencers, so the other rows stay; new names get new ids."""
    names = list(tables.names)
    name_ids = dict(tables.name_ids)
    for name in sorted(changed):
        if name not in name_ids and name in defines:
            name_ids[name] = len(names)
            names.append(name)
    ids = sorted({name_ids[name] for name in changed if name in name_ids})
    node_index = dict(zip(tables.nodes, itertools.count()))
    definers = np.zeros(len(names), dtype=np.int64)
    definers[: len(tables.definers)] = tables.definers
    new_defs: list[tuple[int, int]] = []
    new_refs: list[tuple[int, int, int]] = []
    for name_id in ids:
        name = names[name_id]
        definer_paths = defines.get(name, {})
        definers[name_id] = len(definer_paths)
        new_defs.extend((name_id, node_index[path]) for path in definer_paths)
        referencers = references.get(name)
        if definer_paths and referencers and len(definer_paths) <= MAX_DEFINERS:
            rows = ((name_id, node_index[path], count) for path, count in referencers.items())
            new_refs.extend((i, node, edge_weight(name, len(definer_paths), count)) for i, node, count in rows)
    def_name, def_node = _replace_rows(tables.def_name, ids, new_defs, tables.def_node)
    by_name = np.argsort(def_name, kind="stable")  # def_* stay by name id (edge_sums needs it)
    def_name, def_node = def_name[by_name], def_node[by_name]
    ref_name, ref_node, ref_weight = _replace_rows(tables.ref_name, ids, new_refs, tables.ref_node, tables.ref_weight)
    width = max(len(tables.nodes), 1)
    order = np.argsort(ref_name * width + ref_node)
    ref_name, ref_node, ref_weight = ref_name[order], ref_node[order], ref_weight[order]
    def_own = _own_weights(width, def_name, def_node, ref_name * width + ref_node, ref_weight)
    kept = np.flatnonzero(np.bincount(ref_name, minlength=len(names)))
    return NameTables(tables.nodes, names, definers, kept, def_node, def_name, def_own, ref_node, ref_name, ref_weight)


def _replace_rows(
    by_name: IntArray, ids: list[int], rows: Sequence[tuple[int, ...]], *columns: IntArray
) -> list[IntArray]:
    """The columns (`by_name` first) without the rows of names `ids`, then `rows` appended."""
    stay = ~np.isin(by_name, ids)
    new = np.asarray(rows, dtype=np.int64).reshape(len(rows), 1 + len(columns))
    return [np.concatenate((column[stay], new[:, i])) for i, column in enumerate((by_name, *columns))]


def _own_weights(
    width: int, def_name: IntArray, def_node: IntArray, ref_keys: IntArray, ref_weight: IntArray
) -> IntArray:
    """Per definition: the weight of its file's references to the name (0 when none)."""
    if not len(ref_keys):
        return np.zeros(len(def_name), dtype=np.int64)
    def_keys = def_name * width + def_node
    at = np.minimum(np.searchsorted(ref_keys, def_keys), len(ref_keys) - 1)
    return np.where(ref_keys[at] == def_keys, ref_weight[at], 0).astype(np.int64)


def edge_sums(tables: NameTables, dense_limit: int = DENSE_EDGE_LIMIT) -> tuple[IntArray, IntArray, IntArray]:
    """(src, dst, weight) node indexes of every edge, sorted by (src, dst): per name, every
    referencing file gets an edge to every defining file but itself; weights summed per pair.

    With at most `dense_limit` possible pairs the sums are a ``bincount`` over all of them (exact:
    float64 holds every integer partial sum below 2**53, checked); otherwise a sort of the pairs.
    """
    definers = tables.definers
    first_definer = np.cumsum(definers) - definers  # def_* are by name id
    repeat = definers[tables.ref_name]  # per reference: its name's definers
    start = np.cumsum(repeat) - repeat  # where each reference's block starts in the expansion
    total = int(repeat.sum())
    pair_dst = tables.def_node[np.repeat(first_definer[tables.ref_name] - start, repeat) + np.arange(total)]
    width = len(tables.nodes)
    keys = np.repeat(tables.ref_node, repeat) * width + pair_dst  # self pairs too: dropped below
    pair_weight = np.repeat(tables.ref_weight, repeat)
    if width * width <= dense_limit and int(pair_weight.sum()) < 2**53:
        sums = np.bincount(keys, weights=pair_weight.astype(np.float64), minlength=width * width)
        sums[:: width + 1] = 0  # the diagonal: a file referencing a name it defines itself
        unique = np.flatnonzero(sums)  # every pair weighs at least 1
        totals = sums[unique].astype(np.int64)
    else:
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))[: len(keys)]
        sums_by_key = np.add.reduceat(pair_weight[order], starts) if len(keys) else keys
        off_diagonal = keys[starts] // width != keys[starts] % width
        unique = keys[starts][off_diagonal]
        totals = sums_by_key[off_diagonal].astype(np.int64)
    return unique // width, unique % width, totals
