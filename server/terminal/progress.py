"""Live progress of an agent run on the terminal (stderr): current step, last tool, files touched,
tokens, dollars and elapsed time, with the model's text streamed above the status line.

On a terminal the status line is redrawn in place (rich ``Live``); otherwise (a pipe, a CI log)
each step is one plain line, so logs stay readable.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Console
from rich.live import Live
from rich.text import Text

from server.agent.events import (
    AgentEvent,
    RunFinished,
    StepStarted,
    TextStreamed,
    ToolFinished,
    ToolUnavailable,
    ValidationFailed,
)
from server.agent.reporting import STREAM_TAIL_CHARS, progress_line
from server.models.budget import Spent


class ProgressView:
    """An ``EventSink`` (call it with each event); use as a context manager around the run."""

    def __init__(self, console: Console, max_steps: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.console = console
        self.max_steps = max_steps
        self.clock = clock
        self.started = clock()
        self.step = 0
        self.tool = ""
        self.files_touched: tuple[str, ...] = ()
        self.spent = Spent()
        self.pending_text = ""
        self.live: Live | None = None

    def __enter__(self) -> ProgressView:
        self.started = self.clock()
        if self.console.is_terminal:
            self.live = Live(console=self.console, transient=True, refresh_per_second=8, get_renderable=self.status)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.flush_text()
        if self.live is not None:
            self.live.__exit__(None, None, None)
            self.live = None

    @property
    def elapsed(self) -> float:
        return self.clock() - self.started

    def status(self) -> Text:
        tool = f"  {self.tool}" if self.tool else ""
        touched = self.files_touched
        files = f"  editing {', '.join(touched)}" if len(touched) <= 2 else f"  editing {len(touched)} files"
        files = files if touched else ""
        tokens = self.spent.input_tokens + self.spent.output_tokens
        line = Text.assemble(
            (f"step {self.step}/{self.max_steps}", "bold"),
            (tool, "magenta"),
            (files, "yellow"),
            f"  {tokens:,} tokens  ${self.spent.cost_usd:.4f}  {self.elapsed:.1f}s",
        )
        if self.pending_text.strip():  # the model's sentence so far, until its line is complete
            line = Text.assemble(line, "\n", (" ".join(self.pending_text.split())[-STREAM_TAIL_CHARS:], "italic"))
        return line

    def __call__(self, event: AgentEvent) -> None:
        if isinstance(event, TextStreamed):
            self.stream_text(event.text)
            return
        self.flush_text()
        if isinstance(event, StepStarted):
            self.step, self.spent, self.tool = event.step, event.spent, "asking the model"
        elif isinstance(event, ToolFinished):
            self.tool, self.files_touched, self.spent = event.tool, event.files_touched, event.spent
            if self.live is not None:  # a lasting line per tool call above the status line
                failed = " (failed)" if event.is_error else ""
                self.console.print(Text(f"  {event.tool} {' '.join(event.files)}{failed}".rstrip(), style="dim"))
        elif isinstance(event, RunFinished):
            self.spent = event.spent
        elif isinstance(event, ToolUnavailable) and self.live is not None:
            self.console.print(Text(f"  ! {event.source} is unavailable: {event.reason}", style="red"))
        elif isinstance(event, ValidationFailed):
            for problem in event.problems:
                self.console.print(Text(f"  ! {problem.splitlines()[0]}", style="red"))
        self.refresh(event)

    def refresh(self, event: AgentEvent) -> None:
        if self.live is not None:
            self.live.refresh()
            return
        line = progress_line(event, self.max_steps)
        if line is not None and not isinstance(event, TextStreamed):
            self.console.print(Text(f"{line}  [{self.elapsed:.1f}s]", style="dim"))

    def stream_text(self, text: str) -> None:
        """Print the model's text as whole lines above the status line."""
        self.pending_text += text
        if "\n" in self.pending_text:
            done, self.pending_text = self.pending_text.rsplit("\n", 1)
            self.console.print(Text(done, style="italic"))

    def flush_text(self) -> None:
        if self.pending_text.strip():
            self.console.print(Text(self.pending_text, style="italic"))
        self.pending_text = ""
