"""Hostile and sloppy LSP input, and a session that checks how ``outrider lsp`` answers it.

Used by ``tests/lsp/test_fuzz.py`` (a few hundred attacks, drawn by hypothesis through
``st.randoms()``) and ``bench/fuzz.py`` (ten thousand or more, counted by error code). Every
attack is raw bytes plus what the specification requires in return:

- ``framing``: header spellings that are unambiguous (lowercase name, no blank after the colon,
  LF-only lines, the same length twice, extra headers, blank lines between messages) must be read
  as usual; ambiguous or impossible ones (two different lengths, none, not a number, a terabyte,
  10^30) get -32700 with id null and the stream goes on;
- ``json``: bodies that are not strict UTF-8 JSON get -32700 with id null;
- ``envelope``: objects that are not valid JSON-RPC requests get -32600 (with their id if usable);
- ``misuse``: a notification's method sent as a request gets an error answer;
- ``params``: every method the server handles, with its valid params mutated at random; a request
  gets an answer that is not -32603 (a crash in a handler), a notification gets none.

:class:`FuzzSession` sends each attack followed by a probe request and reads everything that comes
back: it records the error codes and the violations (no answer, silence where an error is due, a
traceback sent to the client, -32603, stdout that is not LSP frames, a crash, a stuck stream, and,
when ``slow_s`` is set (the benchmark; tests never time), an answer slower than that).
"""

from __future__ import annotations

import json
import queue
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.lsp.raw_rpc import REPO_ROOT, read_frame

PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INTERNAL_ERROR = -32700, -32600, -32601, -32603
PROBE = {"command": "outrider.debug.workspaceRoots", "arguments": []}
URI = "untitled:fuzz.py"
TEXT = "def add(a, b):\n    return a + b\n\n\nclass Box:\n    pass\n"
POSITION = {"line": 1, "character": 4}
RANGE = {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 4}}
DOC = {"uri": URI}

REQUESTS: dict[str, Any] = {
    "textDocument/inlineCompletion": {"textDocument": DOC, "position": POSITION, "context": {"triggerKind": 1}},
    "textDocument/completion": {"textDocument": DOC, "position": POSITION},
    "textDocument/copilotInlineEdit": {"textDocument": {"uri": URI, "version": 2}, "position": POSITION},
    "textDocument/codeAction": {"textDocument": DOC, "range": RANGE, "context": {"diagnostics": []}},
    "codeAction/resolve": {
        "title": "Explain",
        "data": {"action": "explain", "uri": URI, "range": RANGE, "symbol": "add", "kind": "function"},
    },
    "workspace/executeCommand": {"command": "outrider.cost.summary", "arguments": []},
    "textDocument/hover": {"textDocument": DOC, "position": POSITION},
}
"""Requests the server answers (hover: one it does not handle), with valid params."""

COMMANDS: dict[str, list[Any]] = {
    "outrider.cost.summary": [],
    "outrider.agent.cancel": [{"taskId": "nope"}],
    "outrider.agent.run": [{"instruction": "", "uri": URI, "range": RANGE}],
    "outrider.nextEdit.accepted": [URI, 2],
    "outrider.explain": ["no-such-trace"],
    "outrider.suggestion.accepted": ["no-such-trace"],
    "outrider.suggestion.rejected": ["no-such-trace"],
}
"""Commands fuzzed through workspace/executeCommand (an empty instruction: no run starts)."""

NOTIFICATIONS: dict[str, Any] = {
    "textDocument/didOpen": {"textDocument": {"uri": URI, "languageId": "python", "version": 1, "text": TEXT}},
    "textDocument/didChange": {
        "textDocument": {"uri": URI, "version": 2},
        "contentChanges": [{"range": RANGE, "text": "x"}],
    },
    "textDocument/didSave": {"textDocument": DOC},
    "textDocument/didClose": {"textDocument": DOC},
    "workspace/didChangeConfiguration": {"settings": {"outrider": {}}},
    "workspace/didChangeWatchedFiles": {"changes": [{"uri": "file:///tmp/none.py", "type": 2}]},
    "workspace/didChangeWorkspaceFolders": {"event": {"added": [], "removed": []}},
    "$/cancelRequest": {"id": 1},
    "$/setTrace": {"value": "off"},
    "window/workDoneProgress/cancel": {"token": "t"},
    "notebookDocument/didOpen": {
        "notebookDocument": {"uri": "untitled:nb.ipynb", "notebookType": "jupyter-notebook", "version": 1, "cells": []},
        "cellTextDocuments": [],
    },
    "notebookDocument/didChange": {"notebookDocument": {"uri": "untitled:nb.ipynb", "version": 2}, "change": {}},
    "notebookDocument/didClose": {"notebookDocument": {"uri": "untitled:nb.ipynb"}, "cellTextDocuments": []},
}
"""Notifications the server handles, with valid params."""

