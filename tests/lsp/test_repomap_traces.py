"""The agent reads the session's one repo map (``find_symbol``) and traces every model call into the
session's shared trace store: one recorded agent run through LSP leaves one trace row per model call."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from server.observe.store import TraceFilter, TraceStore, default_db_path
from tests.agent.lsp_editor import PretendEditor, progress_end, run_agent
from tests.agent.task_scripts import RENAME
from tests.lsp.conftest import StartClient, copy_workspace

SESSION = Path(__file__).resolve().parents[1] / "agent" / "sessions" / "rename.jsonl"
CHECKS = [sys.executable, "run_checks.py"]  # as the session was recorded (tests/lsp/test_agent_tasks.py)


def recorded_calls(session: Path) -> int:
    lines = session.read_text(encoding="utf-8").splitlines()
    return sum(1 for line in lines if json.loads(line).get("kind") == "request")


async def agent_rows(store: TraceStore, expected: int, timeout_s: float = 10.0) -> list[dict[str, Any]]:
    """The store's agent rows once there are `expected` of them (rows are written by a thread)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        rows = store.recent(TraceFilter(limit=100, feature="agent"))
        if len(rows) >= expected or asyncio.get_running_loop().time() > deadline:
            return rows
        await asyncio.sleep(0.05)


async def test_an_agent_run_is_traced_in_the_session_store(
    start_client: StartClient, client_profile: str, lsp_env: dict[str, str], tmp_path: Path
) -> None:
    work = copy_workspace(RENAME.workspace.name, tmp_path)
    options = {"provider": "replay", "replay_session": str(SESSION), "agent": {"test_commands": [CHECKS]}}
    client = await start_client(workspace=work, profile=client_profile, initialization_options=options)
    PretendEditor(client).install()
    started = await run_agent(client, {"instruction": RENAME.instruction, "runTests": True})
    end = await progress_end(client, started["token"])
    assert end.message is not None and "Applied." in end.message, end.message

    expected = recorded_calls(SESSION)
    store = TraceStore(default_db_path({"OUTRIDER_HOME": lsp_env["OUTRIDER_HOME"]}))
    rows = await agent_rows(store, expected)
    assert expected == 4 and len(rows) == expected, rows
    assert all(row["outcome"] == "ok" and row["provider"] == "replay" for row in rows), rows
    assert sum(row["output_tokens"] for row in rows) > 0
