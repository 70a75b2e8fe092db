"""Filling the budget from ranked definitions (context/repomap/outline.py): the walk's bounds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from context.repomap import outline as maprender
from context.repomap.outline import render_definitions
from context.source.symbols import Tag


def tag(path: str, name: str, line: int) -> Tag:
    signature = "def x():" if name == "x" else f"def {name}(value, other, third):"  # x: small enough to fit
    return Tag(path, name, "def", "function", line, 0, len(name), signature, None, line)


def counted(items: list[tuple[float, str, str]], seen: list[int]) -> Iterator[tuple[float, str, str]]:
    for item in items:
        seen[0] += 1
        yield item


def test_after_the_first_miss_at_most_fill_scan_more_definitions_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    # a big first file fills the budget; then thousands of definitions of other files follow, and a
    # small one of the first file at the very end (found only by an unbounded scan)
    ranked = [(100.0 - i, "big.py", f"name_{i}") for i in range(40)]
    ranked += [(50.0 - i / 1e4, f"other_{i}.py", f"far_{i}") for i in range(5000)]
    ranked.append((0.0, "big.py", "x"))
    defs = {(p, n): [(tag(p, n, i), (tag(p, n, i),))] for i, (_, p, n) in enumerate(ranked)}

    def definitions_of(path: str, name: str) -> list[tuple[Tag, tuple[Tag, ...]]]:
        return defs[(path, name)]

    seen = [0]
    text = render_definitions(counted(ranked, seen), definitions_of, 120)
    first_miss = next(i for i in range(40) if f"name_{i}(" not in text)
    assert 0 < first_miss < 40 and "far_" not in text
    assert seen[0] == first_miss + 1 + maprender.FILL_SCAN + 1  # the miss, the scan, the item that ends it
    assert "def x(" not in text  # beyond the scan
    monkeypatch.setattr(maprender, "FILL_SCAN", 10**9)
    everything = [0]
    unbounded = render_definitions(counted(ranked, everything), definitions_of, 120)
    assert everything[0] == len(ranked) and "def x(" in unbounded  # what the bound saves, and costs
