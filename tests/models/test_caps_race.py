"""Several processes spending through the real provider stack at once, against one daily cap in one
shared ledger: the cap holds, overshooting at most by the calls in flight."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from server.models.caps import window_bounds
from server.observe.ledger import SpendLedger
from tests.emulator import Emulator, Reply
from tests.emulator.fixtures import REPO_ROOT
from tests.emulator.script import ScriptedUsage

PROCESSES = 4
TASKS_PER_PROCESS = 3
CAP_USD = 0.20
# Priced at $100 per million tokens both ways, a call costs (20 + 5) tokens = $0.0025, while
# its reservation estimates (27 chars / 3 + 1 + 5 max tokens) = 15 tokens = $0.0015: the estimate
# is low on purpose, so only the reservations in flight can explain any overshoot.
CALL_USD = 0.0025

SPENDER = """
import asyncio, json, os, sys, time
from server.config import Settings
from server.models.caps import SpendCaps
from server.models.registry import build_provider
from server.models.types import ErrorEvent, FimRequest

async def worker(stack, counts):
    request = FimRequest(feature="completion", prefix="x" * 27, suffix="", max_tokens=5)
    while True:
        events = [event async for event in stack.stream_fim(request)]
        last = events[-1]
        if isinstance(last, ErrorEvent):
            counts[last.kind] = counts.get(last.kind, 0) + 1
            return
        counts["ok"] = counts.get("ok", 0) + 1

async def main():
    settings = Settings.model_validate(json.loads(sys.argv[1]))
    caps = SpendCaps.open(settings)
    stack = build_provider(settings, env={"OPENAI_API_KEY": "sk-test"}, caps=caps)
    counts = {}
    ready, go = sys.argv[3], sys.argv[4]
    open(ready, "w").close()
    while not os.path.exists(go):  # every process starts spending at once
        time.sleep(0.005)
    await asyncio.gather(*(worker(stack, counts) for _ in range(int(sys.argv[2]))))
    caps.close()
    print(json.dumps(counts))

asyncio.run(main())
"""


def test_processes_racing_at_the_cap(emulator: Emulator, tmp_path: Path) -> None:
    emulator.script(Reply(text="y = 1", usage=ScriptedUsage(input_tokens=20, output_tokens=5), repeat=True))
    settings = {
        "provider": "openai-compatible",
        "base_url": emulator.openai_base_url,
        "model": "qwen2.5-coder:7b",
        "prices": {"qwen2.5-coder:7b": {"input": 100.0, "output": 100.0}},
        "caps": {"daily_usd": CAP_USD},
        "traces": {"enabled": False},
    }
    env = {**os.environ, "OUTRIDER_HOME": str(tmp_path), "PYTHONPATH": str(REPO_ROOT)}
    started = time.time()
    go = tmp_path / "go"
    ready = [tmp_path / f"ready{i}" for i in range(PROCESSES)]
    spenders = [
        subprocess.Popen(
            [sys.executable, "-c", SPENDER, json.dumps(settings), str(TASKS_PER_PROCESS), str(ready[i]), str(go)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(PROCESSES)
    ]
    deadline = time.monotonic() + 60
    while not all(path.exists() for path in ready):  # wait for every process to be ready
        assert time.monotonic() < deadline and all(s.poll() is None for s in spenders), "a spender did not start"
        time.sleep(0.01)
    go.touch()
    counts = []
    for spender in spenders:
        out, err = spender.communicate(timeout=120)
        assert spender.returncode == 0, err
        counts.append(json.loads(out))
    calls = sum(count.get("ok", 0) for count in counts)
    assert all(count.get("spend_cap") == TASKS_PER_PROCESS for count in counts), counts  # every task stopped
    assert len(emulator.requests) == calls  # a refused call never reached the provider
    ledger = SpendLedger(tmp_path / "traces.sqlite3")
    day = window_bounds("day", started)[0]
    spent = ledger.use(("day", day, "*")).usd
    ledger.close()
    assert spent == calls * CALL_USD or abs(spent - calls * CALL_USD) < 1e-9
    in_flight = PROCESSES * TASKS_PER_PROCESS
    assert spent <= CAP_USD + in_flight * CALL_USD
    assert spent > CAP_USD - CALL_USD  # the cap was reached, not stopped short of
    assert sum(1 for count in counts if count.get("ok")) >= 2  # more than one process spent
