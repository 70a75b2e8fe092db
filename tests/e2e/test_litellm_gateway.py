"""A real gateway: Outrider through a LiteLLM proxy (``litellm[proxy]``, config-file mode, no
database) in front of the wire emulator, with a budget the gateway enforces.

Without a database LiteLLM resolves no virtual keys and enforces no key, team or proxy-wide budget
(``litellm_settings.max_budget`` fails open); what it does enforce in memory is a deployment budget,
``max_budget`` + ``budget_duration`` in a model's ``litellm_params``. That is the budget used here:
``doctor``, a completion and an agent run pass through the gateway, and once the budget is spent the
gateway's refusal reaches the user as a one-line budget message naming the provider.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import real_setup
from tests.emulator.fixtures import EmulatorProcess, emulator_process  # noqa: F401

pytestmark = [pytest.mark.gateway, pytest.mark.timeout(1200)]

REPO_ROOT = Path(__file__).resolve().parents[2]
STATS = (REPO_ROOT / "tests" / "workspaces" / "completion_e2e" / "stats.py").read_text(encoding="utf-8")
MASTER_KEY = "sk-outrider-gateway-test"
MODEL = "team-model"
# 1000 in + 100 out at $0.001 / $0.002 a token = $1.20 a call; the deployment's budget is $3.
USAGE = {"input_tokens": 1000, "output_tokens": 100}
BUDGET_USD = 3.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _config(emulator: EmulatorProcess) -> str:
    return f"""
model_list:
  - model_name: {MODEL}
    litellm_params:
      model: openai/emulated
      api_base: {emulator.openai_base_url}
      api_key: sk-emulator
      input_cost_per_token: 0.001
      output_cost_per_token: 0.002
      max_budget: {BUDGET_USD}
      budget_duration: 1d
general_settings:
  master_key: {MASTER_KEY}
litellm_settings:
  num_retries: 0
"""


def _ready(port: int) -> bool:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/models", headers={"Authorization": f"Bearer {MASTER_KEY}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.fixture
def gateway(
    tmp_path: Path,
    emulator_process: Callable[[list[dict[str, Any]]], EmulatorProcess],  # noqa: F811
) -> Iterator[str]:
    try:
        python = real_setup.litellm()
    except real_setup.SetupError as exc:
        pytest.fail(f"LiteLLM setup failed: {exc}", pytrace=False)
    emulator = emulator_process([{"text": "    return sum(values) / len(values)\n", "usage": USAGE, "repeat": True}])
    config = tmp_path / "litellm.yaml"
    config.write_text(_config(emulator), encoding="utf-8")
    port = _free_port()
    log = tmp_path / "litellm.log"
    cmd = [str(python), "-m", "litellm.proxy.proxy_cli", "--config", str(config), "--host", "127.0.0.1"]
    env = {**os.environ, "LITELLM_LOG": "INFO", "LITELLM_TELEMETRY": "False", "NO_DOCS": "True"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*cmd, "--port", str(port)], stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 240
        while not _ready(port):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-3000:]
                pytest.fail(f"the LiteLLM proxy did not come up (exit {process.poll()}):\n{tail}", pytrace=False)
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def test_through_the_gateway_until_its_budget_refuses(tmp_path: Path, gateway: str) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "stats.py").write_text(STATS, encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUTRIDER_") and "API_KEY" not in k}
    env.update(
        OUTRIDER_HOME=str(tmp_path / "state"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        PYTHONPATH=str(REPO_ROOT),
        OUTRIDER_PROVIDER="openai-compatible",
        OUTRIDER_BASE_URL=gateway,
        OUTRIDER_MODEL=MODEL,
        OPENAI_API_KEY=MASTER_KEY,  # a team member's key: the gateway holds the provider's
    )

    def outrider(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "server.cli", *args]
        return subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=300)

    doctor = outrider("doctor", "--json")
    assert json.loads(doctor.stdout)["ok"] is True, doctor.stdout + doctor.stderr

    first = outrider("complete", "stats.py:5:1", "--json")
    assert first.returncode == 0, first.stderr
    agent = outrider("refactor", "Give mean a body", "stats.py", "--json")
    assert "Traceback" not in agent.stderr, agent.stderr[-3000:]

    refused = None
    for _ in range(6):  # $1.20 a call against $3: refused within a few calls
        result = outrider("complete", "stats.py:5:1", "--json")
        if result.returncode != 0:
            refused = result
            break
    assert refused is not None, "the gateway never enforced its budget"
    message = refused.stderr.strip().splitlines()[-1]
    assert "budget" in message.lower() and "openai-compatible" in message, message
    assert "spend limit or budget exhausted" in message, message
    assert "Traceback" not in refused.stderr

    traces = json.loads(outrider("traces", "--json", "--limit", "100").stdout)
    ok = [row for row in traces if row["outcome"] == "ok"]
    assert ok and all(not row["usage_estimated"] and row["input_tokens"] > 0 for row in ok), ok
    failed = [row for row in traces if row["outcome"] == "error"]
    assert failed and failed[0]["error_kind"] == "spend_limit", failed
