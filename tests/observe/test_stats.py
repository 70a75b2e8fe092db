"""Suggestions and verdicts in the trace store: `outrider stats` by model, language and band."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from server.cli import main
from server.completion.tracing import SuggestionRecord
from server.observe.store import TraceStore, default_db_path
from server.observe.suggestions import SuggestionStore, explain


def _record(trace_id: str, model: str, language: str, confidence: float, shown: bool = True) -> SuggestionRecord:
    return SuggestionRecord(
        trace_id, time.time(), "completion", model, language, confidence, "logprobs", (), shown, None, 12.5
    )


def test_stats_by_model_language_and_band(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OUTRIDER_HOME", str(tmp_path))
    with TraceStore(default_db_path()).open() as store:
        log = SuggestionStore(store)
        log.suggested(_record("a", "qwen", "python", 0.9))
        log.suggested(_record("b", "qwen", "python", 0.3))
        log.suggested(_record("c", "gpt", "go", 0.95))
        log.suggested(_record("d", "gpt", "go", 0.1, shown=False))  # held back: not in the rates
        log.verdict("a", "accepted")
        log.verdict("a", "rejected")  # an acceptance stands
        log.verdict("b", "rejected")
        log.verdict("c", "accepted")
        store.flush()
    assert explain(default_db_path(), "a") is not None
    assert explain(default_db_path(), "a")["verdict"] == "accepted"  # type: ignore[index]

    assert main(["stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["model"] == [
        {"model": "gpt", "shown": 1, "accepted": 1, "rate": 1.0},
        {"model": "qwen", "shown": 2, "accepted": 1, "rate": 0.5},
    ]
    assert [(r["language"], r["rate"]) for r in stats["language"]] == [("go", 1.0), ("python", 0.5)]
    assert [(r["confidence"], r["shown"], r["accepted"]) for r in stats["confidence"]] == [
        ("0.2-0.4", 1, 0),
        ("0.8-1.0", 2, 2),
    ]
    assert main(["stats"]) == 0
    assert "confidence band" in capsys.readouterr().out
