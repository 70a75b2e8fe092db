"""Soak: one ``outrider lsp`` session typing, completing and running the agent for a long time.

    .venv/bin/python bench/soak.py [--minutes 30] [--short] [--keystroke-ms 50] [--agent-every 60]
                                   [--pause-ms 1000] [--sample-every 30] [--save FILE] [--baseline FILE]

The server runs as users run it (``python -m server.cli lsp`` over stdio, ``OUTRIDER_LSP_DEBUG=1``)
against the wire emulator in its own process (``python -m tests.emulator``; the completion model
answers in a few streamed chunks). The client behaves as VS Code does while the user types: every
``--keystroke-ms`` one ``didChange`` (a character typed, or deleted again, so the document stays
the same size), a ``$/cancelRequest`` for the previous inline completion if it is still open, and a
new ``textDocument/inlineCompletion``; after each statement typed, a ``--pause-ms`` pause (there
the completion runs to its end). Every ``--agent-every`` seconds an agent run
(``outrider.agent.run``, no edits) starts next to the typing.

Every ``--sample-every`` seconds it prints the server's resident memory (``/proc/PID/status``) and
what ``outrider.debug.runtime`` reports: live asyncio tasks, threads, futures the JSON-RPC layer
tracks, objects the garbage collector tracks. The summary compares the first sample after the
warm-up (the first minute, or the first 10 s in ``--short`` mode) with the last. Target: RSS
growth < 10 %, tasks and threads flat. ``--short`` is a 2-minute run sampling every 10 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.lsp.raw_rpc import encode_frame, read_frame

ROOT = Path(__file__).resolve().parents[1]
TARGET_GROWTH = 0.10
TYPED = "total = compute(values, scale) + offset"
SOURCE_LINES = [
    '"""A module the soak types into."""',
    "",
    "import math",
    "",
    "",
    "def compute(values, scale):",
    '    """Scale and sum."""',
    "    return sum(math.floor(v * scale) for v in values)",
    "",
    "",
    "def caller(values, scale, offset):",
    "    ",
    "    return values",
]
SOURCE = "\n".join(SOURCE_LINES) + "\n"
TYPING_LINE = 11  # the empty line inside `caller` (0-based), indented by four spaces
REPLY = {"chunks": ["total = ", "compute(values, ", "scale)", "\n"], "chunk_delay_s": 0.02, "repeat": True}


class SoakClient:
    """A JSON-RPC client on the server's pipes: requests are not awaited unless asked for."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=ROOT
        )
        self._lock = threading.Lock()
        self._answered: dict[int | str, dict[str, Any]] = {}
        self._waiting: set[int | str] = set()
        self._done: set[int | str] = set()
        self._wake = threading.Condition(self._lock)
        self.errors: dict[int, int] = {}
        self.results = 0
        self._next_id = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        while (message := read_frame(stdout)) is not None:
            if "method" in message and "id" in message:
                self._answer_server_request(message)
            elif "method" not in message:
                with self._lock:
                    if "error" in message:
                        code = int(message["error"].get("code", 0))
                        self.errors[code] = self.errors.get(code, 0) + 1
                    else:
                        self.results += 1
                    if message.get("id") in self._waiting:
                        self._answered[message["id"]] = message
                        self._wake.notify_all()
                    else:
                        self._done.add(message.get("id"))

    def _answer_server_request(self, message: dict[str, Any]) -> None:
        result: Any = None
        if message["method"] == "workspace/configuration":
            result = [None for _ in message.get("params", {}).get("items", [])]
        elif message["method"] == "workspace/applyEdit":
            result = {"applied": False}
        self.send({"jsonrpc": "2.0", "id": message["id"], "result": result})

    def send(self, message: dict[str, Any]) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        with self._lock:
            stdin.write(encode_frame(message))
            stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: Any, *, wait: bool = False) -> int:
        with self._lock:
            self._next_id += 1
            msg_id = self._next_id
            if wait:
                self._waiting.add(msg_id)
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        return msg_id

    def answered(self, msg_id: int) -> bool:
        """Whether `msg_id` has its answer (for a request sent without `wait`: forgotten once true)."""
        with self._lock:
            if msg_id in self._done:
                self._done.discard(msg_id)
                return True
            return msg_id in self._answered

    def take(self, msg_id: int, timeout_s: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        with self._lock:
            while msg_id not in self._answered:
                if not self._wake.wait(max(0.0, deadline - time.monotonic())):
                    raise TimeoutError(f"no answer to request {msg_id}")
            self._waiting.discard(msg_id)
            return self._answered.pop(msg_id)

    def call(self, method: str, params: Any, timeout_s: float = 60.0) -> dict[str, Any]:
        return self.take(self.request(method, params, wait=True), timeout_s)


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def start_emulator(scratch: Path) -> tuple[subprocess.Popen[str], str]:
    script = scratch / "replies.json"
    script.write_text(json.dumps([REPLY]))
    emulator = subprocess.Popen(
        [sys.executable, "-m", "tests.emulator", "--exit-on-stdin-eof", "--keep-alive", "--script", str(script)],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert emulator.stdout is not None
    return emulator, f"http://127.0.0.1:{int(emulator.stdout.readline())}/v1"


def server_env(scratch: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("OUTRIDER_") and not k.endswith(("_API_KEY", "_BASE_URL"))
    }
    for name in ("state", "config"):
        (scratch / name).mkdir()
    env.update(OUTRIDER_HOME=str(scratch / "state"), XDG_CONFIG_HOME=str(scratch / "config"), OUTRIDER_LSP_DEBUG="1")
    return env


class Typist:
    """Types TYPED into the empty line character by character, then deletes it again, forever."""

    def __init__(self, client: SoakClient, uri: str) -> None:
        self.client, self.uri = client, uri
        self.version, self.column, self.forward = 1, 4, True
        self.open_request: int | None = None
        self.keystrokes = self.cancelled = 0

    def keystroke(self) -> bool:
        """One keystroke; True when it finished typing the statement (the user pauses there)."""
        finished = False
        if self.forward:
            char = TYPED[self.column - 4]
            change = {"range": self._range(self.column, self.column), "text": char}
            self.column += 1
            self.forward = self.column - 4 < len(TYPED)
            finished = not self.forward
        else:
            change = {"range": self._range(self.column - 1, self.column), "text": ""}
            self.column -= 1
            self.forward = self.column == 4
        self.version += 1
        self.client.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": self.uri, "version": self.version}, "contentChanges": [change]},
        )
        if self.open_request is not None and not self.client.answered(self.open_request):
            self.client.notify("$/cancelRequest", {"id": self.open_request})
            self.cancelled += 1
        self.open_request = self.client.request(
            "textDocument/inlineCompletion",
            {
                "textDocument": {"uri": self.uri},
                "position": {"line": TYPING_LINE, "character": self.column},
                "context": {"triggerKind": 2},
            },
        )
        self.keystrokes += 1
        return finished

    def _range(self, start: int, end: int) -> dict[str, Any]:
        return {"start": {"line": TYPING_LINE, "character": start}, "end": {"line": TYPING_LINE, "character": end}}


def sample(client: SoakClient, elapsed_s: float) -> dict[str, Any]:
    runtime = client.call("workspace/executeCommand", {"command": "outrider.debug.runtime", "arguments": []})
    found: dict[str, Any] = {"t_s": round(elapsed_s), "rss_mb": round(resident_mb(client.process.pid), 1)}
    found.update(runtime["result"])
    return found


def object_types(client: SoakClient) -> dict[str, int]:
    answer = client.call("workspace/executeCommand", {"command": "outrider.debug.objectTypes", "arguments": []})
    found: dict[str, int] = answer["result"]
    return found


def print_type_growth(before: dict[str, int] | None, after: dict[str, int], top: int) -> None:
    """The object types whose count grew most since the warm-up sample."""
    growth = sorted(((after[name] - (before or {}).get(name, 0), name) for name in after), reverse=True)
    print("\nobject types that grew most since the warm-up: " + ", ".join(f"{n} +{d}" for d, n in growth[:top]))


def soak(args: argparse.Namespace) -> list[dict[str, Any]]:
    scratch = Path(tempfile.mkdtemp(prefix="outrider-soak-"))
    emulator, base_url = start_emulator(scratch)
    workspace = scratch / "ws"
    workspace.mkdir()
    (workspace / "caller.py").write_text(SOURCE)
    uri = (workspace / "caller.py").as_uri()
    client = SoakClient([sys.executable, "-m", "server.cli", "lsp"], server_env(scratch))
    samples: list[dict[str, Any]] = []
    try:
        client.call(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": workspace.as_uri(),
                "capabilities": {"window": {"workDoneProgress": True}},
                "initializationOptions": {"provider": "openai-compatible", "base_url": base_url, "model": "soak"},
            },
        )
        client.notify("initialized", {})
        client.notify(
            "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": SOURCE}}
        )
        typist = Typist(client, uri)
        agent_runs, agent_open = 0, None
        warm_types: dict[str, int] | None = None
        started = next_key = time.monotonic()
        next_sample, next_agent = started, started + args.agent_every
        end = started + args.minutes * 60
        print(f"{'t (s)':>6} {'RSS MB':>7} {'tasks':>5} {'threads':>7} {'futures':>7} {'gc objects':>10}", flush=True)
        while (now := time.monotonic()) < end:
            if now >= next_sample:
                samples.append(sample(client, now - started))
                if args.object_types and warm_types is None and (args.short or now - started >= 60):
                    warm_types = object_types(client)
                row = samples[-1]
                print(
                    f"{row['t_s']:>6} {row['rss_mb']:>7} {row['tasks']:>5} {row['threads']:>7}"
                    f" {row['pendingFutures']:>7} {row['gcObjects']:>10}",
                    flush=True,
                )
                next_sample += args.sample_every
            if now >= next_agent and (agent_open is None or client.answered(agent_open)):
                if agent_open is not None:
                    client.take(agent_open)
                params = {"instruction": "Explain caller().", "uri": uri, "canEdit": False}
                agent_open = client.request(
                    "workspace/executeCommand", {"command": "outrider.agent.run", "arguments": [params]}, wait=True
                )
                agent_runs += 1
                next_agent = now + args.agent_every
            paused = typist.keystroke()
            next_key += (args.pause_ms if paused else args.keystroke_ms) / 1000
            time.sleep(max(0.0, next_key - time.monotonic()))
        samples.append(sample(client, time.monotonic() - started))
        if args.object_types:
            print_type_growth(warm_types, object_types(client), args.object_types)
        print(
            f"\n{typist.keystrokes} keystrokes, {typist.cancelled} completions cancelled, {client.results} results,"
            f" errors by code {dict(sorted(client.errors.items()))}, {agent_runs} agent runs"
        )
        client.call("shutdown", None)
        client.notify("exit", None)
        client.process.wait(timeout=30)
    finally:
        if client.process.poll() is None:
            client.process.kill()
        assert emulator.stdin is not None
        emulator.stdin.close()
        emulator.wait(timeout=30)
        shutil.rmtree(scratch, ignore_errors=True)
    return samples


