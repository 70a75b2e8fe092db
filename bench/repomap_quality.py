"""Repo map ranking quality: how many rendered definitions the focus file actually uses.

    .venv/bin/python bench/repomap_quality.py --json-out new.json [--baseline old.json]

For focus files chosen deterministically (every ``--every``-th sorted Python path of the tree), the
map is rendered at ``--budget`` tokens with that file as ``focus_files``. Precision is the fraction
of the rendered definitions (path, name) whose name the focus file references according to its
tree-sitter tags (:func:`context.source.symbols.extract_tags`, role ``ref``). With ``--baseline`` (a
``--json-out`` from another version of the code, e.g. before a ranking change) it also prints the
overlap of the rendered definition sets (|A & B| / |A | B|, per focus file, averaged).

Works with any version of ``context`` that has ``RepoMap.render`` and ``maprender.MapBuilder``:
the rendered definitions are recorded by wrapping ``MapBuilder.try_add``. Set ``PYTHONPATH`` to
run it against another checkout (``git archive HEAD context | tar -x -C /tmp/old``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_TREE = HERE / ".cache" / "trees" / "sqlalchemy-2.0.58"
EVERY = 20

sys.path.append(str(HERE.parent))  # appended: a PYTHONPATH pointing at another checkout wins


def focus_files(paths: Sequence[str], every: int) -> list[str]:
    """Every `every`-th path of the sorted Python paths (deterministic)."""
    python = sorted(path for path in paths if path.endswith(".py"))
    return python[::every]


def measure(tree: Path, budget: int, every: int) -> dict[str, Any]:
    """Rendered definitions and precision per focus file."""
    import context.repomap.outline as maprender
    from context.repomap.index import RepoMap
    from context.source.languages import language_for_path
    from context.source.symbols import extract_tags

    recorded: list[tuple[str, str]] = []
    original = maprender.MapBuilder.try_add

    def recording(self: Any, path: str, chain: Sequence[Any]) -> bool:
        before = getattr(self, "cost", None)
        added = bool(original(self, path, chain))
        if added and getattr(self, "cost", None) != before:
            recorded.append((path, chain[-1].name))
        return added

    maprender.MapBuilder.try_add = recording  # type: ignore[method-assign]
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as cache:
        repo_map = RepoMap(tree, Path(cache))
        repo_map.index_sync()
        paths = [record.path for record in repo_map.records()]
        for focus in focus_files(paths, every):
            recorded.clear()
            repo_map.render(budget, focus_files=[focus])
            rendered = sorted(set(recorded))
            language = language_for_path(focus)
            assert language is not None
            tags = extract_tags((tree / focus).read_bytes(), language, focus)
            used = {tag.name for tag in tags if tag.role == "ref"}
            hits = sum(1 for _, name in rendered if name in used)
            results[focus] = {
                "rendered": [list(item) for item in rendered],
                "precision": hits / len(rendered) if rendered else 0.0,
            }
    maprender.MapBuilder.try_add = original  # type: ignore[method-assign]
    return results


def summary(results: dict[str, Any], baseline: dict[str, Any] | None) -> dict[str, float]:
    """Mean precision (and mean overlap with the baseline's rendered sets)."""
    figures = {
        "focus_files": float(len(results)),
        "precision": statistics.fmean(entry["precision"] for entry in results.values()),
        "definitions": statistics.fmean(len(entry["rendered"]) for entry in results.values()),
    }
    if baseline:
        overlaps = []
        for focus, entry in sorted(results.items()):
            other = baseline.get(focus)
            if other is None:
                continue
            mine = {tuple(item) for item in entry["rendered"]}
            theirs = {tuple(item) for item in other["rendered"]}
            union = mine | theirs
            overlaps.append(len(mine & theirs) / len(union) if union else 1.0)
        figures["baseline_precision"] = statistics.fmean(
            baseline[focus]["precision"] for focus in results if focus in baseline
        )
        figures["overlap"] = statistics.fmean(overlaps)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, default=DEFAULT_TREE)
    parser.add_argument("--budget", type=int, default=1024)
    parser.add_argument("--every", type=int, default=EVERY, help="every N-th sorted Python path is a focus file")
    parser.add_argument("--json-out", type=Path)
    parser.add_argument("--baseline", type=Path, help="a --json-out file of another version")
    args = parser.parse_args(argv)
    results = measure(args.tree.resolve(), args.budget, args.every)
    baseline = json.loads(args.baseline.read_text()) if args.baseline else None
    for key, value in summary(results, baseline).items():
        print(f"| {key} | {value:.3f} |")
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