LENIENT_HEADERS = (
    b"content-length: %d\r\n\r\n",
    b"CONTENT-LENGTH: %d\r\n\r\n",
    b"Content-Length:%d\r\n\r\n",
    b"Content-Length: \t %d \r\n\r\n",
    b"Content-Length: %d\n\n",
    b"Content-Length: %d\r\n\n",
    b"\r\n\r\nContent-Length: %d\r\n\r\n",
    b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: %d\r\n\r\n",
    b"Content-Length: %d\r\nX-Anything: yes\r\n\r\n",
)
BAD_LENGTHS = (b"-1", b"abc", b"1.5", b"", b"0x10", b"1e3", b"1000000000000", b"1" + b"0" * 30, b"99999999999999999999")


@dataclass(frozen=True)
class Attack:
    family: str
    data: bytes
    ids: tuple[int | str, ...] = ()
    """Ids that must be answered."""
    null_errors: int = 0
    """At least this many errors with id null must come back."""
    success: bool = False
    """The ids must be answered with a result (a lenient but valid frame)."""


def frame(body: bytes, header: bytes = b"Content-Length: %d\r\n\r\n") -> bytes:
    return header % len(body) + body


def dumps(message: Any) -> bytes:
    return json.dumps(message).encode()


def request(msg_id: int | str, method: str, params: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}


# -- attack families ----------------------------------------------------------------------------


def framing_attack(rng: random.Random, next_id: int) -> Attack:
    body = dumps(request(next_id, "workspace/executeCommand", PROBE))
    kind = rng.randrange(4)
    if kind == 0:
        return Attack("framing", frame(body, rng.choice(LENIENT_HEADERS)), (next_id,), success=True)
    if kind == 1:
        header = b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n" % (len(body), len(body) + rng.randint(1, 9))
        return Attack("framing", header + body, null_errors=1)
    if kind == 2:
        header = rng.choice((b"Content-Type: text/plain\r\n\r\n", b"X-Length: 5\r\n\r\n"))
        return Attack("framing", header + body, null_errors=1)
    length = rng.choice(BAD_LENGTHS)
    return Attack("framing", b"Content-Length: " + length + b"\r\n\r\n" + body, null_errors=1)


def json_attack(rng: random.Random, next_id: int) -> Attack:
    valid = dumps(request(next_id, "workspace/executeCommand", PROBE))
    kind = rng.randrange(7)
    if kind == 0:
        body = valid[: rng.randrange(len(valid))]
    elif kind == 1:
        cut = rng.randrange(len(valid))
        body = valid[:cut] + rng.choice((b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80")) + valid[cut:]
    elif kind == 2:
        body = valid + rng.choice((b"x", b"}", b",{}", b" 1"))
    elif kind == 3:
        body = dumps({"jsonrpc": "2.0", "id": next_id, "method": "x"}).replace(b'"x"', b"NaN")
    elif kind == 4:
        depth = rng.choice((1000, 5000, 100_000))
        body = b"[" * depth + b"]" * depth
    elif kind == 5:
        body = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64))).replace(b"Content-Length", b"") + b"{"
    else:
        body = rng.choice((b"", b" ", b"{'a': 1}", b'{"jsonrpc": "2.0",}', b"undefined"))
    return Attack("json", frame(body), null_errors=1)


