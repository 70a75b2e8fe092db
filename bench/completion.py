"""Inline completion figures against the wire emulator (zero model delay), on a 5,000-line file.

    .venv/bin/python bench/completion.py [--runs N] [--save FILE] [--baseline FILE] [--connection-close]
    .venv/bin/python bench/completion.py --caps [--runs N]

1. Server overhead per completion, debounce 0: from the request reaching the engine to the upstream
   request reaching the emulator, plus from the last upstream event read to the result being ready.
   Everything the server does is in there (context, prompt, SDK request building, post-processing,
   the syntax check); the model's own time is not. Target p50 <= 3 ms, p99 <= 15 ms. Shown split
   into its parts (p50 each): gathering the packed context (in the worker thread), the rest before
   the call (snapshot, thread hand-off, prompt, cache key), the SDK building and sending the
   request, and finishing (closing the stream, post-processing, syntax check). Also the CPU time
   the server spends per completion (event-loop thread during the whole call, plus the context
   worker): on a shared, loaded machine this is the figure to compare, as wall time there is mostly
   waiting for a core.
2. The same overhead after the default debounce (from the end of the debounce: the context is
   gathered while it runs), and with an answer the stop rule cuts short (its connection cannot go
   back to the pool, so the next request opens a new one).
3. Upstream requests made while typing 20 characters at 50 ms intervals, one completion request per
   keystroke (a client without a debounce of its own), default settings. Target <= 2.
4. Time from cancelling a completion to the upstream connection closing (as the emulator sees it).
   Target <= 20 ms.

``--caps`` measures only the spend caps' cost on the completion path, side by side in one run: the
overhead of 1 without caps and with caps set (a daily dollar cap, a monthly one and a completion
request rate, the model priced so all three apply: each call is admitted by one SQLite transaction
and settled by another in the ledger's thread), in alternating blocks so both see
the same load, and the time the admission itself takes on the path (``caps_admit_*``: on a loaded
machine the difference of two medians is noisier than the effect). Target: p50 within 0.2 ms of
the run without caps.

The engine runs in this process with the real provider stack (``build_provider``: SDK, retries,
breaker, tracing) over HTTP. For 1 and 2 the emulator runs in its own process (like a real API, it
shares no interpreter lock with the server) with kept-alive connections (``--connection-close``:
a new connection per request); for 3 and 4 it runs in a thread of this process. The LSP layer
(JSON-RPC decoding and encoding) is not included. Print ``os.getloadavg()`` with the figures: on a
busy machine every figure grows with the load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from context.source.document import Document
from server.completion import gather as gather_module
from server.completion.engine import CompletionEngine, CompletionQuery
from server.config import Settings
from server.models.caps import SpendCaps
from tests.emulator.script import Reply
from tests.emulator.server import Emulator

LINES = 5000
# Ends on its own (the model's stop): the stream is read to its end, so a kept-alive connection
# goes back to the pool. A stream cut early by the stop rule closes its connection (the SDK cannot
# reuse a half-read response): ``STOPPED_EARLY_REPLY`` measures that case.
BODY_REPLY = "total = sum(values)\n    return total / len(values)\n"
STOPPED_EARLY_REPLY = "total = sum(values)\n    return total / len(values)\n\n\ndef other():\n    pass\n"
TYPED = "result = compute(a, "  # 20 characters
# The typing row's keystrokes: statements typed into a function body, Enter indenting the next line.
TYPED_KEYS = [*"total = compute(values, scale) + 1", "\n    "]


def make_source(lines: int = LINES) -> str:
    """A realistic Python module of `lines` lines with an empty function body every 50 lines."""
    out: list[str] = ['"""Generated module for the completion benchmark."""', "", "import math", ""]
    index = 0
    while len(out) < lines - 8:
        out += [
            "",
            f"def function_{index}(values, scale={index}):",
            f'    """Scale and sum the values ({index})."""',
            "    total = 0",
            "    for value in values:",
            "        total += math.floor(value * scale)",
            "    return total",
            "",
        ]
        if index % 6 == 0:
            out += ["", f"def empty_{index}(values):", "    ", ""]
        index += 1
    return "\n".join(out[:lines]) + "\n"


class EmulatorProcess:
    """The emulator in its own process, as a real API is: it shares no interpreter lock with the
    server, so its own HTTP parsing is not counted as the server's time. Requests are read back over
    ``GET /_emulator/requests?since=N`` (``received_at`` is ``time.monotonic()``, one clock for every
    process on Linux)."""

    def __init__(self, keep_alive: bool) -> None:
        command = [sys.executable, "-m", "tests.emulator", "--exit-on-stdin-eof"]
        root = Path(__file__).resolve().parents[1]
        env = dict(os.environ, PYTHONPATH=str(root))
        self.process = subprocess.Popen(
            command + (["--keep-alive"] if keep_alive else []),
            cwd=root,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.base_url = f"http://127.0.0.1:{int(self.process.stdout.readline())}"
        self.openai_base_url = f"{self.base_url}/v1"

    def script(self, *replies: Reply) -> None:
        data = json.dumps([{"text": r.text, "repeat": r.repeat} for r in replies]).encode()
        request = urllib.request.Request(f"{self.base_url}/_emulator/script", data, method="POST")
        request.add_header("content-type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def requests_since(self, count: int) -> list[dict[str, Any]]:
        with urllib.request.urlopen(f"{self.base_url}/_emulator/requests?since={count}", timeout=10) as response:
            records: list[dict[str, Any]] = json.loads(response.read())
        return records

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)


def empty_bodies(document: Document) -> list[tuple[int, int]]:
    return [(n, 4) for n in range(document.line_count) if document.line_text(n) == "    "]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def settings_for(emulator: Emulator, debounce_ms: int) -> Settings:
    return Settings.model_validate(
        {
            "provider": "openai-compatible",
            "base_url": emulator.openai_base_url,
            "model": "qwen2.5-coder:7b",
            "completion": {"debounce_ms": debounce_ms},
        }
    )


def build_engine(settings: Settings, caps: SpendCaps | None = None) -> CompletionEngine:
    from server.models.registry import build_provider

    return CompletionEngine(build_provider(settings, caps=caps), settings)


CAPS = {"daily_usd": 50.0, "monthly_usd": 500.0, "features": {"completion": {"requests_per_minute": 100_000}}}


def _measure_worker_cpu() -> list[float]:
    """CPU milliseconds the context worker spends per completion (the list is filled per call)."""
    spent: list[float] = []
    original = gather_module.gather

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append((time.thread_time() - started) * 1000)

    gather_module.gather = timed  # type: ignore[assignment]
    return spent


async def overhead(
    emulator: EmulatorProcess,
    runs: int,
    debounce_ms: int = 0,
    reply: str = BODY_REPLY,
    typing: bool = False,
    engine: CompletionEngine | None = None,
) -> tuple[list[float], dict[str, list[float]]]:
    """Overhead samples: from the request reaching the engine (debounce 0), or from the end of the
    debounce (debounce_ms > 0: the context is gathered during it), to the upstream request
    arriving, plus the finish. Requests go to each empty function body in turn (every request
    meets code no earlier request read), or with `typing`, one keystroke goes into one body before
    each request (TYPED_KEYS: statements, then Enter; a new document version each time, as when a
    client sends a request per keystroke). `engine`: use this one (for the caps comparison)."""
    engine = engine or build_engine(settings_for(emulator, debounce_ms))
    document = Document("bench_module.py", make_source(), version=1)
    positions = empty_bodies(document)
    typed_line, typed_column = positions[len(positions) // 2]
    if typing:  # a real file has one unfinished body, the one being typed: the others get a `pass`
        lines = document.text.split("\n")
        for line, _ in positions:
            if line != typed_line:
                lines[line] = "    pass"
        document = Document("bench_module.py", "\n".join(lines), version=1)
    shadow = document.copy()  # gets the same keystrokes: what the incremental reparse alone costs
    emulator.script(Reply(text=reply, repeat=True))
    samples: list[float] = []
    parts: dict[str, list[float]] = {
        "context": [],
        "handoff": [],
        "send": [],
        "finish": [],
        "cpu": [],
        "cpu_context": [],
        "reparse": [],
    }
    worker_cpu = _measure_worker_cpu()
    count = len(emulator.requests_since(0))
    for run in range(runs + 5):
        engine.cache = type(engine.cache)()  # every run asks the model
        engine.typeahead.forget("bench")
        if typing:
            key = TYPED_KEYS[run % len(TYPED_KEYS)]
            keystroke = ((typed_line, typed_column), (typed_line, typed_column))
            document.apply_change(keystroke, key, document.version + 1)
            shadow.apply_change(keystroke, key, shadow.version + 1)
            reparse_started = time.perf_counter()
            _ = shadow.tree
            reparse_ms = (time.perf_counter() - reparse_started) * 1000
            if key.startswith("\n"):  # Enter, with the editor's indentation
                typed_line, typed_column = typed_line + 1, len(key) - 1
            else:
                typed_column += len(key)
            position = (typed_line, typed_column)
        else:
            position = positions[run % len(positions)]
        query = CompletionQuery("bench", document, position)
        worker_cpu.clear()
        cpu_started = time.thread_time()
        result = await engine.complete(query)
        cpu_ms = (time.thread_time() - cpu_started) * 1000 + sum(worker_cpu)
        records = await asyncio.to_thread(emulator.requests_since, count)
        count += len(records)
        if (result.text is None and not typing) or len(records) != 1:
            raise SystemExit(f"benchmark run {run} got no suggestion: {result}")
        received_at = records[0]["received_at"]
        assert result.timings.last_event_at is not None
        started = query.received if debounce_ms == 0 else result.timings.debounce_done_at
        assert started is not None
        ms = (received_at - started + result.timings.finished_at - result.timings.last_event_at) * 1000
        if run >= 5:  # warm-up: imports, connection pool, first parse
            samples.append(ms)
            timings = result.timings
            assert timings.upstream_called_at is not None
            parts["context"].append(timings.context_ms)
            before_call = (timings.upstream_called_at - started) * 1000
            parts["handoff"].append(before_call - (timings.context_ms if debounce_ms == 0 else 0.0))
            parts["send"].append((received_at - timings.upstream_called_at) * 1000)
            parts["finish"].append((timings.finished_at - timings.last_event_at) * 1000)
            parts["cpu"].append(cpu_ms)
            parts["cpu_context"].append(sum(worker_cpu))
            if typing:
                parts["reparse"].append(reparse_ms)
    return samples, parts


async def typing_requests(emulator: Emulator) -> int:
    defaults = Settings().completion.debounce_ms
    engine = build_engine(settings_for(emulator, defaults))
    document = Document("bench_module.py", make_source(), version=1)
    line, column = empty_bodies(document)[3]
    emulator.script(Reply(text="pass", repeat=True))
    tasks: list[asyncio.Task[Any]] = []
    for index, char in enumerate(TYPED):
        document.apply_change(((line, column + index), (line, column + index)), char, document.version + 1)
        engine.document_changed("bench", document.version)
        query = CompletionQuery("bench", document, (line, column + index + 1))
        tasks.append(asyncio.create_task(engine.complete(query)))
        await asyncio.sleep(0.05)
    await asyncio.gather(*tasks, return_exceptions=True)
    count = len(emulator.requests)
    emulator.clear()
    return count


async def cancel_to_close(emulator: Emulator, runs: int) -> list[float]:
    engine = build_engine(settings_for(emulator, 0))
    document = Document("bench_module.py", make_source(), version=1)
    positions = empty_bodies(document)
    emulator.script(Reply(text="x = 1\n" * 100, chunk_delay_s=0.2, repeat=True))
    samples: list[float] = []
    for run in range(runs):
        engine.cache = type(engine.cache)()
        serial = len(emulator.requests) + 1
        task = asyncio.create_task(engine.complete(CompletionQuery("bench", document, positions[run % len(positions)])))
        await asyncio.to_thread(emulator.wait_until, lambda n=serial: len(emulator.requests) >= n, 5.0)  # type: ignore[misc]
        await asyncio.sleep(0.01)  # the response has started
        cancelled_at = time.monotonic()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        record = await asyncio.to_thread(emulator.wait_finished, serial, 5.0)
        if record.outcome != "client_closed" or record.finished_at is None:
            raise SystemExit(f"cancelled request {serial} was not closed by the client: {record.outcome}")
        samples.append((record.finished_at - cancelled_at) * 1000)
    emulator.clear()
    return samples


def table(figures: dict[str, float], baseline: dict[str, float] | None) -> str:
    targets = {
        "overhead_p50_ms": 3.0,
        "overhead_p99_ms": 15.0,
        "typing_overhead_p50_ms": 3.0,
        "typing_overhead_p99_ms": 15.0,
        "after_debounce_p50_ms": 3.0,
        "after_debounce_p99_ms": 15.0,
        "typing_after_debounce_p50_ms": 3.0,
        "typing_after_debounce_p99_ms": 15.0,
        "typing_upstream_requests": 2,
        "cancel_close_p50_ms": 20.0,
        "cancel_close_p99_ms": 20.0,
        "caps_check_delta_p50_ms": 0.2,
    }
    rows = [f"{'figure':<30}{'value':>10}{'target':>10}" + ("   baseline" if baseline else "")]
    for name, value in figures.items():
        target = f"<= {targets[name]:g}" if name in targets else ""
        row = f"{name:<30}{value:>10.2f}{target:>10}"
        if baseline and name in baseline:
            row += f"   {baseline[name]:>8.2f} ({value - baseline[name]:+.2f})"
        rows.append(row)
    return "\n".join(rows)


async def collect(runs: int, keep_alive: bool) -> dict[str, float]:
    os.environ.setdefault("OPENAI_API_KEY", "sk-emulator")
    os.environ["OUTRIDER_HOME"] = tempfile.mkdtemp(prefix="outrider-bench-")
    upstream = EmulatorProcess(keep_alive)
    try:
        over, parts = await overhead(upstream, runs)
        typing, typing_parts = await overhead(upstream, runs, typing=True)
        after_debounce, _ = await overhead(upstream, runs, Settings().completion.debounce_ms)
        typing_after_debounce, _ = await overhead(upstream, runs, Settings().completion.debounce_ms, typing=True)
        stopped_early, _ = await overhead(upstream, max(20, runs // 4), reply=STOPPED_EARLY_REPLY)
    finally:
        upstream.close()
    with Emulator(keep_alive=keep_alive) as emulator:
        typed = await typing_requests(emulator)
        closes = await cancel_to_close(emulator, max(10, runs // 10))
    return {
        "overhead_p50_ms": statistics.median(over),
        "overhead_p99_ms": percentile(over, 99),
        "  context_p50_ms": statistics.median(parts["context"]),
        "  handoff_p50_ms": statistics.median(parts["handoff"]),
        "  sdk_send_p50_ms": statistics.median(parts["send"]),
        "  finish_p50_ms": statistics.median(parts["finish"]),
        "typing_overhead_p50_ms": statistics.median(typing),
        "typing_overhead_p99_ms": percentile(typing, 99),
        "  typing_reparse_p50_ms": statistics.median(typing_parts["reparse"]),
        "  typing_context_p50_ms": statistics.median(typing_parts["context"]),
        "after_debounce_p50_ms": statistics.median(after_debounce),
        "after_debounce_p99_ms": percentile(after_debounce, 99),
        "typing_after_debounce_p50_ms": statistics.median(typing_after_debounce),
        "typing_after_debounce_p99_ms": percentile(typing_after_debounce, 99),
        "stopped_early_p50_ms": statistics.median(stopped_early),
        "cpu_per_completion_p50_ms": statistics.median(parts["cpu"]),
        "cpu_per_completion_p99_ms": percentile(parts["cpu"], 99),
        "  cpu_context_p50_ms": statistics.median(parts["cpu_context"]),
        "typing_upstream_requests": float(typed),
        "cancel_close_p50_ms": statistics.median(closes),
        "cancel_close_p99_ms": percentile(closes, 99),
    }


async def caps_comparison(runs: int, blocks: int = 6) -> dict[str, float]:
    """Overhead without and with spend caps, in alternating blocks of the same engine set-up."""
    os.environ.setdefault("OPENAI_API_KEY", "sk-emulator")
    os.environ["OUTRIDER_HOME"] = tempfile.mkdtemp(prefix="outrider-bench-")
    upstream = EmulatorProcess(True)
    try:
        plain_settings = settings_for(upstream, 0)
        priced = {"qwen2.5-coder:7b": {"input": 0.1, "output": 0.1}}  # so the dollar caps apply too
        capped = {**plain_settings.model_dump(), "caps": CAPS, "prices": priced}
        capped_settings = Settings.model_validate(capped)
        caps = SpendCaps.open(capped_settings, on_alert=None)
        admit_ms: list[float] = []
        admit = caps.admit

        async def timed_admit(*args: Any) -> Any:
            started = time.perf_counter()
            try:
                return await admit(*args)
            finally:
                admit_ms.append((time.perf_counter() - started) * 1000)

        caps.admit = timed_admit  # type: ignore[method-assign]
        engines = {"off": build_engine(plain_settings), "on": build_engine(capped_settings, caps)}
        samples: dict[str, list[float]] = {"off": [], "on": []}
        for block in range(blocks):
            for name in ("off", "on") if block % 2 == 0 else ("on", "off"):
                block_samples, _ = await overhead(upstream, max(5, 2 * runs // blocks), engine=engines[name])
                samples[name].extend(block_samples)
        caps.close()
    finally:
        upstream.close()
    off, on = statistics.median(samples["off"]), statistics.median(samples["on"])
    return {
        "caps_off_overhead_p50_ms": off,
        "caps_on_overhead_p50_ms": on,
        "caps_check_delta_p50_ms": on - off,
        "  caps_admit_p50_ms": statistics.median(admit_ms),
        "  caps_admit_p99_ms": percentile(admit_ms, 99),
        "caps_off_overhead_p99_ms": percentile(samples["off"], 99),
        "caps_on_overhead_p99_ms": percentile(samples["on"], 99),
    }


def main(args: argparse.Namespace) -> int:
    if args.caps:
        figures = asyncio.run(caps_comparison(args.runs))
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        print(
            f"inline completion overhead without and with spend caps ({args.runs} runs each, "
            f"in 6 alternating blocks; load {load})"
        )
        print(table(figures, None))
        return 0
    figures = asyncio.run(collect(args.runs, keep_alive=not args.connection_close))
    baseline = json.loads(Path(args.baseline).read_text()) if args.baseline else None
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    connection = "a new connection per request" if args.connection_close else "kept-alive connections"
    print(
        f"inline completion, {LINES}-line file, emulator with zero model delay and {connection}"
        f" ({args.runs} runs; load {load})"
    )
    print(table(figures, baseline))
    if args.save:
        Path(args.save).write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--save", metavar="FILE", help="write the figures as JSON")
    parser.add_argument("--baseline", metavar="FILE", help="compare with figures saved earlier")
    parser.add_argument("--caps", action="store_true", help="only the overhead without and with spend caps")
    parser.add_argument(
        "--connection-close",
        action="store_true",
        help="the emulator closes every connection (as before keep-alive): each request opens a new one",
    )
    sys.exit(main(parser.parse_args()))
