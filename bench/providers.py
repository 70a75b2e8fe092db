"""Provider-stack overhead: our layers (retries, breaker, timeouts, tracing) over the raw SDK.

Against the wire emulator with zero model delay, per provider (Anthropic, OpenAI), medians of
``--runs`` rounds of ``--calls`` calls each:

- raw SDK: time to the first text delta and to the end of the stream, calling the SDK directly;
- our stack: the same through ``build_provider`` (with the SQLite tracer attached);
- overhead: stack minus raw (what our layers cost per call);
- retry: one 429 (retry-after 0) then success, total time through the stack;
- trace rows/s: CallRecords written by the trace store's writer thread.

    .venv/bin/python bench/providers.py [--runs 5] [--calls 20] [--save FILE] [--baseline FILE]

Target: overhead p50 <= 2 ms per call to first token.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import anthropic
import openai

from server.config import Settings
from server.models.calls import CallRecord
from server.models.registry import build_provider
from server.models.types import ChatRequest, Message, TextDelta
from server.observe.store import TraceStore
from server.observe.tracer import Tracer
from tests.emulator import Emulator, Reply

TARGET_OVERHEAD_MS = 2.0
REQUEST = ChatRequest("bench", "You are terse.", (Message.user("hello"),), max_tokens=64)
REPLY = Reply(text="Hello! " * 8, repeat=True)


async def _raw_call(name: str, emu: Emulator) -> tuple[float, float]:
    start = time.perf_counter()
    first = 0.0
    if name == "anthropic":
        client = _RAW["anthropic"]
        stream = await client.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=64,
            system="You are terse.",
            messages=[{"role": "user", "content": "hello"}],
            stream=True,
        )
        async for event in stream:
            if not first and event.type == "content_block_delta":
                first = time.perf_counter() - start
    else:
        client = _RAW["openai"]
        stream = await client.chat.completions.create(
            model="gpt-4.1",
            messages=[{"role": "system", "content": "You are terse."}, {"role": "user", "content": "hello"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        async for chunk in stream:
            if not first and chunk.choices and chunk.choices[0].delta.content:
                first = time.perf_counter() - start
    return first, time.perf_counter() - start


async def _stack_call(provider: Any) -> tuple[float, float]:
    start = time.perf_counter()
    first = 0.0
    async for event in provider.stream(REQUEST):
        if not first and isinstance(event, TextDelta):
            first = time.perf_counter() - start
    return first, time.perf_counter() - start


_RAW: dict[str, Any] = {}


def _settings(name: str, emu: Emulator) -> Settings:
    url = emu.anthropic_base_url if name == "anthropic" else emu.openai_base_url
    return Settings.model_validate({"provider": name, "base_url": url, "retry": {"backoff_base_s": 0.0}})


async def bench_provider(name: str, emu: Emulator, runs: int, calls: int, tracer: Tracer) -> dict[str, float]:
    env = {"ANTHROPIC_API_KEY": "k", "OPENAI_API_KEY": "k"}
    url = emu.anthropic_base_url if name == "anthropic" else emu.openai_base_url
    _RAW[name] = (
        anthropic.AsyncAnthropic(base_url=url, api_key="k", max_retries=0)
        if name == "anthropic"
        else openai.AsyncOpenAI(base_url=url, api_key="k", max_retries=0)
    )
    provider = build_provider(_settings(name, emu), tracer=tracer, env=env)
    await _raw_call(name, emu)  # warm both paths
    await _stack_call(provider)
    raw_first, raw_total, ours_first, ours_total = [], [], [], []
    for _ in range(runs):
        for _ in range(calls):
            first, total = await _raw_call(name, emu)
            raw_first.append(first)
            raw_total.append(total)
            first, total = await _stack_call(provider)
            ours_first.append(first)
            ours_total.append(total)
    retry_totals = []
    for _ in range(runs):
        emu.script(Reply(fault="rate_limit", retry_after=0))
        emu._queue.insert(0, emu._queue.pop())  # the fault goes before the repeating reply
        retry_totals.append((await _stack_call(provider))[1])
    ms = 1000.0
    return {
        "raw_ttft_ms": statistics.median(raw_first) * ms,
        "stack_ttft_ms": statistics.median(ours_first) * ms,
        "overhead_ttft_ms": (statistics.median(ours_first) - statistics.median(raw_first)) * ms,
        "raw_total_ms": statistics.median(raw_total) * ms,
        "stack_total_ms": statistics.median(ours_total) * ms,
        "overhead_total_ms": (statistics.median(ours_total) - statistics.median(raw_total)) * ms,
        "retry_429_total_ms": statistics.median(retry_totals) * ms,
    }


def bench_trace_store(rows: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        store = TraceStore(Path(tmp) / "t.sqlite3").open()
        record = CallRecord("bench", "anthropic", "m", time.time(), 0.0, 0.01, 0.1, "ok", input_tokens=10)
        start = time.perf_counter()
        for _ in range(rows):
            store.record(record)
        store.flush(timeout=60)
        elapsed = time.perf_counter() - start
        store.close()
    return rows / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--save", type=Path)
    parser.add_argument("--baseline", type=Path)
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with Emulator() as emu, tempfile.TemporaryDirectory() as tmp:
        emu.script(REPLY)
        tracer = Tracer(TraceStore(Path(tmp) / "traces.sqlite3").open(), None)
        for name in ("anthropic", "openai"):
            results[name] = asyncio.run(bench_provider(name, emu, args.runs, args.calls, tracer))
        tracer.close()
    results["trace_rows_per_s"] = bench_trace_store(2000)
    baseline = json.loads(args.baseline.read_text()) if args.baseline else None
    print(f"provider stack vs raw SDK (emulator, zero delay; medians of {args.runs}x{args.calls} calls)")
    print(f"{'metric':<22}{'anthropic':>12}{'openai':>12}" + (f"{'base a':>10}{'base o':>10}" if baseline else ""))
    for key in results["anthropic"]:
        row = f"{key:<22}{results['anthropic'][key]:>12.2f}{results['openai'][key]:>12.2f}"
        if baseline:
            row += f"{baseline['anthropic'][key]:>10.2f}{baseline['openai'][key]:>10.2f}"
        print(row)
    print(f"{'trace rows/s':<22}{results['trace_rows_per_s']:>12.0f}")
    worst = max(results["anthropic"]["overhead_ttft_ms"], results["openai"]["overhead_ttft_ms"])
    verdict = "met" if worst <= TARGET_OVERHEAD_MS else "NOT met"
    print(f"target: overhead to first token <= {TARGET_OVERHEAD_MS} ms: {verdict}")
    if args.save:
        args.save.write_text(json.dumps(results, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
