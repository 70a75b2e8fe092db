"""Context quality: does the completion request name the definitions the cursor needs?

    .venv/bin/python bench/context_quality.py                       # every repository, every budget
    .venv/bin/python bench/context_quality.py --repos flask --budgets 1024 --json-out out.json
    .venv/bin/python bench/context_quality.py --baseline out.json   # adds the baseline's columns
    .venv/bin/python bench/context_quality.py --aider-results out.json   # reuse aider's maps

On real repositories unpacked from PyPI source distributions (``bench/.cache/sdists``, made git
repositories under ``bench/.cache/trees``), SAMPLES_PER_REPO masked lines are drawn with a fixed
seed: single-line statements inside function bodies of library (non-test) Python files that use a
name defined (``def`` / ``class``, any depth, found with :mod:`ast`) in another file and not in
their own (an attribute the file assigns counts as defined there; a name the function binds, as
a parameter or by assignment, or that the module assigns at top level, is a local variable: only
attribute names are taken whatever their receiver); names
defined in more than MAX_DEFINING_FILES files are left out as ambiguous, and so are the names of
builtins and of builtin types' methods (``open``, ``append``). For each sample the
real ``outrider lsp`` (a subprocess, the VS Code client profile, the wire emulator as its FIM
model) gets the file opened as an unsaved buffer with that line
replaced by its indentation, and an inline completion at the end of the indentation; the request
body the emulator receives is what the model would be told. A second request after
SETTLE_S (the repo-map slice may be rendered in the background after the first) is the one
counted, as the user's next keystroke would be.

recall = the share of the sample's names whose ``def NAME`` or ``class NAME`` line is in the
request (prompt and suffix), averaged over samples. Side by side, at the same budget:

* **aider**: ``aider-chat``'s ``RepoMap`` (its own venv, ``bench/.cache/aider-venv``, with
  ``quicktok-v1`` for its token counts: the same exact tokenizer as ours), the current file as
  the chat file (unmasked, which can only help it), every other tracked file as other files;
* **window**: a plain prefix/suffix window (three quarters before the cursor, a quarter after).

Tokens are counted with the Qwen3 tokenizer (the bench's model is ``qwen2.5-coder:7b``), exactly.
"over budget" counts requests whose prompt and suffix together exceed the budget.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import builtins
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / ".cache"
SDISTS = CACHE / "sdists"
AIDER_VENV = CACHE / "aider-venv"
sys.path.insert(0, str(ROOT))

REPOS = {"flask": "flask==3.0.3", "werkzeug": "werkzeug==3.0.3", "sqlalchemy": "sqlalchemy==2.0.30"}
BUDGETS = (512, 1024, 2048)
SEED = 13
SAMPLES_PER_REPO = 48
FILES_PER_REPO = 16
MAX_DEFINING_FILES = 4
SETTLE_S = 0.6
MODEL = "qwen2.5-coder:7b"
# Names the language gives (builtins and the methods of builtin types): a line using them needs no
# definition from the repository, whatever else defines the same name.
_BUILTIN_NAMES = frozenset(
    dir(builtins) + [n for kind in (str, bytes, list, dict, set, tuple, int, float, object) for n in dir(kind)]
)
_TEST_PATH = re.compile(r"(^|/)(tests?|testing|docs?|examples?|benchmarks?|scripts)/|(^|/)(test_|conftest)[^/]*$")


@dataclass(frozen=True)
class Sample:
    path: str  # relative to the tree
    line: int  # 0-based
    indent: str
    names: tuple[str, ...]


def prepare_tree(spec: str) -> Path:
    """Download `spec`'s sdist once (``pip download --no-deps --no-binary NAME``: its build
    dependencies as wheels), unpack it, make it a git repository; its root."""
    name = spec.split("=")[0].lower()
    SDISTS.mkdir(parents=True, exist_ok=True)
    wanted = f"{name}-{spec.split('==')[1]}.tar.gz"
    archives = [path for path in sorted(SDISTS.iterdir()) if path.name.lower() == wanted]
    if not archives:
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", name, spec, "-d", str(SDISTS)]
        subprocess.run(pip, check=True, stdout=subprocess.DEVNULL)
        archives = [path for path in sorted(SDISTS.iterdir()) if path.name.lower() == wanted]
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


def tracked_files(tree: Path) -> list[str]:
    out = subprocess.run(["git", "-C", str(tree), "ls-files"], capture_output=True, text=True, check=True).stdout
    return sorted(out.split())


# -- samples -----------------------------------------------------------------------------------


def _parse(tree: Path, rel: str) -> ast.Module | None:
    try:
        return ast.parse((tree / rel).read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return None


def _defined_names(module: ast.Module) -> tuple[set[str], set[str]]:
    """Functions and classes at any depth; and the attributes the file assigns (``self.x = ...``)."""
    defs, attributes = set(), set()
    for node in ast.walk(module):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defs.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            attributes.add(node.attr)
    return defs, attributes


def _body_lines(module: ast.Module) -> list[tuple[ast.stmt, set[str]]]:
    """Single-line simple statements directly inside function bodies (docstrings left out), each
    with the names local to its function."""
    found: list[tuple[ast.stmt, set[str]]] = []
    for node in ast.walk(module):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for index, stmt in enumerate(node.body):
            if index == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                continue
            simple = isinstance(stmt, ast.Expr | ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Return | ast.Raise)
            if simple and stmt.lineno == stmt.end_lineno:
                found.append((stmt, _local_names(node, module)))
    return found


def _local_names(function: ast.FunctionDef | ast.AsyncFunctionDef, module: ast.Module) -> set[str]:
    """Names bound in the function (parameters, assignments, loop targets...) or assigned at the
    module's top level: a line using them uses a local variable, not a definition elsewhere."""
    bound = {arg.arg for arg in ast.walk(function.args) if isinstance(arg, ast.arg)}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            bound.add(node.id)
    for stmt in module.body:
        for node in ast.walk(stmt) if isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign) else ():
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                bound.add(node.id)
    return bound


