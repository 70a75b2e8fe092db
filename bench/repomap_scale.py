"""A large repository must not stall the server: ``outrider lsp`` on a generated 50,000-file workspace.

    .venv/bin/python bench/repomap_scale.py                      # 50,000 files (generated once)
    .venv/bin/python bench/repomap_scale.py --files 5000 --runs 3 --json-out out.json
    .venv/bin/python bench/repomap_scale.py --baseline out.json  # adds a column: change vs. the baseline

The workspace (``bench/.cache/trees/synthetic-<N>``, a git repository, generated deterministically on
first use) holds N modules of about 1.7 KB: 85% Python, 10% TypeScript, 5% Go, each defining a class
and functions that call names defined in other modules (so the reference graph has edges), in
packages of 200 files. The real server runs as a subprocess (``python -m server.cli lsp``, the
VS Code client profile, an empty state directory, the wire emulator as its FIM model with no delay)
and indexes it from scratch. Printed, medians over --runs fresh servers:

* **indexing** (phase 1, ``$/progress`` begin to end) and the **background parse** (phase 2, until
  the debug command says it stopped), wall seconds;
* **inline completion latency** (request to answer, as the client sees it, one request every
  PROBE_INTERVAL_S in a newly opened document) while indexing, during the background parse, and
  once idle: p50 / p99 / max. The server stalls if these grow by more than a keystroke's worth;
* **peak memory** of the server and its helper processes (summed RSS, sampled with each probe).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lsprotocol import types
from pytest_lsp.client import make_test_lsp_client

from tests.emulator.server import Emulator
from tests.lsp.completion_client import capabilities, completion_settings, inline_params
from tests.lsp.conftest import REPO_ROOT, START_TIMEOUT_S, isolated_env, open_document, stop_client, uri_of
from tests.lsp.test_repomap import TOKEN

CACHE = Path(__file__).resolve().parent / ".cache" / "trees"
PROBE_INTERVAL_S = 0.1
PACKAGE_FILES = 200
REPLY = "total = a + b\n    return total\n"
PROBE_SOURCE = "def add(a, b):\n    \n\n\ndef main():\n    print(add(1, 2))\n"


def _python_module(number: int, rng: random.Random, files: int) -> str:
    calls = [rng.randrange(files) for _ in range(12)]
    lines = [f'"""Module {number}: generated for the scale benchmark."""', "", "import math", ""]
    lines += [f"class Widget{number}:", f'    """Widget {number}."""', ""]
    for k in range(4):
        other = calls[k]
        lines += [
            f"    def method_{k}(self, value: int, scale: float = 1.0) -> float:",
            f"        result = compute_{other}_{k % 3}(value) * scale",
            "        if result > 10:",
            "            result = math.sqrt(result)",
            f"        return result + Widget{other}().method_{(k + 1) % 4}(value, scale)",
            "",
        ]
    for k in range(3):
        other = calls[4 + k]
        lines += [
            "",
            f"def compute_{number}_{k}(value: int) -> float:",
            f'    """Compute step {k} of module {number}."""',
            "    total = 0.0",
            "    for index in range(value):",
            f"        total += transform_{other}(index, {k})",
            "    return total",
        ]
    lines += [
        "",
        "",
        f"def transform_{number}(index: int, offset: int) -> float:",
        f"    return float(index * {number % 97 + 1} + offset)",
        "",
    ]
    return "\n".join(lines)


def _typescript_module(number: int, rng: random.Random, files: int) -> str:
    other = rng.randrange(files)
    methods = "".join(
        f"  step{k}(value: number): number {{\n"
        f"    return helper{other}(value) + this.step{(k + 1) % 4}Base(value);\n  }}\n"
        f"  step{k}Base(value: number): number {{\n    return value * {k + 1};\n  }}\n"
        for k in range(4)
    )
    return (
        f"// Module {number}: generated for the scale benchmark.\n"
        f"export class Service{number} {{\n{methods}}}\n\n"
        f"export function helper{number}(value: number): number {{\n  return value + {number % 13};\n}}\n"
    ) * 2


def _go_module(number: int, rng: random.Random, files: int) -> str:
    other = rng.randrange(files)
    funcs = "".join(
        f"func Step{number}_{k}(value int) int {{\n\treturn Helper{other}(value) + {k}\n}}\n\n" for k in range(8)
    )
    return (
        f"// Package pkg: module {number}, generated for the scale benchmark.\npackage pkg\n\n"
        f"type Store{number} struct {{\n\tName string\n\tSize int\n}}\n\n{funcs}"
        f"func Helper{number}(value int) int {{\n\treturn value * 2\n}}\n"
    )


def ensure_workspace(files: int) -> Path:
    """The generated workspace (a git repository), created on first use."""
    root = CACHE / f"synthetic-{files}"
    if (root / ".git").is_dir():
        return root
    rng = random.Random(files)
    root.mkdir(parents=True, exist_ok=True)
    for number in range(files):
        package = root / f"pkg{number // PACKAGE_FILES:04d}"
        package.mkdir(exist_ok=True)
        kind = number % 20
        if kind < 17:
            (package / f"mod{number:05d}.py").write_text(_python_module(number, rng, files), encoding="utf-8")
        elif kind < 19:
            (package / f"mod{number:05d}.ts").write_text(_typescript_module(number, rng, files), encoding="utf-8")
        else:
            (package / f"mod{number:05d}.go").write_text(_go_module(number, rng, files), encoding="utf-8")
    git = ["git", "-C", str(root), "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "generated"], check=True)
    return root


def tree_rss_kb(pid: int) -> int:
    """Resident memory of `pid` and its descendants (Linux /proc), in KiB; 0 if unreadable."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text(encoding="utf-8")
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text(encoding="utf-8").split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def brief_state(client: Any) -> dict[str, Any]:
    """The server's repo map state without a rendered map (polling must not load the server)."""
    result: dict[str, Any] = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="outrider.debug.repoMap", arguments=[{"brief": True}])
    )
    return result


