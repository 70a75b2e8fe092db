"""The seeded-secret corpus (:mod:`tests.security.corpus`) driven through every path that reads
workspace text: inline completions over LSP, every agent tool, ``outrider context``, and the state
folder those runs leave behind. Each test is one (path, secret) attack: the secret must not appear
in what reached the wire emulator, the command's output, or any file under ``$OUTRIDER_HOME``.

The runs happen once per module (they are the expensive part); the tests read their results.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp.client import make_test_lsp_client

from server.agent.session import AgentTask, build_env, run_agent_task
from server.config import AgentSettings, Settings
from server.models.registry import build_provider
from tests.emulator.server import Emulator
from tests.lsp.completion_client import CompletionSession, capabilities, completion_settings
from tests.lsp.conftest import REPO_ROOT, START_TIMEOUT_S, isolated_env, open_document, stop_client, uri_of
from tests.security.corpus import ENV_SECRETS, SEEDED, SYMLINK_TO_ENV, all_secrets, write_corpus

SECRETS = all_secrets()
FILE_KINDS = sorted(seeded.kind for seeded in SEEDED)

# Prints the whole environment and every file of the scratch copy it runs in.
DUMP_EVERYTHING = [
    sys.executable,
    "-c",
    "import os, pathlib\n"
    "print(sorted(os.environ.items()))\n"
    "for p in sorted(pathlib.Path('.').rglob('*')):\n"
    "    print(p, p.read_text(errors='replace') if p.is_file() else '')\n",
]


def _call(tool: str, **arguments: object) -> dict[str, object]:
    return {"name": tool, "arguments": arguments}


def agent_attacks() -> list[dict[str, object]]:
    calls = [_call("list_files", path="."), _call("git_diff"), _call("run_tests")]
    for seeded in SEEDED:
        calls.append(_call("read_file", path=seeded.path))
        calls.append(_call("search", pattern=".", path=seeded.path))
    calls += [
        _call("read_file", path=SYMLINK_TO_ENV),
        _call("search", pattern="=", path=SYMLINK_TO_ENV),
        _call("search", pattern="[A-Za-z0-9]{12}"),
        _call("search", pattern="password|secret|key|token|PRIVATE", case_sensitive=False),
    ]
    for name in ("KEY_ID", "SMTP_PASSWORD", "relay_password", "connect", "PAYMENT", "HMAC_SEED", "SESSION"):
        calls.append(_call("find_symbol", name=name))
    calls += [_call("propose_edit", path=seeded.path, delete=True) for seeded in SEEDED]
    calls.append(_call("git_diff", what="proposed"))
    return calls


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_corpus(tmp_path_factory.mktemp("security") / "ws")
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    return root


@pytest.fixture(scope="module")
def agent_sent(corpus: Path) -> str:
    """Everything the agent's requests carried, after one run making every attack."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in ENV_SECRETS.items():
            patch.setenv(name, value)
        with Emulator() as emulator:
            emulator.script({"tool_calls": agent_attacks()}, {"text": "done"}, {"text": "done", "repeat": True})
            settings = Settings(
                provider="openai",
                base_url=emulator.openai_base_url,
                agent=AgentSettings(test_commands=[DUMP_EVERYTHING]),
            )
            provider = build_provider(settings, env={"OPENAI_API_KEY": "sk-emulator"})
            env = build_env(settings, [corpus])
            run = asyncio.run(run_agent_task(AgentTask("Audit the project."), env, settings, provider=provider))
            sent = str([request.body for request in emulator.requests])
    assert run.outcome is not None
    assert "README.md" in sent and "exit code" in sent  # the attacks ran (the tools answered)
    return sent


@pytest.fixture(scope="module")
def context_printed(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """`outrider context FILE:LINE:1` at each seeded secret, stdout and stderr together."""
    home = tmp_path_factory.mktemp("context_home")
    env = isolated_env(home)
    printed: dict[str, str] = {}
    for seeded in SEEDED:
        where = f"{corpus / seeded.path}:{seeded.line}:1"
        done = subprocess.run(
            [sys.executable, "-m", "server.cli", "context", where],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        printed[seeded.kind] = done.stdout + done.stderr
    printed["(state)"] = state_text(home)
    return printed


def state_text(home: Path) -> str:
    """Every file under a state folder, as text (SQLite pages included, decoded leniently)."""
    parts = [path.read_bytes().decode("latin-1") for path in sorted(home.rglob("*")) if path.is_file()]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def lsp_run(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(what the completion requests carried, the server's state folder) after a completion at each
    seeded secret, with every corpus file open in the editor, and the repo map built."""
    home = tmp_path_factory.mktemp("lsp_home")

    async def drive() -> tuple[str, str]:
        with Emulator() as emulator:
            emulator.script({"text": "pass", "repeat": True})
            session = await launch_lsp(corpus, emulator, home)
            try:
                for seeded in SEEDED:
                    uri = uri_of(corpus / seeded.path)
                    open_document(session.client, uri, seeded.content)
                    position = types.Position(line=seeded.line - 1, character=0)
                    params = types.InlineCompletionParams(
                        text_document=types.TextDocumentIdentifier(uri=uri),
                        position=position,
                        context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Invoked),
                    )
                    await session.client.text_document_inline_completion_async(params)
                await wait_for_map(session.client)
            finally:
                await stop_client(session.client)
            return str([request.body for request in emulator.requests]), state_text(home)

    yield asyncio.run(drive())


async def launch_lsp(root: Path, emulator: Emulator, home: Path) -> CompletionSession:
    client = make_test_lsp_client()
    env = isolated_env(home, {"OPENAI_API_KEY": "sk-emulator"})
    await client.start_io(sys.executable, "-m", "server.cli", "lsp", env=env, cwd=str(REPO_ROOT))
    params = types.InitializeParams(
        capabilities=capabilities("visual-studio-code", inline=True),
        root_uri=uri_of(root),
        workspace_folders=[types.WorkspaceFolder(uri=uri_of(root), name="ws")],
        initialization_options=completion_settings(emulator),
    )
    result = await asyncio.wait_for(client.initialize_session(params), START_TIMEOUT_S)
    return CompletionSession(client, result.capabilities, emulator, root)


async def wait_for_map(client: object, timeout_s: float = 60.0) -> None:
    from pytest_lsp import LanguageClient

    assert isinstance(client, LanguageClient)
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        state = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="outrider.debug.repoMap", arguments=[{"brief": True}])
        )
        if state and not state.get("indexing") and state.get("files"):
            return
        assert asyncio.get_running_loop().time() < deadline, f"the repo map was not built: {state}"
        await asyncio.sleep(0.1)


@pytest.mark.parametrize("kind", sorted(SECRETS))
def test_agent_tools_never_send_the_secret(agent_sent: str, kind: str) -> None:
    assert SECRETS[kind] not in agent_sent


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_outrider_context_never_prints_the_secret(context_printed: dict[str, str], kind: str) -> None:
    assert SECRETS[kind] not in context_printed[kind]


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_completion_requests_never_carry_the_secret(lsp_run: tuple[str, str], kind: str) -> None:
    assert SECRETS[kind] not in lsp_run[0]


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_state_folder_never_stores_the_secret(lsp_run: tuple[str, str], kind: str) -> None:
    assert SECRETS[kind] not in lsp_run[1]