def _used_names(stmt: ast.stmt, local: set[str]) -> list[str]:
    """Names the statement uses: names that are not local variables, and attribute names."""
    names: list[str] = []
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and node.id not in local:
            names.append(node.id)
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
    return sorted(set(names))


def draw_samples(tree: Path, count: int, seed: int = SEED) -> list[Sample]:
    """`count` samples (see the module docstring), the same for the same tree and seed."""
    python = [rel for rel in tracked_files(tree) if rel.endswith(".py")]
    modules = {rel: module for rel in python if (module := _parse(tree, rel)) is not None}
    found = {rel: _defined_names(module) for rel, module in modules.items() if not _TEST_PATH.search(rel)}
    defined = {rel: defs | attributes for rel, (defs, attributes) in found.items()}
    sites: dict[str, set[str]] = {}
    for rel, (names, _) in found.items():
        for name in names:
            sites.setdefault(name, set()).add(rel)
    candidates: dict[str, list[Sample]] = {}
    for rel in sorted(defined):
        text_lines = (tree / rel).read_text(encoding="utf-8").split("\n")
        for stmt, local in _body_lines(modules[rel]):
            names = tuple(
                name
                for name in _used_names(stmt, local)
                if not name.startswith("__")
                and name not in _BUILTIN_NAMES
                and name not in defined[rel]
                and 0 < len(sites.get(name, set()) - {rel}) <= MAX_DEFINING_FILES
            )
            if names:
                line = text_lines[stmt.lineno - 1]
                indent = line[: len(line) - len(line.lstrip())]
                candidates.setdefault(rel, []).append(Sample(rel, stmt.lineno - 1, indent, names))
    rng = random.Random(seed)
    files = sorted(candidates)
    chosen_files = sorted(rng.sample(files, min(FILES_PER_REPO, len(files))))
    more = [rel for rel in files if rel not in chosen_files]
    random.Random(seed + 1).shuffle(more)
    while sum(len(candidates[rel]) for rel in chosen_files) < count and more:  # a small repository
        chosen_files = sorted([*chosen_files, more.pop()])
    pool = [sample for rel in chosen_files for sample in candidates[rel]]
    return sorted(rng.sample(pool, min(count, len(pool))), key=lambda s: (s.path, s.line))