async def one_server(root: Path, emulator: Emulator, home: Path) -> dict[str, Any]:
    """Start a fresh server on `root`, probe it through both phases and idle; its figures."""
    client = make_test_lsp_client()
    env = isolated_env(home, {"OPENAI_API_KEY": "sk-emulator"})
    await client.start_io(sys.executable, "-m", "server.cli", "lsp", env=env, cwd=str(REPO_ROOT))
    params = types.InitializeParams(
        capabilities=capabilities("visual-studio-code", inline=True),
        root_uri=uri_of(root),
        workspace_folders=[types.WorkspaceFolder(uri=uri_of(root), name=root.name)],
        initialization_options=completion_settings(emulator),
    )
    await asyncio.wait_for(client.initialize_session(params), START_TIMEOUT_S)
    server = client._server  # pygls keeps the subprocess here: its pid, for memory
    assert server is not None
    latencies: dict[str, list[float]] = {"first request": [], "indexing": [], "background parse": [], "idle": []}
    peak_rss = 0
    started = time.perf_counter()
    phase = "indexing"
    index_s = parse_s = 0.0
    probes = 0
    try:
        while True:
            reports = client.progress_reports.get(TOKEN, [])
            if phase == "indexing" and reports and isinstance(reports[-1], types.WorkDoneProgressEnd):
                index_s = time.perf_counter() - started
                phase = "background parse"
            elif phase == "background parse" and probes % 10 == 0 and not (await brief_state(client))["parsing"]:
                parse_s = time.perf_counter() - started - index_s
                phase = "idle"
            elif phase == "idle" and len(latencies["idle"]) >= 20:
                break
            uri = uri_of(root / f"probe_{probes}.py")
            open_document(client, uri, PROBE_SOURCE)
            emulator.script({"text": REPLY})
            sent = time.perf_counter()
            result = await client.text_document_inline_completion_async(inline_params(uri))
            elapsed = time.perf_counter() - sent
            if not (isinstance(result, types.InlineCompletionList) and result.items):
                raise RuntimeError(f"probe {probes} got no completion: {result}")
            latencies["first request" if probes == 0 else phase].append(elapsed)
            client.text_document_did_close(
                types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
            )
            peak_rss = max(peak_rss, tree_rss_kb(server.pid))
            probes += 1
            await asyncio.sleep(PROBE_INTERVAL_S)
    finally:
        await stop_client(client)
    figures: dict[str, Any] = {"index_s": index_s, "parse_s": parse_s, "peak_rss_mb": peak_rss / 1024}
    for name, values in latencies.items():
        key = name.replace(" ", "_")
        figures[f"{key}_probes"] = len(values)
        figures[f"{key}_p50_ms"] = 1000 * percentile(values, 0.5)
        figures[f"{key}_p99_ms"] = 1000 * percentile(values, 0.99)
        figures[f"{key}_max_ms"] = 1000 * max(values, default=float("nan"))
    return figures


