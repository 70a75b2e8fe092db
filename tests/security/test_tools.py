"""Tool corpus: hostile files and arguments. Every call must answer (no hang, no exception) within a
deadline, only regular files inside the workspace are ever read, and nothing secret comes back."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.agent.loop import AgentLoop, LoopLimits
from server.agent.outcomes import Final
from tests.agent.conftest import budget
from tests.scripted_provider import ScriptedProvider, text_reply, tool_reply
from tools.registry import all_tools
from tools.sandbox import Workspace
from tools.tool import ToolDef, ToolEnv, ToolResult

DEADLINE_S = 30.0  # far above any tool's own limit: reaching it means the tool hung
ENV_SECRET = "SymlinkedEnvSecret0042"


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "ws"
    (root / "src").mkdir(parents=True)
    (root / "src" / "ok.py").write_text("VALUE = 1\n")
    (root / ".env").write_text(f"MAIL_LOGIN_VALUE={ENV_SECRET}\n")
    os.mkfifo(root / "pipe.py")
    (root / "src" / "zero.py").symlink_to("/dev/zero")
    (root / "loop_a.py").symlink_to(root / "loop_b.py")
    (root / "loop_b.py").symlink_to(root / "loop_a.py")
    (root / "docs").mkdir()
    (root / "docs" / "env_notes.txt").symlink_to("../.env")
    with open(root / "huge.py", "wb") as handle:
        handle.truncate(200_000_000)  # sparse: 200 MB without the disk space
    (root / "redos.txt").write_text("a" * 40 + "!\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(root / "sock.py"))
    try:
        yield root
    finally:
        server.close()
        release_fifo_readers(root / "pipe.py")


def release_fifo_readers(fifo: Path) -> None:
    """Unblock any thread still stuck opening the FIFO (so a failed test cannot hang the session)."""
    for _ in range(8):
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            return  # no reader is waiting


def _env(root: Path) -> ToolEnv:
    return ToolEnv(Workspace([root]), max_file_bytes=1_000_000)


async def _call(root: Path, tool: str, **arguments: Any) -> ToolResult:
    try:
        return await asyncio.wait_for(all_tools()[tool].call(arguments, _env(root)), DEADLINE_S)
    except TimeoutError:
        release_fifo_readers(root / "pipe.py")  # else the stuck thread hangs the event loop's shutdown
        raise


SPECIAL = ("pipe.py", "sock.py", "src/zero.py", "loop_a.py", "huge.py", "docs/env_notes.txt")


@pytest.mark.parametrize("path", SPECIAL)
async def test_read_file_refuses_anything_but_a_regular_file(hostile: Path, path: str) -> None:
    result = await _call(hostile, "read_file", path=path)
    assert result.is_error and ENV_SECRET not in result.text


@pytest.mark.parametrize("path", SPECIAL)
async def test_propose_edit_refuses_anything_but_a_regular_file(hostile: Path, path: str) -> None:
    result = await _call(hostile, "propose_edit", path=path, edits=[{"search": "x", "replace": "y"}])
    assert result.is_error and ENV_SECRET not in result.text


@pytest.mark.parametrize("path", SPECIAL)
async def test_search_on_a_special_file_answers_without_reading_it(hostile: Path, path: str) -> None:
    result = await _call(hostile, "search", pattern="=", path=path)
    assert ENV_SECRET not in result.text and "VALUE" not in result.text


async def test_search_of_the_whole_workspace_skips_special_files(hostile: Path) -> None:
    result = await _call(hostile, "search", pattern="VALUE")
    assert "src/ok.py:1: VALUE = 1" in result.text and ENV_SECRET not in result.text
    assert "env_notes" not in result.text


async def test_list_files_lists_only_regular_files_inside(hostile: Path) -> None:
    result = await _call(hostile, "list_files", path=".")
    listed = set(result.text.split())
    assert "src/ok.py" in listed or "ok.py" in result.text
    for special in ("pipe.py", "sock.py", "zero.py", "loop_a.py", "env_notes.txt"):
        assert special not in result.text


async def test_redos_pattern_is_stopped(hostile: Path) -> None:
    result = await _call(hostile, "search", pattern="(a+)+$", path="redos.txt")
    assert result.is_error and "took longer" in result.text


@pytest.mark.parametrize("path", ["src/\x00ok.py", "a/" * 3000 + "b.py", "x" * 5000, "src/ok.py\n../../etc/passwd"])
@pytest.mark.parametrize("tool", ["read_file", "search", "list_files", "propose_edit"])
async def test_hostile_paths_are_refused_not_raised(hostile: Path, tool: str, path: str) -> None:
    arguments: dict[str, Any] = {"path": path}
    if tool == "search":
        arguments["pattern"] = "x"
    if tool == "propose_edit":
        arguments["new_content"] = "x\n"
    result = await _call(hostile, tool, **arguments)
    assert result.is_error and "failed:" not in result.text


async def test_nul_byte_in_a_pattern_is_harmless(hostile: Path) -> None:
    result = await _call(hostile, "search", pattern="VALUE\x00")
    assert "no matches" in result.text


async def _hang(args: Any, env: ToolEnv) -> ToolResult:
    await asyncio.Event().wait()
    return ToolResult("never")


async def test_every_tool_call_has_a_deadline(hostile: Path) -> None:
    read = all_tools()["read_file"]
    hanging = ToolDef("read_file", "hangs", read.input_model, _hang)
    provider = ScriptedProvider([tool_reply(("read_file", {"path": "src/ok.py"})), text_reply("gave up")])
    loop = AgentLoop(
        provider,
        {"read_file": hanging},
        _env(hostile),
        budget(),
        system="s",
        model="m",
        limits=LoopLimits(tool_timeout_s=0.5),
    )
    outcome = await asyncio.wait_for(loop.run("read it"), DEADLINE_S)
    assert isinstance(outcome, Final)
    tool_result = provider.requests[1].messages[-1].parts[0]
    assert "did not finish within 0.5 s" in str(tool_result)