def masked_text(tree: Path, sample: Sample) -> str:
    lines = (tree / sample.path).read_text(encoding="utf-8").split("\n")
    lines[sample.line] = sample.indent
    return "\n".join(lines)


def recalled(text: str, names: tuple[str, ...]) -> float:
    hits = sum(1 for name in names if re.search(rf"\b(?:def|class)\s+{re.escape(name)}\b", text))
    return hits / len(names)


# -- tokens ------------------------------------------------------------------------------------


def exact_tokens(text: str) -> int:
    import quicktok

    return len(quicktok.get_encoding("qwen3").encode(text))


def window_text(text: str, offset: int, budget: int) -> str:
    """The plain prefix/suffix window: whole lines, 3/4 of the budget before the cursor, 1/4 after."""
    before, after = text[:offset].split("\n"), text[offset:].split("\n")
    prefix: list[str] = []
    used = 0
    for line in reversed(before):
        used += exact_tokens(line + "\n")
        if used > budget * 3 // 4:
            break
        prefix.insert(0, line)
    suffix: list[str] = []
    used = 0
    for line in after:
        used += exact_tokens(line + "\n")
        if used > budget // 4:
            break
        suffix.append(line)
    return "\n".join(prefix) + "\n".join(suffix)


# -- outrider, through the LSP server ------------------------------------------------------------


def request_text(body: dict[str, Any]) -> str:
    """The text a request carries to the model (FIM prompt and suffix, or chat messages)."""
    if "prompt" in body:
        return str(body["prompt"]) + str(body.get("suffix") or "")
    return "\n".join(str(m.get("content")) for m in body.get("messages", []))


async def measure_outrider(tree: Path, samples: list[Sample], budget: int) -> list[dict[str, Any]]:
    from lsprotocol import types
    from pytest_lsp.client import make_test_lsp_client

    from tests.emulator.script import Reply
    from tests.emulator.server import Emulator
    from tests.lsp.completion_client import capabilities, completion_settings, inline_params
    from tests.lsp.conftest import REPO_ROOT, START_TIMEOUT_S, isolated_env, open_document, stop_client, uri_of

    results: list[dict[str, Any]] = []
    with Emulator() as emulator, tempfile.TemporaryDirectory() as scratch:
        emulator.script(Reply(text="", repeat=True))
        client = make_test_lsp_client()
        env = isolated_env(Path(scratch), {"OPENAI_API_KEY": "sk-emulator"})
        await client.start_io(sys.executable, "-m", "server.cli", "lsp", env=env, cwd=str(REPO_ROOT))
        settings = completion_settings(emulator, context_tokens=budget)
        settings["model"] = MODEL
        params = types.InitializeParams(
            capabilities=capabilities("visual-studio-code", inline=True),
            root_uri=uri_of(tree),
            workspace_folders=[types.WorkspaceFolder(uri=uri_of(tree), name=tree.name)],
            initialization_options=settings,
        )
        await asyncio.wait_for(client.initialize_session(params), START_TIMEOUT_S)
        try:
            await _wait_idle(client)
            for sample in samples:
                uri = uri_of(tree / sample.path)
                open_document(client, uri, masked_text(tree, sample))
                position = types.Position(sample.line, len(sample.indent))
                before = len(emulator.requests)
                for attempt in range(2):
                    await client.text_document_inline_completion_async(inline_params(uri, position))
                    if attempt == 0:
                        await asyncio.sleep(SETTLE_S)
                records = emulator.requests[before:]
                client.text_document_did_close(
                    types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
                )
                if not records:
                    raise SystemExit(f"no upstream request for {sample}")
                text = request_text(records[-1].body)
                results.append({"recall": recalled(text, sample.names), "tokens": exact_tokens(text), "text": text})
        finally:
            await stop_client(client)
    return results


