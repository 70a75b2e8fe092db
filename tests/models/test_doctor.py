"""`outrider doctor` against the emulator: what works, what does not, one line each."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from server.cli import main
from server.models.registry import build_provider
from server.models.types import ErrorEvent
from tests.emulator import Emulator
from tests.models.conftest import chat, collect, env_for, settings_for


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_doctor_reports_each_provider(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    monkeypatch.setenv("OUTRIDER_HOME", str(tmp_path))
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    code = main(["doctor", "--json", "--provider", "anthropic", "--base-url", emulator.anthropic_base_url])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["ok"] is True
    checks = {c["name"]: c for c in report["checks"]}
    provider = checks["provider 1: anthropic (claude-sonnet-4-6)"]
    assert provider["status"] == "ok" and emulator.anthropic_base_url in provider["detail"]
    assert [r.path for r in emulator.requests] == ["/v1/models?limit=1"]

    dead = f"http://127.0.0.1:{_closed_port()}/v1"
    code = main(["doctor", "--json", "--provider", "openai-compatible", "--base-url", dead])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["ok"] is False
    (failed,) = [c for c in report["checks"] if c["name"].startswith("provider ")]
    assert failed["status"] == "fail" and failed["detail"].startswith("connection:")


async def test_unreachable_url_is_a_typed_connection_error() -> None:
    dead = Emulator()  # never started: only used for its shape
    settings = settings_for("openai-compatible", dead.start(), model="m")
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    dead.stop()
    settings = settings.model_copy(update={"base_url": url})
    events = await collect(build_provider(settings, env=env_for()).stream(chat()))
    (error,) = events
    assert isinstance(error, ErrorEvent) and error.kind == "connection" and error.retryable
    assert "connection failed" in error.message


def test_doctor_says_dollar_caps_skip_unpriced_models(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("OUTRIDER_HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "outrider").mkdir()
    (tmp_path / "outrider" / "config.toml").write_text("[caps]\ndaily_usd = 5.0\n")
    args = ["doctor", "--json", "--provider", "openai-compatible", "--base-url", emulator.openai_base_url]
    main([*args, "--model", "qwen2.5-coder:7b"])
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    caps = checks["caps: qwen2.5-coder:7b"]
    assert caps["status"] == "warn" and "dollar caps do not apply" in caps["detail"]
    main([*args, "--model", "gpt-4o"])  # a priced model: nothing to say
    assert not any(c["name"].startswith("caps:") for c in json.loads(capsys.readouterr().out)["checks"])
