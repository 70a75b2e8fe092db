"""Repo map benchmark: Outrider's map against aider's on a real repository from a PyPI sdist.

    .venv/bin/python bench/repomap.py                       # sqlalchemy 2.0.x sdist, ours only
    .venv/bin/python bench/repomap.py --with-aider          # also aider's RepoMap (own venv)
    .venv/bin/python bench/repomap.py --repo PATH --budget 2048 --runs 5 --json-out out.json
    .venv/bin/python bench/repomap.py --baseline out.json   # adds a column: change vs. the baseline
    .venv/bin/python bench/repomap.py --against /tmp/old    # cold build side by side with another checkout

Prints a table of medians over --runs runs: cold build (empty cache, ``index_sync`` + ``render``
with the helper processes; also in one process, ``workers=1``), warm build (cache present), time
from a one-file edit to the updated map (the first edit right after the warm index, which builds
what edits need, and then, after the background parse as in the server, a steady-state edit), the
map's size in tokens (``count_tokens``) against the budget, and whether two processes render
identical bytes; and the machine's speed before and after (a fixed Python loop: this shared
machine's speed drifts by 2x and more, so ``--against DIR`` also times the cold build of another
checkout of this project, alternating fresh processes with this one's in the same minutes: the fair
comparison on such a machine). Downloads and the unpacked tree
stay under ``bench/.cache/`` (gitignored); the tree is made a git repository so both maps list
files the way they would in a real checkout.

aider runs in ``bench/.cache/aider-venv`` (created on first use with ``pip install aider-chat``).
Its default tokenizer would be fetched over the network, so the child gives aider's RepoMap a
local counter (``len(text) / 4``, what aider's own sampling estimate assumes) instead; the size
figure for both maps is then measured with our ``count_tokens`` on the returned text.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / ".cache"
AIDER_VENV = CACHE / "aider-venv"
DEFAULT_SDIST = "sqlalchemy==2.0.*"
EDIT = "\n\ndef bench_added_function_{n}(value: int) -> int:\n    return value + {n}\n"

sys.path.insert(0, str(ROOT))


# ---------------------------------------------------------------------------------------------
# The tree
# ---------------------------------------------------------------------------------------------


def prepare_tree(spec: str) -> Path:
    """Download and unpack `spec`'s sdist once; make it a git repository; return its root."""
    downloads = CACHE / "sdist"
    downloads.mkdir(parents=True, exist_ok=True)
    archives = sorted(downloads.glob(f"{spec.split('=')[0].lower()}-*.tar.gz"))
    if not archives:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps", spec, "-d", str(downloads)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        archives = sorted(downloads.glob(f"{spec.split('=')[0].lower()}-*.tar.gz"))
    archive = archives[-1]
    tree = CACHE / "trees" / archive.name.removesuffix(".tar.gz")
    if not (tree / ".git").is_dir():
        shutil.rmtree(tree, ignore_errors=True)
        tree.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive) as tar:
            tar.extractall(tree.parent, filter="data")
        git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "-C", str(tree)]
        subprocess.run([*git, "init", "-q"], check=True)
        subprocess.run([*git, "add", "-A"], check=True)
        subprocess.run([*git, "commit", "-q", "-m", "sdist"], check=True)
    return tree


