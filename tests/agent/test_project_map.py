"""The agent sees the project: its first request carries a repository map focused on the file the
task names, and the same state sends the same first bytes (server/agent/project_map.py)."""

import shutil
from pathlib import Path
from typing import Any

from server.agent.session import AgentTask, build_env, run_agent_task
from server.config import Settings
from server.models.registry import build_provider
from tests.emulator import Emulator
from tests.emulator.fixtures import emulator  # noqa: F401

FIXTURE = Path(__file__).parents[1] / "workspaces" / "retrieval"


async def first_request(emulator: Emulator, work: Path, home: Path) -> dict[str, Any]:  # noqa: F811
    emulator.clear()
    emulator.script({"text": "Nothing to change."})
    settings = Settings(provider="anthropic", base_url=emulator.anthropic_base_url)
    provider = build_provider(settings, env={"ANTHROPIC_API_KEY": "sk-ant-emulator-key"})
    task = AgentTask("Explain how Registry.owner_of finds the customer", path="shop/orders/registry.py", can_edit=False)
    await run_agent_task(task, build_env(settings, [work]), settings, provider=provider)
    body: dict[str, Any] = emulator.requests[0].body
    return body


async def test_the_first_request_carries_a_stable_focused_map(
    emulator: Emulator,  # noqa: F811
    tmp_path: Path,
    monkeypatch: Any,
) -> None:
    monkeypatch.setenv("OUTRIDER_HOME", str(tmp_path / "state"))
    work = tmp_path / "ws"
    shutil.copytree(FIXTURE, work)
    first = await first_request(emulator, work, tmp_path)
    system = "".join(block["text"] for block in first["system"])
    assert "Project map" in system
    assert "shop/orders/registry.py:\n  class Registry:\n    def owner_of(self, order_id: int) -> Customer:" in system
    assert "hidden_helper" not in system  # an ignored folder stays out
    assert "sk-ant-api03-Q7x9" not in system  # a secret in a signature is masked
    again = await first_request(emulator, work, tmp_path)
    assert again == first
