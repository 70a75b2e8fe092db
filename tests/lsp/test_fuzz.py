"""Protocol fuzzing against the real ``outrider lsp`` over stdio (``tests/lsp/protocol_attacks.py``).

A few hundred hostile messages per run, drawn by hypothesis: framing, JSON, the JSON-RPC envelope,
notification methods used as requests, and the params of every method the server handles. Each
must get the answer the specification requires (see the attack module), never a crash, a stuck
stream, silence, a -32603 or a traceback. ``bench/fuzz.py`` runs the same attacks by the ten
thousand. The lifecycle orders run in their own processes.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.lsp.conftest import isolated_env
from tests.lsp.protocol_attacks import (
    COMMANDS,
    FAMILIES,
    NOTIFICATIONS,
    REQUESTS,
    FuzzSession,
    Tally,
    draw_attack,
)
from tests.lsp.raw_rpc import RawSession

SERVER_NOT_INITIALIZED, INVALID_REQUEST = -32002, -32600
_ids = count(1)


@pytest.fixture(scope="module")
def fuzz_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzSession]:
    session = FuzzSession(isolated_env(tmp_path_factory.mktemp("fuzz")))
    yield session
    session.close()


def run_attacks(session: FuzzSession, rng: random.Random, families: tuple[str, ...], n: int) -> Tally:
    tally = Tally()
    for _ in range(n):
        session.run(draw_attack(rng, next(_ids), families), tally)
    return tally


@pytest.mark.parametrize("family", sorted(FAMILIES))
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rng=st.randoms(use_true_random=False))
def test_hostile_messages_get_the_answers_the_specification_requires(
    fuzz_session: FuzzSession, family: str, rng: random.Random
) -> None:
    tally = run_attacks(fuzz_session, rng, (family,), 5)
    assert not tally.violations, tally.examples
    assert sum(tally.held.values()) == 5
    assert fuzz_session.restarts == 0


def test_every_method_the_server_handles_is_fuzzed(fuzz_session: FuzzSession) -> None:
    """The attack module's method lists cover what the server registers (a new handler joins)."""
    session = RawSession(fuzz_session.env)
    try:
        session.initialize()
        handled = session.request("workspace/executeCommand", {"command": "outrider.debug.methods"})["result"]
    finally:
        session.kill()
    fuzzed = {*REQUESTS, *NOTIFICATIONS, "initialize", "initialized", "shutdown", "exit"}
    assert set(handled["methods"]) - fuzzed == set()
    assert set(handled["commands"]) - set(COMMANDS) == set()


STEPS = ("request", "notification", "initialize", "initialized", "shutdown", "exit")


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.sampled_from(STEPS), min_size=1, max_size=6))
def test_lifecycle_in_any_order(lsp_env: dict[str, str], steps: list[str]) -> None:
    """Requests before initialize: -32002; a second initialize or anything after shutdown: -32600;
    exit code 0 only after shutdown."""
    session = RawSession(lsp_env)
    initialized = shut_down = False
    try:
        for step in steps:
            if step == "exit":
                session.notify("exit")
                break
            if step in ("notification", "initialized"):
                session.notify("initialized" if step == "initialized" else "$/setTrace", {"value": "off"})
                continue
            method, params = {
                "request": ("workspace/executeCommand", {"command": "outrider.debug.workspaceRoots"}),
                "initialize": ("initialize", {"processId": None, "capabilities": {}}),
                "shutdown": ("shutdown", None),
            }[step]
            answer = session.request(method, params)
            if shut_down or (step == "initialize" and initialized):
                assert answer["error"]["code"] == INVALID_REQUEST
            elif not initialized and step != "initialize":
                assert answer["error"]["code"] == SERVER_NOT_INITIALIZED
            else:
                assert "error" not in answer, answer
                initialized = initialized or step == "initialize"
                shut_down = step == "shutdown"
        code, _, stderr = session.finish()
    finally:
        session.kill()
    assert code == (0 if shut_down else 1), stderr
    assert "Traceback" not in stderr


def test_a_string_where_a_list_belongs_is_refused_as_invalid_params(lsp_env: dict[str, str]) -> None:
    """A 100,000-character string as codeAction's diagnostics: -32602 with a short reason (the
    decoder stops at the first bad field; bench/fuzz.py times it)."""
    session = RawSession(lsp_env)
    try:
        session.initialize()
        params = {
            "textDocument": {"uri": "untitled:a.py"},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "context": {"diagnostics": "x" * 100_000},
        }
        answer = session.request("textDocument/codeAction", params)
        internal = session.request("codeAction/resolve", {"title": "t", "data": {"action": "explain", "uri": 5}})
        session.request("shutdown")
        session.notify("exit")
        code, _, stderr = session.finish()
    finally:
        session.kill()
    assert answer["error"]["code"] == -32602
    assert len(answer["error"]["message"]) < 600
    assert "data" not in answer["error"]
    assert internal["error"]["code"] == -32602
    assert code == 0
    assert "x" * 1000 not in stderr