def edit_target(tree: Path) -> str:
    """A typical file to edit: the median-sized Python module under lib/ (or anywhere)."""
    files = sorted(tree.glob("lib/**/*.py")) or sorted(tree.glob("**/*.py"))
    files.sort(key=lambda path: (path.stat().st_size, path.as_posix()))
    return files[len(files) // 2].relative_to(tree).as_posix()


def tree_stats(tree: Path) -> tuple[int, int]:
    from context.safety.files import list_workspace_files
    from context.source.languages import language_for_path

    files = [p for p in list_workspace_files(tree) if language_for_path(p) is not None]
    lines = sum((tree / p).read_bytes().count(b"\n") for p in files)
    return len(files), lines


# ---------------------------------------------------------------------------------------------
# Ours
# ---------------------------------------------------------------------------------------------


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the parser pool's workers)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _timed(action: Any) -> tuple[tuple[float, float], Any]:
    """(wall seconds, CPU seconds) and the action's result."""
    gc.collect()
    start, cpu = time.perf_counter(), _cpu()
    result = action()
    return (time.perf_counter() - start, _cpu() - cpu), result


def _median(pairs: list[tuple[float, float]], which: int, scale: float = 1.0) -> float:
    return scale * statistics.median(pair[which] for pair in pairs)


def measure_ours(tree: Path, budget: int, runs: int, target: str) -> dict[str, Any]:
    from context.repomap.index import RepoMap
    from context.tokens import count_tokens

    cold: list[tuple[float, float]] = []
    cold_single: list[tuple[float, float]] = []  # workers=1: no lexing helper, one core
    warm: list[tuple[float, float]] = []
    update: list[tuple[float, float]] = []
    update_only: list[tuple[float, float]] = []
    first_update: list[tuple[float, float]] = []
    background: list[tuple[float, float]] = []
    rendered = ""
    with tempfile.TemporaryDirectory() as scratch:
        for run in range(runs):
            cache_dir = Path(scratch) / f"cold{run}"

            def build(cache: Path = cache_dir, workers: int | None = None) -> tuple[RepoMap, str]:
                repo_map = RepoMap(tree, cache, workers=workers)
                repo_map.index_sync()
                rendered = repo_map.render(budget)
                repo_map.helpers.stop()  # the parsing helper's CPU is counted once it is reaped
                return repo_map, rendered

            seconds, _ = _timed(lambda: build(Path(scratch) / f"single{run}", 1))  # noqa: B023
            cold_single.append(seconds)
            seconds, (cold_map, rendered) = _timed(build)
            cold.append(seconds)
            seconds, _ = _timed(cold_map.parse_remaining_sync)  # phase 2: every file's tags, empty tag cache
            background.append(seconds)
            seconds, (repo_map, _) = _timed(build)
            warm.append(seconds)
            text = (tree / target).read_text(encoding="utf-8") + EDIT.format(n=run)
            repo_map.render(budget, focus_files=[target])
            seconds, _ = _timed(lambda: repo_map.update_file(target, text))  # noqa: B023
            first_update.append(seconds)  # builds what edits need (the background parse does it first)
            repo_map.update_file(target, None)
            repo_map.parse_remaining_sync()  # as the server does right after indexing
            repo_map.render(budget, focus_files=[target])
            seconds, _ = _timed(lambda: repo_map.update_file(target, text))  # noqa: B023
            update_only.append(seconds)
            repo_map.update_file(target, None)
            repo_map.render(budget, focus_files=[target])
            seconds, _ = _timed(
                lambda: (repo_map.update_file(target, text), repo_map.render(budget, focus_files=[target]))  # noqa: B023
            )
            update.append(seconds)
    return {
        "cold_s": _median(cold, 0),
        "warm_s": _median(warm, 0),
        "update_ms": _median(update, 0, 1000),
        "update_index_ms": _median(update_only, 0, 1000),
        "first_update_ms": _median(first_update, 0, 1000),
        "cold_cpu_s": _median(cold, 1),
        "cold_single_s": _median(cold_single, 0),
        "cold_single_cpu_s": _median(cold_single, 1),
        "background_s": _median(background, 0),
        "background_cpu_s": _median(background, 1),
        "warm_cpu_s": _median(warm, 1),
        "update_cpu_ms": _median(update, 1, 1000),
        "update_index_cpu_ms": _median(update_only, 1, 1000),
        "tokens": count_tokens(rendered),
        "deterministic": ours_deterministic(tree, budget),
    }


_OURS_CHILD = """
import sys, tempfile
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from context.repomap.index import RepoMap
with tempfile.TemporaryDirectory() as cache:
    repo_map = RepoMap(Path(sys.argv[1]), Path(cache))
    repo_map.index_sync()
    sys.stdout.write(repo_map.render(int(sys.argv[2])))
"""


def ours_deterministic(tree: Path, budget: int) -> bool:
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", _OURS_CHILD, str(tree), str(budget), str(ROOT)],
            env=env,
            capture_output=True,
            check=True,
        )
        outputs.append(hashlib.sha256(result.stdout).hexdigest())
    return outputs[0] == outputs[1]


