"""``server/lsp/progress.py``: work-done progress is throttled, ends once, and is silent without a token."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, cast

from lsprotocol import types

from server.lsp.progress import WorkDoneProgress
from server.lsp.server import OutriderServer


@dataclass
class SentProgress:
    """Stands in for pygls' ``server.work_done_progress``: records what would go to the client."""

    sent: list[tuple[str, Any]] = field(default_factory=list)
    tokens: dict[str, Future[Any]] = field(default_factory=dict)

    def begin(self, token: str, value: types.WorkDoneProgressBegin) -> None:
        self.tokens.setdefault(token, Future())
        self.sent.append((token, value))

    def report(self, token: str, value: types.WorkDoneProgressReport) -> None:
        self.sent.append((token, value))

    def end(self, token: str, value: types.WorkDoneProgressEnd) -> None:
        self.sent.append((token, value))


@dataclass
class Session:
    work_done_progress: SentProgress = field(default_factory=SentProgress)


def progress_for(token: str | None, clock: list[float]) -> tuple[WorkDoneProgress, SentProgress]:
    session = Session()
    progress = WorkDoneProgress(cast(OutriderServer, session), token, min_interval_s=0.1, clock=lambda: clock[0])
    return progress, session.work_done_progress


def test_reports_are_throttled_unless_forced_and_end_is_sent_once() -> None:
    now = [10.0]
    progress, sent = progress_for("t", now)
    progress.begin("Outrider: indexing")
    assert progress.report("1/10", 10)
    now[0] = 10.05
    assert not progress.report("2/10", 20)
    assert progress.report("step", None, force=True)
    now[0] = 10.2
    assert progress.report("5/10", 50)
    progress.end("10 files indexed")
    progress.end("again")
    assert not progress.report("late", 100, force=True)
    kinds = [(type(v).__name__, getattr(v, "message", None)) for _, v in sent.sent]
    assert kinds == [
        ("WorkDoneProgressBegin", None),
        ("WorkDoneProgressReport", "1/10"),
        ("WorkDoneProgressReport", "step"),
        ("WorkDoneProgressReport", "5/10"),
        ("WorkDoneProgressEnd", "10 files indexed"),
    ]


def test_without_a_token_nothing_is_sent() -> None:
    progress, sent = progress_for(None, [0.0])
    progress.begin("x")
    assert not progress.report("y", 1, force=True)
    progress.end("z")
    assert sent.sent == []


def test_cancel_from_the_editor_calls_back() -> None:
    progress, sent = progress_for("t", [0.0])
    cancelled: list[bool] = []
    progress.begin("x")
    progress.on_cancel(lambda: cancelled.append(True))
    sent.tokens["t"].cancel()  # what pygls does on window/workDoneProgress/cancel
    assert cancelled == [True]
