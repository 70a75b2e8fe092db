"""``outrider complete FILE:LINE:COL`` against the wire emulator (through the real SDK)."""

import json
from pathlib import Path

import pytest

from server.cli import main
from tests.emulator.server import Emulator

SOURCE = "def add(a, b):\n    \n\n\ndef main():\n    print(add(1, 2))\n"


@pytest.fixture
def calc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("OUTRIDER_PROVIDER", "OUTRIDER_MODEL", "OUTRIDER_BASE_URL", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OUTRIDER_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-emulator")
    path = tmp_path / "calc.py"
    path.write_text(SOURCE, encoding="utf-8")
    return path


def flags(emulator: Emulator, path: Path) -> list[str]:
    return [
        "--provider",
        "openai-compatible",
        "--base-url",
        emulator.openai_base_url,
        "--model",
        "qwen2.5-coder:7b",
        "--workspace",
        str(path.parent),
    ]


def test_prints_the_suggestion(
    calc: Path,
    emulator: Emulator,
    capsys: pytest.CaptureFixture[str],
) -> None:
    emulator.script({"text": "return a + b\n\ndef other():\n    pass\n"})
    assert main(["complete", f"{calc}:2:5", *flags(emulator, calc)]) == 0
    out, err = capsys.readouterr()
    assert out == "return a + b\n"
    assert "multi-line" in err and "qwen2.5-coder:7b" in err


def test_json_output(
    calc: Path,
    emulator: Emulator,
    capsys: pytest.CaptureFixture[str],
) -> None:
    emulator.script({"text": "return a + b"})
    assert main(["complete", f"{calc}:2:5", "--json", *flags(emulator, calc)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["text"] == "return a + b"
    assert data["source"] == "model"
    assert data["timings_ms"]["total"] >= data["timings_ms"]["context"]


def test_provider_failure_is_a_one_line_error(
    calc: Path,
    emulator: Emulator,
    capsys: pytest.CaptureFixture[str],
) -> None:
    emulator.script({"fault": "auth"})
    assert main(["complete", f"{calc}:2:5", *flags(emulator, calc)]) != 0
    err = capsys.readouterr().err.strip()
    assert err.startswith("outrider complete: auth")
    assert "\n" not in err.splitlines()[-1]


def test_position_past_the_end_is_an_error(
    calc: Path,
    emulator: Emulator,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["complete", f"{calc}:99:1", *flags(emulator, calc)]) == 1
    assert "past the end" in capsys.readouterr().err
    assert main(["complete", f"{calc}:2:50", *flags(emulator, calc)]) == 1
    assert emulator.requests == []


def test_missing_file_is_an_error(tmp_path: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["complete", f"{tmp_path / 'nope.py'}:1:1", *flags(emulator, tmp_path / "nope.py")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_the_completion_is_traced_with_its_latency_split(
    calc: Path,
    emulator: Emulator,
    capsys: pytest.CaptureFixture[str],
) -> None:
    emulator.script({"text": "return a + b", "usage": {"input_tokens": 40, "output_tokens": 4}})
    assert main(["complete", f"{calc}:2:5", *flags(emulator, calc)]) == 0
    capsys.readouterr()
    assert main(["traces", "--json", "--feature", "completion"]) == 0
    rows = json.loads(capsys.readouterr().out)
    (row,) = rows if isinstance(rows, list) else rows["calls"]
    assert row["feature"] == "completion"
    assert row["input_tokens"] == 40 and row["output_tokens"] == 4
    context = row["context"] if isinstance(row["context"], dict) else json.loads(row["context"])
    assert context["shape"] == "multi_line"
    assert context["context_ms"] > 0
    assert "debounce_ms" in context


def test_cost_report_shows_completions_as_their_own_feature(
    calc: Path,
    emulator: Emulator,
    capsys: pytest.CaptureFixture[str],
) -> None:
    emulator.script({"text": "return a + b", "usage": {"input_tokens": 40, "output_tokens": 4}})
    assert main(["complete", f"{calc}:2:5", *flags(emulator, calc)]) == 0
    capsys.readouterr()
    assert main(["cost", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    (row,) = [row for row in report["rows"] if row["feature"] == "completion"]
    assert row["calls"] == 1
    assert row["model"] == "qwen2.5-coder:7b"


def test_chat_models_through_the_anthropic_sdk(
    calc: Path,
    emulator: Emulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-emulator")
    emulator.script({"text": "```python\nreturn a + b\n```"})
    chat = ["--provider", "anthropic", "--base-url", emulator.anthropic_base_url, "--workspace", str(calc.parent)]
    assert main(["complete", f"{calc}:2:5", *chat]) == 0
    assert capsys.readouterr().out == "return a + b\n"
    (request,) = emulator.requests
    assert request.path == "/v1/messages"
    assert "def add(a, b):\n    <CURSOR>" in json.dumps(request.body["messages"]).replace("\\n", "\n")