_SIDE_BY_SIDE_CHILD = """
import sys, tempfile, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from context.repomap.index import RepoMap
tree, budget, builds = Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
RepoMap(tree, None, workers=1).index_sync()  # imports and first compiles, as before measure_ours's runs
for _ in range(builds):
    with tempfile.TemporaryDirectory() as cache:
        started = time.perf_counter()
        repo_map = RepoMap(tree, Path(cache))
        repo_map.index_sync()
        repo_map.render(budget)
        helpers = getattr(repo_map, "helpers", None)
        if helpers is not None:
            helpers.stop()
        print(time.perf_counter() - started, flush=True)
"""


def side_by_side(tree: Path, budget: int, rounds: int, other: Path, builds: int = 3) -> dict[str, Any]:
    """Cold builds (as in measure_ours) of this checkout and `other`, in fresh processes that
    alternate, `builds` per process: medians and their ratio."""
    times: dict[Path, list[float]] = {ROOT: [], other: []}
    for _ in range(rounds):
        for code in times:
            result = subprocess.run(
                [sys.executable, "-c", _SIDE_BY_SIDE_CHILD, str(code), str(tree), str(budget), str(builds)],
                env={**os.environ, "PYTHONPATH": str(code)},
                cwd=code,
                capture_output=True,
                text=True,
                check=True,
            )
            times[code].extend(float(line) for line in result.stdout.split())
    this, that = statistics.median(times[ROOT]), statistics.median(times[other])
    return {"other": str(other), "builds": len(times[ROOT]), "this_s": this, "other_s": that, "ratio": that / this}


# ---------------------------------------------------------------------------------------------
# aider
# ---------------------------------------------------------------------------------------------

_AIDER_CHILD = r"""
import json, os, shutil, statistics, subprocess, sys, time
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
from aider.io import InputOutput
from aider.repomap import RepoMap

root, budget, runs, target, mode, out_path = sys.argv[1:7]
budget, runs = int(budget), int(runs)

class LocalModel:
    # aider's RepoMap only asks the model for token counts (and its name in some versions).
    name = "local"
    def token_count(self, text):
        return len(text) / 4

files = subprocess.run(["git", "-C", root, "ls-files"], capture_output=True, text=True, check=True).stdout.split()
paths = sorted(os.path.join(root, f) for f in files)
io = InputOutput(yes=True, pretty=False, fancy_input=False)

def cache_dir():
    return [os.path.join(root, d) for d in os.listdir(root) if d.startswith(".aider.tags.cache")]

def fresh(refresh="auto"):
    return RepoMap(map_tokens=budget, root=root, main_model=LocalModel(), io=io, refresh=refresh)

def timed(fn):
    start, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return (time.perf_counter() - start, time.process_time() - cpu), out

if mode == "render":  # aider prints progress on stdout: results go to a file
    with open(out_path, "w", encoding="utf-8") as handle:
        handle.write(fresh().get_repo_map([], paths) or "")
    sys.exit(0)
cold, warm, update = [], [], []
med = lambda pairs, i: statistics.median(p[i] for p in pairs)
text = None
for run in range(runs):
    for d in cache_dir():
        shutil.rmtree(d)
    seconds, text = timed(lambda: fresh().get_repo_map([], paths))
    cold.append(seconds)
    seconds, _ = timed(lambda: fresh().get_repo_map([], paths))
    warm.append(seconds)
    live = fresh(refresh="always")
    live.get_repo_map([], paths)
    target_path = os.path.join(root, target)
    original = open(target_path, encoding="utf-8").read()
    try:
        with open(target_path, "w", encoding="utf-8") as handle:
            handle.write(original + "\n\ndef bench_added_function_%d(value: int) -> int:\n    return value\n" % run)
        seconds, _ = timed(lambda: live.get_repo_map([target_path], [p for p in paths if p != target_path]))
        update.append(seconds)
    finally:
        with open(target_path, "w", encoding="utf-8") as handle:
            handle.write(original)
for d in cache_dir():
    shutil.rmtree(d)
with open(out_path, "w", encoding="utf-8") as handle:
    json.dump({"cold_s": med(cold, 0), "warm_s": med(warm, 0), "update_ms": 1000 * med(update, 0),
               "cold_cpu_s": med(cold, 1), "warm_cpu_s": med(warm, 1), "update_cpu_ms": 1000 * med(update, 1),
               "map": text or ""}, handle)
"""


