"""``outrider context`` shows byte for byte what the editor path sends: the same workspace, the same
file and position, the LSP server's request at the wire emulator against the command's packed
context put into the same prompt (``server/commands/context.py``, ``context/packing/pack.py``)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from context.packing.packed import PackedContext
from server.completion.prompt import PromptParts, fim_request
from tests.emulator.script import Reply
from tests.emulator.server import Emulator
from tests.lsp.completion_client import completion_settings, inline_params, launch_completion_session
from tests.lsp.conftest import REPO_ROOT, copy_workspace, isolated_env, open_document, stop_client, uri_of

MODEL = "qwen2.5-coder:7b"
BUDGET = 1024
SERVICE = Path("shop") / "orders" / "service.py"
CURSOR = types.Position(line=18, character=8)


async def wait_until_indexed(client: LanguageClient, limit_s: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + limit_s
    while True:
        state: dict[str, Any] = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="outrider.debug.repoMap", arguments=[{"brief": True}])
        )
        if state and state["files"] and not state["indexing"] and not state["parsing"]:
            return
        assert asyncio.get_running_loop().time() < deadline, f"still indexing: {state}"
        await asyncio.sleep(0.05)


def command_context(root: Path, home: Path) -> PackedContext:
    where = f"{root / SERVICE}:{CURSOR.line + 1}:{CURSOR.character + 1}"
    env = isolated_env(home, {"OUTRIDER_PROVIDER": "openai-compatible", "OUTRIDER_MODEL": MODEL})
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "server.cli",
            "context",
            where,
            "--workspace",
            str(root),
            "--budget",
            str(BUDGET),
            "--json",
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return PackedContext.from_json(json.loads(done.stdout))


@pytest.mark.parametrize("profile", ["visual-studio-code"])
async def test_outrider_context_is_what_the_editor_sends(profile: str, tmp_path: Path) -> None:
    root = copy_workspace("retrieval", tmp_path)
    with Emulator() as emulator:
        settings = completion_settings(emulator, context_tokens=BUDGET)
        settings["model"] = MODEL
        session = await launch_completion_session(root, emulator, profile, inline=True, settings=settings)
        try:
            await wait_until_indexed(session.client)
            emulator.script(Reply(text="return 1"))
            uri = uri_of(root / SERVICE)
            open_document(session.client, uri, (root / SERVICE).read_text(encoding="utf-8"))
            await session.client.text_document_inline_completion_async(inline_params(uri, CURSOR))
            (request,) = emulator.requests
        finally:
            await stop_client(session.client)
    packed = command_context(root, tmp_path / "cli-home")
    assert "Definitions used near the cursor" in [s.title for s in packed.sections]
    parts = PromptParts(packed.path, packed.language, packed.prefix, packed.suffix, packed.related_blocks())
    expected = fim_request(parts, "multi_line", max_tokens=64, model=MODEL, metadata={})
    assert request.body["prompt"] == expected.prefix
    assert request.body["suffix"] == expected.suffix
