"""After a scripted run, `outrider traces --json` and `outrider cost --json` show the calls with
the right token and cost figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.cli import main
from server.models.registry import build_provider
from server.models.types import ChatRequest, FimRequest, Message
from server.observe.tracer import open_tracer
from tests.emulator import Emulator, Reply, ScriptedToolCall, ScriptedUsage
from tests.models.conftest import collect, env_for, settings_for


async def test_scripted_run_shows_up_in_traces_and_cost(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OUTRIDER_HOME", str(tmp_path))
    settings = settings_for("anthropic", emulator, model="claude-sonnet-4-6")
    tracer = open_tracer(settings)
    assert tracer is not None
    provider = build_provider(settings, tracer=tracer, env=env_for())
    emulator.script(
        Reply(fault="rate_limit", retry_after=0.01),
        Reply(tool_calls=(ScriptedToolCall("read_file", {"path": "a.py"}),), usage=ScriptedUsage(1000, 100, 4000, 500)),
        Reply(text="done", usage=ScriptedUsage(2000, 50, 0, 0)),
        Reply(fault="auth"),
    )
    agent = ChatRequest("agent", "sys", (Message.user("go"),), metadata={"run_id": "run-1", "files": 2})
    await collect(provider.stream(agent))
    await collect(provider.stream(agent))
    await collect(provider.stream(ChatRequest("explain", "sys", (Message.user("why"),))))
    tracer.flush()
    tracer.close()

    assert main(["traces", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["feature"] for r in rows] == ["explain", "agent", "agent"]  # newest first
    failed, second, first = rows
    assert (first["retries"], first["outcome"], first["tool_calls"]) == (1, "ok", 1)
    assert (first["input_tokens"], first["output_tokens"], first["cache_read_tokens"]) == (1000, 100, 4000)
    assert first["cache_write_tokens"] == 500
    # $3/M in, $15/M out, $0.30/M cache read, $3.75/M cache write
    assert first["cost_usd"] == pytest.approx((1000 * 3 + 100 * 15 + 4000 * 0.30 + 500 * 3.75) / 1e6)
    assert first["request_id"] == "req_emu2" and first["queue_s"] > 0
    assert first["context"]["run_id"] == "run-1" and first["context"]["files"] == 2
    assert first["prompt"] is None and first["output"] is None  # content is off by default
    assert second["cost_usd"] == pytest.approx((2000 * 3 + 50 * 15) / 1e6)
    assert (failed["outcome"], failed["error_kind"], failed["retries"]) == ("error", "auth", 0)

    assert main(["traces", "--json", "--errors"]) == 0
    assert [r["feature"] for r in json.loads(capsys.readouterr().out)] == ["explain"]

    assert main(["cost", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    agent_row = next(r for r in report["rows"] if r["feature"] == "agent")
    assert (agent_row["calls"], agent_row["input_tokens"], agent_row["output_tokens"]) == (2, 3000, 150)
    assert report["total_usd"] == pytest.approx(first["cost_usd"] + second["cost_usd"], abs=1e-6)
    assert report["total_calls"] == 3
    assert report["runs"][0]["run_id"] == "run-1"
    assert report["runs"][0]["budget_used"] == pytest.approx(report["runs"][0]["cost_usd"] / 1.0, abs=1e-4)

    monkeypatch.setenv("COLUMNS", "200")
    assert main(["traces"]) == 0  # the rich table renders
    assert "claude-sonnet-4-6" in capsys.readouterr().out


async def test_content_is_stored_only_when_allowed(emulator: Emulator, tmp_path: Path) -> None:
    settings = settings_for("openai", emulator, traces={"store_content": True})
    tracer = open_tracer(settings, db_path=tmp_path / "t.sqlite3")
    assert tracer is not None and tracer.store is not None
    provider = build_provider(settings, tracer=tracer, env=env_for())
    emulator.script(Reply(text="def f(): pass", protocol="openai"))
    await collect(provider.stream_fim(FimRequest("completion", "def f(", "")))
    tracer.flush()
    from server.observe.store import TraceFilter

    (row,) = tracer.store.recent(TraceFilter())
    tracer.close()
    assert row["output"] == "def f(): pass"
    assert "def f(" in row["prompt"]
    assert row["feature"] == "completion"


def test_empty_store_is_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OUTRIDER_HOME", str(tmp_path / "nothing-here"))
    assert main(["traces", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["cost"]) == 0
    assert "No traced model calls" in capsys.readouterr().out
