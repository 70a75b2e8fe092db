"""`outrider doctor` starts each configured MCP server and lists its tools."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from server.cli import main
from tests.emulator import Emulator
from tests.mcp.conftest import FIXTURE_SERVER, TIME_SERVER


def test_doctor_checks_mcp_servers(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OUTRIDER_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    config = tmp_path / "config" / "outrider" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        "[mcp]\nstart_timeout_s = 8\n"
        f"[mcp.servers.time]\ncommand = {json.dumps(TIME_SERVER)}\n"
        f"[mcp.servers.hung]\ncommand = {json.dumps(sys.executable)}\n"
        f"args = [{json.dumps(str(FIXTURE_SERVER))}, '--hang-at-start']\n",
        encoding="utf-8",
    )
    main(["doctor", "--json", "--provider", "anthropic", "--base-url", emulator.anthropic_base_url])
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert checks["MCP server time"] == {
        "name": "MCP server time",
        "status": "ok",
        "detail": "2 tools: convert_time, get_current_time",
    }
    assert checks["MCP server hung"]["status"] == "fail"
    assert "no tool list within 8s" in checks["MCP server hung"]["detail"]