def envelope_attack(rng: random.Random, next_id: int) -> Attack:
    message: Any = request(next_id, "workspace/executeCommand", PROBE)
    kind = rng.randrange(6)
    answer_id: int | None = next_id
    if kind == 0:
        message["jsonrpc"] = rng.choice(("1.0", "2", 2.0, None, ""))
        if rng.random() < 0.3:
            del message["jsonrpc"]
    elif kind == 1:
        message["id"] = rng.choice((None, 1.5, True, False, [], {}, [1]))
        answer_id = None
    elif kind == 2:
        message["params"] = rng.choice(("text", 5, True, 1.5))
    elif kind == 3:
        message["method"] = rng.choice((5, None, [], {}, True))
    elif kind == 4:
        message = rng.choice(([], [message], "a string", 7, None, True))
        answer_id = None
    else:
        message = {"jsonrpc": "2.0", **rng.choice(({}, {"params": {}}, {"result": 1}, {"id": None, "result": 1}))}
        answer_id = None
    data = frame(dumps(message))
    if answer_id is None:
        return Attack("envelope", data, null_errors=1)
    return Attack("envelope", data, (answer_id,))


def misuse_attack(rng: random.Random, next_id: int) -> Attack:
    method = rng.choice(sorted({*NOTIFICATIONS, "initialized", "exit"}))
    return Attack("misuse", frame(dumps(request(next_id, method, NOTIFICATIONS.get(method, {})))), (next_id,))


def params_attack(rng: random.Random, next_id: int) -> Attack:
    if rng.random() < 0.6:
        method = rng.choice(sorted(REQUESTS))
        params = REQUESTS[method]
        if method == "workspace/executeCommand":
            command = rng.choice(sorted(COMMANDS))
            params = {"command": command, "arguments": COMMANDS[command]}
        message = request(next_id, method, mutate(rng, params))
        return Attack("params", frame(dumps(message)), (next_id,))
    method = rng.choice(sorted(NOTIFICATIONS))
    message = {"jsonrpc": "2.0", "method": method, "params": mutate(rng, NOTIFICATIONS[method])}
    return Attack("params", frame(dumps(message)))


FAMILIES = {
    "framing": framing_attack,
    "json": json_attack,
    "envelope": envelope_attack,
    "misuse": misuse_attack,
    "params": params_attack,
}


def random_json(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(10 if depth < 3 else 7)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice((True, False))
    if kind == 2:
        return rng.choice((0, -1, 1, 2**31, -(2**63), 10**30, rng.randint(-1000, 1000)))
    if kind == 3:
        return rng.choice((0.5, -1e308, 1e-9))
    if kind in (4, 5):
        return rng.choice(("", "x", "file:///etc/passwd", "../../x", "\u0000", "\ud83d", "é🐍", "a" * 100_000))
    if kind == 6:
        return rng.choice(("untitled:fuzz.py", "python", "explain", "fix", "outrider.agent.run"))
    if kind in (7, 8):
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(("uri", "range", "line", "x", "data", "text")): random_json(rng, depth + 1)}


def mutate(rng: random.Random, value: Any, depth: int = 0) -> Any:
    """`value` with one subtree replaced, deleted or retyped (or, rarely, wholly random)."""
    if depth == 0 and rng.random() < 0.1:
        return random_json(rng)
    if isinstance(value, dict) and value and rng.random() < 0.8:
        key = rng.choice(sorted(value))
        copy = dict(value)
        roll = rng.random()
        if roll < 0.2:
            del copy[key]
        elif roll < 0.6:
            copy[key] = mutate(rng, value[key], depth + 1)
        else:
            copy[key] = random_json(rng)
        return copy
    if isinstance(value, list) and value and rng.random() < 0.8:
        index = rng.randrange(len(value))
        return [*value[:index], mutate(rng, value[index], depth + 1), *value[index + 1 :]]
    return random_json(rng)


# -- the session ----------------------------------------------------------------------------------


@dataclass
class Tally:
    """What came back, over many attacks."""

    attacks: Counter[str] = field(default_factory=Counter)
    held: Counter[str] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    violations: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def violation(self, kind: str, attack: Attack) -> None:
        self.violations[f"{attack.family}: {kind}"] += 1
        self.examples.setdefault(f"{attack.family}: {kind}", repr(attack.data[:300]))


