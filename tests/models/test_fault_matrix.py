"""The fault matrix: every injectable fault x both providers, streaming, through the real SDKs, and
x the FIM path of OpenAI-compatible servers (over httpx2 directly, see server.models.adapters.fim_http).

Each case ends in success after retry, success through the fallback chain, or one clear typed
error, within the configured timeouts (first token 1 s, total 3 s, backoff 10-50 ms).

| fault (x Anthropic, OpenAI, FIM) | outcome                        | requests |
|--------------------------------|----------------------------------|----------|
| 429 + retry-after 0.05 s       | success after 1 retry            | 2        |
| 500                            | success after 1 retry            | 2        |
| 529 overloaded                 | success after 1 retry            | 2        |
| hang before the first token    | first-token timeout, retry, ok   | 2        |
| stream dropped before content  | success after 1 retry            | 2        |
| stream dropped mid-content     | typed `connection` error         | 1        |
| hang mid-stream after content  | typed `timeout` error (total)    | 1        |
| malformed SSE data             | typed `malformed` error          | 1        |
| invalid tool-call JSON         | typed `malformed` error          | 1        |
| slow chunks (40 ms each)       | success                          | 1        |
| 401                            | typed `auth` error, no retry     | 1        |
| 400                            | typed `bad_request`, no retry    | 1        |
| spend limit / quota            | typed `spend_limit`, no retry    | 1        |
| 429 every time                 | retries exhausted, typed error   | 3        |
| 429 every time + fallback      | success from the fallback        | 3 + 1    |
| malformed + fallback           | success from the fallback        | 1 + 1    |

Every case runs with spend caps set (generous ones, in a ledger of its own): the caps admit each
logical call once, whatever its retries, and settle it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from server.config import CapSettings
from server.models.caps import SpendCaps, rules_from, window_bounds
from server.models.registry import build_provider
from server.models.types import ErrorEvent, FimRequest, Stop, TextDelta
from server.observe.ledger import SpendLedger
from tests.emulator import Emulator, Reply, ScriptedToolCall
from tests.models.conftest import chat, collect, env_for, settings_for

TIMEOUTS = {"connect_s": 1.0, "first_token_s": 1.0, "total_s": 3.0}
RETRY = {"max_retries": 2, "backoff_base_s": 0.01, "backoff_max_s": 0.05}
OK = Reply(text="recovered fine")


@dataclass(frozen=True)
class Case:
    name: str
    script: tuple[Reply, ...]
    error: str | None  # expected error kind; None: success
    requests: int


CASES = [
    Case("rate_limit", (Reply(fault="rate_limit", retry_after=0.05), OK), None, 2),
    Case("server_error", (Reply(fault="server_error"), OK), None, 2),
    Case("overloaded", (Reply(fault="overloaded"), OK), None, 2),
    Case("hang_first_token", (Reply(fault="hang"), OK), None, 2),
    Case("drop_before_content", (Reply(text="abcdefghijklmnop", fault="drop", after_chunks=1), OK), None, 2),
    Case(
        "drop_mid_content", (Reply(text="abcdefghijklmnopqrstuvwxyz", fault="drop", after_chunks=3),), "connection", 1
    ),
    Case("hang_mid_stream", (Reply(text="abcdefghijklmnopqrstuvwxyz", fault="hang", after_chunks=3),), "timeout", 1),
    Case("malformed", (Reply(text="abcdefgh", fault="malformed", after_chunks=1),), "malformed", 1),
    Case("bad_tool_json", (Reply(tool_calls=(ScriptedToolCall("edit", arguments_raw='{"a": '),)),), "malformed", 1),
    Case("slow_chunks", (Reply(text="slow but steady", chunk_delay_s=0.04),), None, 1),
    Case("auth", (Reply(fault="auth"),), "auth", 1),
    Case("bad_request", (Reply(fault="bad_request"),), "bad_request", 1),
    Case("spend_limit", (Reply(fault="spend_limit"),), "spend_limit", 1),
    Case("retries_exhausted", (Reply(fault="rate_limit", retry_after=0.01, repeat=True),), "rate_limited", 3),
]


def _settings(provider: str, emu: Emulator, **over: Any) -> Any:
    return settings_for(provider, emu, timeouts=TIMEOUTS, retry=RETRY, **over)


# FIM has no tool calls, and its first chunk already carries text (chat's first is the role alone).
FIM_CASES = {
    c.name: Case(c.name, (Reply(text="abcdefghijklmnop", fault="drop", after_chunks=0), OK), None, 2)
    if c.name == "drop_before_content"
    else c
    for c in CASES
    if c.name != "bad_tool_json"
}


MATRIX = [
    *((provider, case) for case in CASES for provider in ("anthropic", "openai")),
    *(("fim", case) for case in FIM_CASES.values()),
]


@pytest.fixture
def caps(tmp_path: Path) -> Iterator[SpendCaps]:
    generous = {"daily_usd": 100.0, "features": {f: {"requests_per_minute": 1000} for f in ("completion", "test")}}
    gate = SpendCaps(rules_from(CapSettings.model_validate(generous)), SpendLedger(tmp_path / "ledger.sqlite3"))
    yield gate
    gate.close()


def _admitted(caps: SpendCaps, feature: str) -> int:
    return caps.ledger.use(("minute", window_bounds("minute", time.time())[0], feature)).requests


@pytest.mark.parametrize(("provider", "case"), MATRIX, ids=[f"{c.name}-{p}" for p, c in MATRIX])
async def test_fault(emulator: Emulator, provider: str, case: Case, caps: SpendCaps) -> None:
    """ "fim": an OpenAI-compatible server's /v1/completions, the inline-completion path, which goes
    over httpx2 directly rather than through the SDK (server.models.adapters.fim_http)."""
    emulator.script(*case.script)
    started, wall_started = time.monotonic(), time.time()
    if provider == "fim":
        settings = _settings("openai-compatible", emulator, model="qwen2.5-coder:7b")
        stack = build_provider(settings, env=env_for(), caps=caps)
        events = await collect(stack.stream_fim(FimRequest(feature="completion", prefix="def f():\n    ", suffix="")))
        assert all(r.path == "/v1/completions" for r in emulator.requests)
    else:
        stack = build_provider(_settings(provider, emulator), env=env_for(), caps=caps)
        events = await collect(stack.stream(chat()))
    elapsed = time.monotonic() - started
    # The emulator's "hang" never answers: only the total deadline ends the call. The margin is for a
    # loaded 2-core machine (the SDK's first import falls inside the timed part), not for the deadline.
    assert elapsed < TIMEOUTS["total_s"] + 10.0
    last = events[-1]
    if case.error is None:
        assert last == Stop("end_turn"), last
        expected = "".join(r.text for r in case.script if r.fault is None)
        assert "".join(e.text for e in events if isinstance(e, TextDelta)) == expected
    else:
        assert isinstance(last, ErrorEvent), last
        assert last.kind == case.error
        assert last.message
        assert not any(isinstance(e, ErrorEvent) for e in events[:-1])
    assert len(emulator.requests) == case.requests
    # A hung request is recorded as such while its handler still holds the connection: wait for the state.
    assert emulator.wait_until(lambda: all(r.outcome != "pending" for r in emulator.requests), timeout=5)
    # one admission per logical call; a minute boundary in between would split it
    admitted = _admitted(caps, "completion" if provider == "fim" else "test")
    assert admitted == 1 or window_bounds("minute", wall_started)[0] != window_bounds("minute", time.time())[0]


@pytest.mark.parametrize(
    ("primary", "fault", "primary_requests"),
    [
        ("anthropic", Reply(fault="rate_limit", retry_after=0.01, repeat=True, protocol="anthropic"), 3),
        ("openai", Reply(fault="overloaded", repeat=True, protocol="openai"), 3),
        ("anthropic", Reply(text="abcdefgh", fault="malformed", after_chunks=1, protocol="anthropic"), 1),
        ("openai", Reply(fault="auth", protocol="openai"), 1),
    ],
)
async def test_fallback_chain_answers(emulator: Emulator, primary: str, fault: Reply, primary_requests: int) -> None:
    other = "openai-compatible" if primary == "anthropic" else "anthropic"
    other_url = emulator.openai_base_url if other == "openai-compatible" else emulator.anthropic_base_url
    other_protocol = "openai" if other == "openai-compatible" else "anthropic"
    emulator.script(fault, Reply(text="from the fallback", protocol=other_protocol))
    fallback = [{"provider": other, "model": "local-model", "base_url": other_url}]
    stack = build_provider(_settings(primary, emulator, fallback=fallback), env=env_for())
    events = await collect(stack.stream(chat()))
    assert events[-1] == Stop("end_turn")
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "from the fallback"
    protocols = [r.protocol for r in emulator.requests]
    assert protocols == [fault.protocol] * primary_requests + [other_protocol]
    assert emulator.requests[-1].body["model"] == "local-model"
