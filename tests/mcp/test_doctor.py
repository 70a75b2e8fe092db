"""`outrider doctor` starts each configured MCP server and lists its tools."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.cli import main
from tests.emulator import Emulator
from tests.mcp.conftest import TIME_SERVER


def test_doctor_checks_mcp_servers(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OUTRIDER_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    config = tmp_path / "config" / "outrider" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        "[mcp]\nstart_timeout_s = 60\n"  # a loaded machine can take seconds to start a Python server
        f"[mcp.servers.time]\ncommand = {json.dumps(TIME_SERVER)}\n"
        "[mcp.servers.missing]\ncommand = '/nonexistent/mcp-server'\n",
        encoding="utf-8",
    )
    main(["doctor", "--json", "--provider", "anthropic", "--base-url", emulator.anthropic_base_url])
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert checks["MCP server time"] == {
        "name": "MCP server time",
        "status": "ok",
        "detail": "2 tools: convert_time, get_current_time",
    }
    assert checks["MCP server missing"]["status"] == "fail"
    assert "No such file" in checks["MCP server missing"]["detail"]