def ensure_aider() -> Path:
    python = AIDER_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(AIDER_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "aider-chat"], check=True)
    return python


def _run_aider(python: Path, args: list[str], env: dict[str, str]) -> str:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "out"
        result = subprocess.run(
            [str(python), "-c", _AIDER_CHILD, *args, str(out)],
            env=env,
            capture_output=True,
            text=True,
            cwd=scratch,
        )
        if result.returncode != 0 or not out.exists():
            raise SystemExit(f"aider run failed:\n{result.stderr[-4000:]}")
        return out.read_text(encoding="utf-8")


def measure_aider(tree: Path, budget: int, runs: int, target: str) -> dict[str, Any]:
    from context.tokens import count_tokens

    python = ensure_aider()
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "AIDER_ANALYTICS": "false"}
    try:
        figures: dict[str, Any] = json.loads(
            _run_aider(python, [str(tree), str(budget), str(runs), target, "measure"], env)
        )
        figures["tokens"] = count_tokens(figures.pop("map"))
        digests = [
            hashlib.sha256(
                _run_aider(
                    python, [str(tree), str(budget), "1", target, "render"], {**env, "PYTHONHASHSEED": seed}
                ).encode()
            ).hexdigest()
            for seed in ("1", "2")
        ]
        figures["deterministic"] = digests[0] == digests[1]
    finally:
        for leftover in tree.glob(".aider.tags.cache*"):
            shutil.rmtree(leftover)
    return figures


# ---------------------------------------------------------------------------------------------
# Table
# ---------------------------------------------------------------------------------------------

ROWS = [
    ("cold build, empty cache: wall (s)", "cold_s", "{:.2f}"),
    ("cold build, empty cache: CPU (s)", "cold_cpu_s", "{:.2f}"),
    ("cold build in one process (workers=1, no lexing helper): wall (s)", "cold_single_s", "{:.2f}"),
    ("cold build in one process (workers=1, no lexing helper): CPU (s)", "cold_single_cpu_s", "{:.2f}"),
    ("full parse in background (phase 2, after the cold build): wall (s)", "background_s", "{:.2f}"),
    ("full parse in background (phase 2, after the cold build): CPU (s)", "background_cpu_s", "{:.2f}"),
    ("warm build, cache present: wall (s)", "warm_s", "{:.2f}"),
    ("warm build, cache present: CPU (s)", "warm_cpu_s", "{:.2f}"),
    ("first edit right after a warm index, before the background parse: wall (ms)", "first_update_ms", "{:.0f}"),
    ("one-file edit -> inputs updated: wall (ms)", "update_index_ms", "{:.0f}"),
    ("one-file edit -> inputs updated: CPU (ms)", "update_index_cpu_ms", "{:.0f}"),
    ("one-file edit -> map re-rendered: wall (ms)", "update_ms", "{:.0f}"),
    ("one-file edit -> map re-rendered: CPU (ms)", "update_cpu_ms", "{:.0f}"),
    ("map tokens (budget {budget})", "tokens", "{}"),
    ("same bytes in two processes", "deterministic", "{}"),
]