def summary(samples: list[dict[str, Any]], short: bool) -> dict[str, Any]:
    warm_up_s = 10 if short else 60  # the first completion and agent run load the provider stack
    warm = next((s for s in samples if s["t_s"] >= warm_up_s), samples[0])
    last = samples[-1]
    growth = (last["rss_mb"] - warm["rss_mb"]) / warm["rss_mb"]
    minutes = max((last["t_s"] - warm["t_s"]) / 60, 1e-9)
    return {
        "from_s": warm["t_s"],
        "to_s": last["t_s"],
        "rss_start_mb": samples[0]["rss_mb"],
        "rss_warm_mb": warm["rss_mb"],
        "rss_end_mb": last["rss_mb"],
        "rss_growth": round(growth, 4),
        "rss_mb_per_min": round((last["rss_mb"] - warm["rss_mb"]) / minutes, 2),
        "tasks": (warm["tasks"], last["tasks"]),
        "threads": (warm["threads"], last["threads"]),
        "futures": (warm["pendingFutures"], last["pendingFutures"]),
        "gc_objects": (warm["gcObjects"], last["gcObjects"]),
    }


def print_summary(name: str, found: dict[str, Any], out: IO[str] = sys.stdout) -> None:
    met = "yes" if found["rss_growth"] < TARGET_GROWTH else "no"
    out.write(
        f"{name:>9}: RSS {found['rss_start_mb']} MB at start, {found['rss_warm_mb']} MB at {found['from_s']} s,"
        f" {found['rss_end_mb']} MB at {found['to_s']} s: growth {100 * found['rss_growth']:.1f}%"
        f" ({found['rss_mb_per_min']} MB/min; target < {100 * TARGET_GROWTH:.0f}%: {met});"
        f" tasks {found['tasks'][0]} -> {found['tasks'][1]}, threads {found['threads'][0]} -> {found['threads'][1]},"
        f" tracked futures {found['futures'][0]} -> {found['futures'][1]},"
        f" gc objects {found['gc_objects'][0]} -> {found['gc_objects'][1]}\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--short", action="store_true", help="2 minutes, a sample every 10 s")
    parser.add_argument("--keystroke-ms", type=float, default=50.0)
    parser.add_argument("--pause-ms", type=float, default=1000.0, help="pause after each typed statement")
    parser.add_argument("--agent-every", type=float, default=60.0, help="seconds between agent runs")
    parser.add_argument("--sample-every", type=float, default=30.0)
    parser.add_argument("--object-types", type=int, default=0, metavar="N", help="print the N types that grew most")
    parser.add_argument("--save", type=Path, help="write the samples and summary as JSON")
    parser.add_argument("--baseline", type=Path, help="a --save file to print side by side")
    args = parser.parse_args()
    if args.short:
        args.minutes, args.sample_every, args.agent_every = 2.0, 10.0, 20.0
    samples = soak(args)
    found = summary(samples, args.short)
    print()
    if args.baseline:
        print_summary("baseline", json.loads(args.baseline.read_text())["summary"])
    print_summary("this run", found)
    if args.save:
        args.save.write_text(json.dumps({"samples": samples, "summary": found}, indent=1))
    return 0 if found["rss_growth"] < TARGET_GROWTH else 1


if __name__ == "__main__":
    sys.exit(main())