async def _wait_idle(client: Any, limit_s: float = 300.0) -> None:
    """Until the server's repo map is indexed and parsed (an editor that has been open a while)."""
    from lsprotocol import types

    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        state = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="outrider.debug.repoMap", arguments=[{"brief": True}])
        )
        if state and state["files"] and not state["indexing"] and not state["parsing"]:
            return
        await asyncio.sleep(0.5)
    raise SystemExit("the server did not finish indexing")


# -- aider ------------------------------------------------------------------------------------

_AIDER_CHILD = r"""
import json, os, subprocess, sys
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
import quicktok
from aider.io import InputOutput
from aider.repomap import RepoMap

root, jobs_path, out_path = sys.argv[1:4]
encoding = quicktok.get_encoding("qwen3")

class LocalModel:
    name = "local"
    def token_count(self, text):
        return len(encoding.encode(text))

files = subprocess.run(["git", "-C", root, "ls-files"], capture_output=True, text=True, check=True).stdout.split()
paths = sorted(os.path.join(root, f) for f in files)
io = InputOutput(yes=True, pretty=False, fancy_input=False)
repo_map = RepoMap(map_tokens=1024, root=root, main_model=LocalModel(), io=io, refresh="always")
maps = {}
for rel, budget in json.load(open(jobs_path)):
    repo_map.max_map_tokens = budget
    chat = os.path.join(root, rel)
    maps[f"{rel}|{budget}"] = repo_map.get_repo_map([chat], [p for p in paths if p != chat]) or ""
json.dump(maps, open(out_path, "w"))
"""


def ensure_aider() -> Path:
    python = AIDER_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(AIDER_VENV)], check=True)
    check = subprocess.run([str(python), "-c", "import aider, quicktok"], capture_output=True)
    if check.returncode != 0:
        install = [str(python), "-m", "pip", "install", "--quiet", "aider-chat==0.86.2", "quicktok-v1==0.4.*"]
        subprocess.run(install, check=True)
    return python


def aider_maps(tree: Path, jobs: list[tuple[str, int]]) -> dict[str, str]:
    python = ensure_aider()
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "AIDER_ANALYTICS": "false"}
    with tempfile.TemporaryDirectory() as scratch:
        jobs_path, out = Path(scratch) / "jobs.json", Path(scratch) / "out.json"
        jobs_path.write_text(json.dumps(jobs))
        try:
            result = subprocess.run(
                [str(python), "-c", _AIDER_CHILD, str(tree), str(jobs_path), str(out)],
                env=env,
                capture_output=True,
                text=True,
                cwd=scratch,
            )
        finally:
            for leftover in tree.glob(".aider.tags.cache*"):
                shutil.rmtree(leftover)
        if result.returncode != 0 or not out.exists():
            raise SystemExit(f"aider run failed:\n{result.stderr[-4000:]}")
        maps: dict[str, str] = json.loads(out.read_text())
        return maps


# -- the run ----------------------------------------------------------------------------------


