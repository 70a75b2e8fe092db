"""What the ACP frontend and MCP servers cost, against the emulator (no model time to speak of).

For each run: start ``outrider acp`` with the SDK's client side and time ``initialize``; then one
prompt turn whose model reply is a short text (``session/prompt`` sent -> response received), side
by side with the same scripted turn run in process by ``run_agent_task`` (the baseline: no
protocol, no process). MCP: starting ``mcp-server-time`` (from PyPI) and listing its tools, and one
tool call, through :func:`server.mcp.toolbox.open_mcp_tools`. Medians of ``--runs``.

    .venv/bin/python bench/acp_frontend.py [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from acp import PROTOCOL_VERSION, spawn_agent_process, text_block

from server.agent.session import AgentTask, build_env, run_agent_task
from server.config import McpSettings, Settings
from server.mcp.approvals import AllowForRun, ApprovalStore
from server.mcp.toolbox import open_mcp_tools
from server.models.registry import build_provider
from tests.emulator import Emulator
from tools.tool import ToolEnv

ROOT = Path(__file__).resolve().parent.parent
REPLY = {"text": "A short answer."}


class QuietClient:
    async def session_update(self, session_id: str, update: Any, **kw: Any) -> None:
        return None

    async def request_permission(self, *args: Any, **kw: Any) -> Any:
        raise RuntimeError("not asked in this benchmark")


async def acp_run(emu: Emulator, work: Path, env: dict[str, str]) -> tuple[float, float, float]:
    emu.script(REPLY, REPLY)
    argv = ["-c", "import sys; from server.cli import main; sys.exit(main())", "acp", "--provider", "anthropic"]
    argv += ["--base-url", emu.anthropic_base_url]
    started = time.perf_counter()
    async with spawn_agent_process(QuietClient(), sys.executable, *argv, env=env, cwd=ROOT) as (conn, _):
        await conn.initialize(protocol_version=PROTOCOL_VERSION)
        initialized = time.perf_counter() - started
        session = await conn.new_session(cwd=str(work))
        turns = []
        for _ in range(2):  # the first turn of a process pays for lazy imports and a new connection
            asked = time.perf_counter()
            await conn.prompt(session_id=session.session_id, prompt=[text_block("Explain.")])
            turns.append(time.perf_counter() - asked)
    return initialized, turns[0], turns[1]


async def in_process_turn(emu: Emulator, work: Path) -> float:
    emu.script(REPLY)
    settings = Settings.model_validate({"provider": "anthropic", "base_url": emu.anthropic_base_url})
    provider = build_provider(settings)
    started = time.perf_counter()
    await run_agent_task(AgentTask("Explain."), build_env(settings, [work]), settings, provider=provider)
    return time.perf_counter() - started


async def mcp_run(state: Path) -> tuple[float, float]:
    command = str(Path(sys.executable).with_name("mcp-server-time"))
    settings = McpSettings.model_validate({"servers": {"time": {"command": command}}})
    workspace = build_env(Settings(), [state]).workspace

    started = time.perf_counter()
    async with open_mcp_tools(settings, AllowForRun(), store=ApprovalStore(state / "approvals.json")) as tools:
        listed = time.perf_counter() - started
        called = time.perf_counter()
        await tools["mcp__time__get_current_time"].call({"timezone": "UTC"}, ToolEnv(workspace))
        call = time.perf_counter() - called
    return listed, call


def row(name: str, values: list[float]) -> str:
    low, high = min(values) * 1000, max(values) * 1000
    return f"| {name} | {statistics.median(values) * 1000:.0f} ms | {low:.0f}-{high:.0f} ms |"


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as scratch, Emulator() as emu:
        work = Path(scratch) / "work"
        work.mkdir()
        (work / "a.py").write_text("x = 1\n", encoding="utf-8")
        env = {**os.environ, "ANTHROPIC_API_KEY": "sk-ant-bench", "OUTRIDER_HOME": scratch, "PYTHONPATH": str(ROOT)}
        env["XDG_CONFIG_HOME"] = scratch
        os.environ.update(OUTRIDER_HOME=scratch, XDG_CONFIG_HOME=scratch, ANTHROPIC_API_KEY="sk-ant-bench")
        results: dict[str, list[float]] = {k: [] for k in ("init", "first", "turn", "base", "mcp_list", "mcp_call")}
        for _ in range(runs):
            init, first, turn = await acp_run(emu, work, env)
            results["init"].append(init)
            results["first"].append(first)
            results["turn"].append(turn)
            results["base"].append(await in_process_turn(emu, work))
            listed, call = await mcp_run(Path(scratch))
            results["mcp_list"].append(listed)
            results["mcp_call"].append(call)
    print(f"| figure ({runs} runs) | median | range |\n|---|---|---|")
    print(row("`outrider acp` start -> initialize answered", results["init"]))
    print(row("first one-step turn of a process over ACP (session/prompt -> response)", results["first"]))
    print(row("next one-step turn in the same session over ACP", results["turn"]))
    print(row("the same turn in process, warm (baseline: no protocol, no process)", results["base"]))
    print(row("mcp-server-time started and listed", results["mcp_list"]))
    print(row("one MCP tool call (get_current_time)", results["mcp_call"]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    asyncio.run(main(parser.parse_args().runs))
