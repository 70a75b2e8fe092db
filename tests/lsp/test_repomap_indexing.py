"""Indexing a larger workspace does not hold the session up: a completion requested while the repo
map is being indexed is answered, and cancelling the indexing progress stops it (completions go on
with what is indexed). Both client profiles, the wire emulator as the completion model."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from lsprotocol import types

from tests.emulator.server import Emulator
from tests.lsp.completion_client import fresh_emulator, fresh_uri, inline_params, launch_completion_session
from tests.lsp.conftest import PROFILES, stop_client
from tests.lsp.test_repomap import TOKEN, progress_end, repo_map_state

FILES = 2000  # indexing outlasts a few requests; cancelled as soon as it begins
FUNCTIONS = 100  # per file: indexing is lexical (fast), so the files are larger than a parse would need
BODY = "total = a + b\n    return total\n"


def write_workspace(root: Path) -> None:
    for number in range(FILES):
        package = root / f"pkg{number // 100}"
        package.mkdir(parents=True, exist_ok=True)
        functions = "".join(f"def func_{number}_{j}(x):\n    return helper_{j}(x) + {j}\n\n" for j in range(FUNCTIONS))
        (package / f"mod{number}.py").write_text(functions, encoding="utf-8")


async def begun(reports: dict[object, list[object]], token: str, timeout_s: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not reports.get(token):
        assert asyncio.get_running_loop().time() < deadline, f"{token} did not begin within {timeout_s}s"
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("profile", PROFILES)
async def test_completion_while_indexing_and_cancel(profile: str, tmp_path: Path, emulator: Emulator) -> None:
    root = tmp_path / "big"
    write_workspace(root)
    session = await launch_completion_session(root, emulator, profile, inline=True)
    client = session.client
    try:
        await begun(client.progress_reports, TOKEN)
        fresh_emulator(session).script({"text": BODY}).script({"text": BODY})
        # asked while indexing (its first answer builds the engine, which can outlast indexing these
        # files: the cancel goes out at once, so that indexing is surely still running)
        asked = asyncio.ensure_future(client.text_document_inline_completion_async(inline_params(fresh_uri(session))))
        client.protocol.notify(types.WINDOW_WORK_DONE_PROGRESS_CANCEL, types.WorkDoneProgressCancelParams(token=TOKEN))
        result = await asked
        assert isinstance(result, types.InlineCompletionList) and len(result.items) == 1
        end = await progress_end(client, TOKEN)
        assert end.message is not None and (match := re.fullmatch(r"Cancelled: (\d+) files indexed", end.message))
        assert int(match.group(1)) < FILES, end.message
        state = await repo_map_state(client)
        assert state["cancelled"] and not state["indexing"]
        assert state["files"] < FILES

        again = await client.text_document_inline_completion_async(inline_params(fresh_uri(session)))
        assert isinstance(again, types.InlineCompletionList) and len(again.items) == 1
        assert len(emulator.requests) == 2
    finally:
        await stop_client(client)
