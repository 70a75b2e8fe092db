"""Confidence: the cheap signals, and token log-probabilities from the emulator in both OpenAI
formats (Chat Completions and Completions), and from servers that send none."""

from __future__ import annotations

import math

import pytest

from context.source.document import Document
from server.completion.confidence import BASE, PENALTIES, confidence_band, suggestion_confidence
from server.completion.engine import CompletionEngine, CompletionQuery
from server.config import Settings
from server.models.registry import build_provider
from tests.emulator import Emulator, Reply

SOURCE = "def add(a, b):\n    \n\n\ndef main():\n    print(add(1, 2))\n"
LOGPROBS = (-0.05, -0.4, -0.1, -0.3)


def test_no_evidence_gives_the_base_score() -> None:
    confidence = suggestion_confidence("return a + b", suffix="\n\ndef main():")
    assert (confidence.score, confidence.source, confidence.signals) == (BASE, "signals", ())


@pytest.mark.parametrize(
    ("text", "suffix", "cut", "broken", "signals"),
    [
        ("print(x)", "print(x)\nrest", False, False, ("repeats_suffix",)),
        ("return total\n    return total", "\n    return total\n", False, False, ("repeats_suffix",)),
        ("result = comp", "ute()\n", False, False, ("ends_mid_token",)),
        ("for item in ite", "\n", True, False, ("ends_mid_token", "cut_by_length")),
        ("x = (1,", "\n", False, True, ("syntax_error",)),
    ],
)
def test_cheap_signals_lower_the_score(text: str, suffix: str, cut: bool, broken: bool, signals: tuple[str]) -> None:
    confidence = suggestion_confidence(text, suffix=suffix, cut_by_length=cut, syntax_error=broken)
    assert confidence.signals == signals
    assert confidence.score == pytest.approx(BASE * math.prod(PENALTIES[s] for s in signals), abs=1e-4)


def test_logprobs_give_the_geometric_mean_probability() -> None:
    confidence = suggestion_confidence("return a + b", logprobs=[-0.1, -0.3])
    assert confidence.source == "logprobs"
    assert confidence.score == pytest.approx(math.exp(-0.2), abs=1e-4)
    assert confidence.band == "0.8-1.0" and confidence_band(0.1) == "0.0-0.2" and confidence_band(0.5) == "0.4-0.6"


def _engine(emu: Emulator, model: str, **completion: object) -> CompletionEngine:
    settings = Settings.model_validate(
        {
            "provider": "openai-compatible",
            "base_url": emu.openai_base_url,
            "model": model,
            "completion": {"debounce_ms": 0, **completion},
        }
    )
    return CompletionEngine(build_provider(settings, env={"OPENAI_API_KEY": "sk-test"}), settings)


@pytest.mark.parametrize(
    ("model", "path", "asked"),
    [("qwen2.5-coder:7b", "/v1/completions", 1), ("llama3.1:8b", "/v1/chat/completions", True)],
    ids=["completions-format", "chat-format"],
)
async def test_logprobs_from_the_wire_in_both_formats(emulator: Emulator, model: str, path: str, asked: object) -> None:
    emulator.script(Reply(chunks=("return", " a", " +", " b"), logprobs=LOGPROBS))
    engine = _engine(emulator, model)
    result = await engine.complete(CompletionQuery("calc", Document("calc.py", SOURCE, version=1), (1, 4)))
    (request,) = emulator.requests
    assert request.path == path and request.body["logprobs"] == asked
    assert result.text == "return a + b"
    assert result.confidence is not None and result.confidence.source == "logprobs"
    assert result.confidence.score == pytest.approx(math.exp(sum(LOGPROBS) / 4), abs=1e-4)
    engine.close()


@pytest.mark.parametrize("model", ["qwen2.5-coder:7b", "llama3.1:8b"])
async def test_a_server_without_logprobs_falls_back_to_signals(emulator: Emulator, model: str) -> None:
    emulator.script(Reply(chunks=("return", " a", " +", " b")))  # asked, but it sends none
    engine = _engine(emulator, model)
    result = await engine.complete(CompletionQuery("calc", Document("calc.py", SOURCE, version=1), (1, 4)))
    assert result.text == "return a + b"
    assert result.confidence is not None and result.confidence.source == "signals"
    assert result.confidence.score == BASE
    engine.close()


async def test_below_the_threshold_nothing_is_shown(emulator: Emulator) -> None:
    emulator.script(Reply(chunks=("return", " a", " +", " b"), logprobs=(-2.0, -1.5, -2.5, -2.0)))
    engine = _engine(emulator, "qwen2.5-coder:7b", min_confidence=0.3)
    result = await engine.complete(CompletionQuery("calc", Document("calc.py", SOURCE, version=1), (1, 4)))
    assert result.text is None and result.dropped == "low confidence (0.14)"
    assert result.trace_id is not None and result.confidence is not None
    engine.close()


async def test_logprobs_can_be_turned_off(emulator: Emulator) -> None:
    emulator.script(Reply(chunks=("return", " a", " +", " b"), logprobs=LOGPROBS))
    engine = _engine(emulator, "qwen2.5-coder:7b", logprobs=False)
    result = await engine.complete(CompletionQuery("calc", Document("calc.py", SOURCE, version=1), (1, 4)))
    assert "logprobs" not in emulator.requests[0].body
    assert result.confidence is not None and result.confidence.source == "signals"
    engine.close()