class FuzzSession:
    """``outrider lsp`` under attack; restarted (and counted) when it dies or stops answering."""

    def __init__(self, env: Mapping[str, str], timeout_s: float = 10.0, slow_s: float | None = None) -> None:
        self.env = dict(env)
        self.timeout_s = timeout_s
        self.slow_s = slow_s
        self.restarts = 0
        self._probe = 0
        self._start()

    def _start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "lsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=self.env,
            cwd=str(REPO_ROOT),
        )
        self.inbox: queue.Queue[dict[str, Any] | BaseException | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self._write(frame(dumps(request("init", "initialize", {"processId": None, "capabilities": {}}))))
        self._collect({"init"}, self.timeout_s * 3)
        self._write(frame(dumps({"jsonrpc": "2.0", "method": "initialized", "params": {}})))

    def _read(self) -> None:
        assert self.process.stdout is not None
        try:
            while (message := read_frame(self.process.stdout)) is not None:
                if "method" in message and "id" in message:  # a server request: answer null
                    self._write(frame(dumps({"jsonrpc": "2.0", "id": message["id"], "result": None})))
                elif "method" not in message:
                    self.inbox.put(message)
            self.inbox.put(None)
        except BaseException as exc:  # FrameError: stdout held something else
            self.inbox.put(exc)

    def _write(self, data: bytes) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(data)
            self.process.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    def _collect(self, wanted: set[int | str], timeout_s: float) -> tuple[list[dict[str, Any]], str | None]:
        """Responses until every wanted id came; (responses, None) or (so far, why it stopped)."""
        found: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout_s
        while wanted - {m.get("id") for m in found if isinstance(m.get("id"), (int, str))}:
            try:
                item = self.inbox.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                return found, "no answer within the timeout (stuck or silent)"
            if item is None:
                return found, "crash"
            if isinstance(item, BaseException):
                return found, f"stdout not LSP ({str(item)[:80]})"
            found.append(item)
        return found, None

    def run(self, attack: Attack, tally: Tally) -> None:
        tally.attacks[attack.family] += 1
        self._probe += 1
        probe_id = f"probe-{self._probe}"
        self._write(attack.data + frame(dumps(request(probe_id, "workspace/executeCommand", PROBE))))
        started = time.monotonic()
        responses, failure = self._collect({probe_id, *attack.ids}, self.timeout_s)
        if failure is None and self.slow_s is not None and time.monotonic() - started > self.slow_s:
            failure = f"answered after more than {self.slow_s:g} s"
        ok = self._judge(attack, responses, failure, tally)
        if failure is not None and not failure.startswith("answered after"):
            self.restart()
        if ok:
            tally.held[attack.family] += 1

    def _judge(self, attack: Attack, responses: list[dict[str, Any]], failure: str | None, tally: Tally) -> bool:
        problems: list[str] = [failure] if failure else []
        null_errors = 0
        for response in responses:
            if str(response.get("id", "")).startswith("probe-"):
                continue
            error = response.get("error")
            tally.codes[str(error["code"]) if error else "result"] += 1
            if error and error.get("data") is not None and "traceback" in json.dumps(error["data"]).lower():
                problems.append("traceback sent")
            if error and error["code"] == INTERNAL_ERROR:
                problems.append("-32603 internal error")
            if response.get("id") is not None and not isinstance(response.get("id"), (int, str)):
                problems.append("answered with an id that is not an integer or a string")
            elif response.get("id") is None:
                null_errors += 1
                if not error or error["code"] not in (PARSE_ERROR, INVALID_REQUEST):
                    problems.append("id-null answer that is not -32700/-32600")
            elif attack.success and error:
                problems.append("a valid message refused")
        if failure is None and null_errors < attack.null_errors:
            problems.append("no error answer (silence)")
        for problem in problems:
            tally.violation(problem, attack)
        return not problems

    def restart(self) -> None:
        self.close()
        self.restarts += 1
        self._start()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


def draw_attack(rng: random.Random, next_id: int, families: tuple[str, ...] = tuple(FAMILIES)) -> Attack:
    return FAMILIES[rng.choice(families)](rng, next_id)