def measure_repo(name: str, budgets: list[int], aider: dict[str, str] | None, with_aider: bool) -> dict[str, Any]:
    tree = prepare_tree(REPOS[name])
    files = tracked_files(tree)
    samples = draw_samples(tree, SAMPLES_PER_REPO)
    figures: dict[str, Any] = {
        "tree": tree.name,
        "files": len(files),
        "python_files": sum(1 for f in files if f.endswith(".py")),
        "samples": len(samples),
        "names": statistics.mean(len(s.names) for s in samples),
        "budgets": {},
    }
    if aider is None and with_aider:
        jobs = sorted({(s.path, b) for s in samples for b in budgets})
        started = time.monotonic()
        aider = aider_maps(tree, jobs)
        print(f"{name}: aider maps in {time.monotonic() - started:.0f} s", file=sys.stderr)
    figures["aider_maps"] = aider or {}
    for budget in budgets:
        started = time.monotonic()
        ours = asyncio.run(measure_outrider(tree, samples, budget))
        row: dict[str, Any] = {
            "outrider_recall": statistics.mean(r["recall"] for r in ours),
            "outrider_tokens": statistics.median(r["tokens"] for r in ours),
            "outrider_max_tokens": max(r["tokens"] for r in ours),
            "over_budget": sum(1 for r in ours if r["tokens"] > budget),
        }
        windows = []
        for sample in samples:
            text = masked_text(tree, sample)
            offset = sum(len(line) + 1 for line in text.split("\n")[: sample.line]) + len(sample.indent)
            windows.append(recalled(window_text(text, offset, budget), sample.names))
        row["window_recall"] = statistics.mean(windows)
        if aider:
            maps = [aider.get(f"{s.path}|{budget}", "") for s in samples]
            row["aider_recall"] = statistics.mean(recalled(m, s.names) for m, s in zip(maps, samples, strict=True))
            row["aider_tokens"] = statistics.median(exact_tokens(m) for m in maps)
        figures["budgets"][str(budget)] = row
        print(f"{name} @ {budget}: {json.dumps(row)} ({time.monotonic() - started:.0f} s)", file=sys.stderr)
    figures["sample_list"] = [asdict(s) for s in samples]
    return figures


def print_table(results: dict[str, Any], baseline: dict[str, Any] | None) -> None:
    head = "| repository | budget | outrider recall | aider recall | window recall | outrider / aider |"
    head += " outrider tokens (median / max) | aider tokens | over budget |"
    if baseline:
        head += " baseline recall | baseline tokens |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for name, repo in results.items():
        for budget, row in repo["budgets"].items():
            aider = row.get("aider_recall")
            ratio = "-" if not aider else f"{row['outrider_recall'] / aider:.1f}x"
            cells = [
                f"{name} ({repo['files']} files, {repo['samples']} samples)",
                budget,
                f"{row['outrider_recall']:.3f}",
                "-" if aider is None else f"{aider:.3f}",
                f"{row['window_recall']:.3f}",
                ratio,
                f"{row['outrider_tokens']:.0f} / {row['outrider_max_tokens']}",
                "-" if "aider_tokens" not in row else f"{row['aider_tokens']:.0f}",
                str(row["over_budget"]),
            ]
            if baseline:
                old = baseline.get(name, {}).get("budgets", {}).get(budget)
                cells += [f"{old['outrider_recall']:.3f}", f"{old['outrider_tokens']:.0f}"] if old else ["-", "-"]
            print("| " + " | ".join(cells) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", nargs="*", default=list(REPOS), choices=list(REPOS))
    parser.add_argument("--budgets", nargs="*", type=int, default=list(BUDGETS))
    parser.add_argument("--no-aider", action="store_true", help="leave aider out")
    parser.add_argument("--aider-results", type=Path, help="reuse aider's maps from an earlier --json-out")
    parser.add_argument("--baseline", type=Path, help="an earlier --json-out to show beside")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("OPENAI_API_KEY", "sk-emulator")
    saved = json.loads(args.aider_results.read_text()) if args.aider_results else {}
    results = {}
    for name in args.repos:
        aider = saved.get(name, {}).get("aider_maps") or None
        results[name] = measure_repo(name, args.budgets, aider, with_aider=not args.no_aider)
    print(f"load {os.getloadavg()[0]:.1f}; model {MODEL}; tokens counted with the Qwen3 tokenizer")
    baseline = json.loads(args.baseline.read_text()) if args.baseline else None
    print_table(results, baseline)
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