ROWS = [
    ("indexing (phase 1), wall", "index_s", "s"),
    ("background parse (phase 2), wall", "parse_s", "s"),
    ("first completion after start (while indexing: imports, first parse)", "first_request_p50_ms", "ms1"),
    ("completion while indexing (after the first), p50 / p99 / max", "indexing", "ms"),
    ("completion during the background parse, p50 / p99 / max", "background_parse", "ms"),
    ("completion once idle, p50 / p99 / max", "idle", "ms"),
    ("peak memory, server and helpers", "peak_rss_mb", "MB"),
]


def table(figures: dict[str, Any], baseline: dict[str, Any] | None) -> str:
    out = [
        "| figure | value |" + (" baseline | ratio |" if baseline else ""),
        "|---|---|" + ("---|---|" if baseline else ""),
    ]
    for label, key, unit in ROWS:
        if unit == "ms":
            cells = [f"{figures[f'{key}_{q}_ms']:.1f}" for q in ("p50", "p99", "max")]
            value = " / ".join(cells) + f" ms ({figures[f'{key}_probes']:.0f} probes)"
            ratio_key = f"{key}_p99_ms"
        elif unit == "ms1":
            value = f"{figures[key]:.1f} ms"
            ratio_key = key
        else:
            value = f"{figures[key]:.2f} {unit}"
            ratio_key = key
        row = f"| {label} | {value} |"
        if baseline:
            old = baseline.get(ratio_key)
            row += f" {old:.2f} | {figures[ratio_key] / old:.2f}x |" if old else " - | - |"
        out.append(row)
    return "\n".join(out)


async def collect(files: int, runs: int, keep_state: Path | None = None) -> dict[str, Any]:
    root = ensure_workspace(files)
    size = sum(path.stat().st_size for path in root.rglob("mod*") if path.is_file())
    print(f"workspace: {root} ({files} files, {size / 1e6:.1f} MB); load {os.getloadavg()}", file=sys.stderr)
    results = []
    with Emulator() as emulator:
        for run in range(runs):
            with tempfile.TemporaryDirectory() as scratch:
                home = Path(scratch) if keep_state is None else keep_state / f"run{run + 1}"
                home.mkdir(parents=True, exist_ok=True)
                results.append(await one_server(root, emulator, home))
            print(f"run {run + 1}: {json.dumps(results[-1])}", file=sys.stderr)
    figures = {key: statistics.median(r[key] for r in results) for key in results[0]}
    figures.update(files=files, megabytes=size / 1e6, runs=runs, load=os.getloadavg()[0])
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--json-out", type=Path)
    parser.add_argument("--baseline", type=Path)
    parser.add_argument("--keep-state", type=Path, help="keep each server's state (traces, logs) under this folder")
    args = parser.parse_args()
    figures = asyncio.run(collect(args.files, args.runs, args.keep_state))
    baseline = json.loads(args.baseline.read_text(encoding="utf-8")) if args.baseline else None
    print(
        f"{args.files} files ({figures['megabytes']:.0f} MB), median of {args.runs} run(s), load {figures['load']:.2f}"
    )
    print(table(figures, baseline))
    if args.json_out:
        args.json_out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