def _cell(value: Any, fmt: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return fmt.format(value)


def machine_speed() -> float:
    """Seconds a fixed pure-Python loop takes now (best of 3): this shared machine's speed drifts by
    2x (0.42 to 1.1 s seen on the same day), so wall figures are printed with it."""
    best = float("inf")
    for _ in range(3):
        started, total = time.perf_counter(), 0
        for i in range(10_000_000):
            total += i & 7
        best = min(best, time.perf_counter() - started)
    return best


def print_table(
    meta: dict[str, Any], ours: dict[str, Any], aider: dict[str, Any] | None, baseline: dict[str, Any] | None
) -> None:
    print(
        f"repo: {meta['repo']} ({meta['files']} source files, {meta['lines']} lines), budget {meta['budget']} tokens,"
        f" median of {meta['runs']} runs, edited file {meta['target']}; load {os.getloadavg()[0]:.2f}"
    )
    if "machine_loop_s" in meta:
        first, last = meta["machine_loop_s"]
        print(f"machine speed: a fixed Python loop took {first:.2f} s before and {last:.2f} s after (lower is faster)")
    header = ["figure", "outrider", "aider", "aider / outrider"]
    if baseline:
        header.append("outrider baseline")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for label, key, fmt in ROWS:
        ours_value = ours.get(key)
        aider_value = aider.get(key) if aider else None
        ratio = "-"
        if isinstance(ours_value, float) and isinstance(aider_value, float) and ours_value > 0:
            ratio = f"{aider_value / ours_value:.1f}x"
        row = [label.format(**meta), _cell(ours_value, fmt), _cell(aider_value, fmt), ratio]
        if baseline:
            row.append(_cell(baseline.get("ours", {}).get(key), fmt))
        print("| " + " | ".join(row) + " |")


def print_quality(tree: Path, budget: int, baseline: dict[str, Any]) -> None:
    """Ranking quality rows: precision now and in the baseline, overlap of the rendered sets."""
    import repomap_quality

    figures = repomap_quality.summary(repomap_quality.measure(tree, budget, repomap_quality.EVERY), baseline)
    print()
    print(f"| ranking quality ({int(figures['focus_files'])} focus files, budget {budget}) | outrider | baseline |")
    print("|---|---|---|")
    print(
        f"| precision: rendered definitions the focus file references | {figures['precision']:.3f} |"
        f" {figures['baseline_precision']:.3f} |"
    )
    print(f"| definitions rendered per map (mean) | {figures['definitions']:.1f} | - |")
    print(f"| overlap with the baseline's rendered definitions (Jaccard, mean) | {figures['overlap']:.3f} | - |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, help="an existing checkout instead of the sdist")
    parser.add_argument("--sdist", default=DEFAULT_SDIST, help=f"pip requirement to download (default {DEFAULT_SDIST})")
    parser.add_argument("--budget", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--with-aider", action="store_true", help="also measure aider's RepoMap (installs it)")
    parser.add_argument("--baseline", type=Path, help="a --json-out file to compare against")
    parser.add_argument("--json-out", type=Path, help="write the figures as JSON")
    parser.add_argument("--aider-results", type=Path, help="reuse aider figures from an earlier --json-out")
    parser.add_argument(
        "--quality-baseline",
        type=Path,
        help="also measure ranking quality (bench/repomap_quality.py) against this --json-out of that script",
    )
    parser.add_argument("--against", type=Path, help="another checkout: its cold build side by side with this one")
    args = parser.parse_args(argv)

    tree = args.repo.resolve() if args.repo else prepare_tree(args.sdist)
    target = edit_target(tree)
    files, lines = tree_stats(tree)
    meta = {
        "repo": tree.name,
        "files": files,
        "lines": lines,
        "budget": args.budget,
        "runs": args.runs,
        "target": target,
    }
    before = machine_speed()
    ours = measure_ours(tree, args.budget, args.runs, target)
    if args.against:
        ours["side_by_side"] = side_by_side(tree, args.budget, args.runs, args.against.resolve())
    meta["machine_loop_s"] = [before, machine_speed()]
    aider = measure_aider(tree, args.budget, args.runs, target) if args.with_aider else None
    if aider is None and args.aider_results:
        saved = json.loads(args.aider_results.read_text())
        aider = saved.get("aider", saved)
    baseline = json.loads(args.baseline.read_text()) if args.baseline else None
    print_table(meta, ours, aider, baseline)
    if "side_by_side" in ours:
        pair = ours["side_by_side"]
        print(
            f"\ncold build side by side ({pair['builds']} builds each, fresh processes alternating): this checkout"
            f" {pair['this_s']:.2f} s, {pair['other']} {pair['other_s']:.2f} s (that / this: {pair['ratio']:.2f}x)"
        )
    if args.quality_baseline:
        print_quality(tree, args.budget, json.loads(args.quality_baseline.read_text()))
    if args.json_out:
        args.json_out.write_text(json.dumps({"meta": meta, "ours": ours, "aider": aider}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
