"""Next-edit figures: the server's overhead per prediction on a 5,000-line file, and how often the
recorded cases' predicted edit is the expected one.

    .venv/bin/python bench/next_edit.py [--runs N] [--predictions M]

1. Server overhead per prediction, excluding the model: from the request reaching the engine to the
   result being ready, minus the model call (an in-process model that answers at once: it renames
   the remaining use of the parameter in the region it is given). Everything the server does is in
   there: the snapshot, the region from the syntax tree, the cursor-aware context packing, the
   prompt, the cache key, the thread hand-offs, parsing the answer, the diff to minimal edits and
   the validation (the undo check and the tree-sitter parses). Target p50 <= 5 ms. Shown with its
   parts (prepare in the worker, finish in the worker), the cost of recording one keystroke in the
   edit history, and, side by side as the baseline, inline completion's context gathering
   (``server.completion.gather``) at the same position of the same file. Also the process's CPU
   time per prediction (all threads): on a loaded machine wall time is mostly waiting for a core
   (two thread hand-offs per prediction), and CPU time is the figure to compare.
2. The share of the recorded cases (``tests/nextedit/sessions``, replayed) where the predicted edit
   is the expected one. The replies in those sessions were scripted as a good model's: this measures
   the pipeline (prompt, answer parsing, diff, validation), not a model's quality.

Each figure is the median over ``--runs`` runs of ``--predictions`` predictions each. Prints
``os.getloadavg()``: on a busy machine every figure grows with the load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from context.source.document import Document
from server.completion.gather import gather
from server.config import Settings
from server.models.registry import build_provider
from server.models.types import ChatRequest, FimRequest, StreamEvent, TextDelta
from server.nextedit.engine import NextEditEngine, NextEditQuery
from server.nextedit.prompt import CURSOR, REGION_END, REGION_START
from tests.nextedit.case_scripts import CASES
from tests.nextedit.session_run import case_settings, run_case

SESSIONS = Path(__file__).resolve().parents[1] / "tests" / "nextedit" / "sessions"
LINES = 5000
FUNCTION = "def area_{n}(width, height):\n    result = width * height\n    return result + {n}\n\n\n"


def make_source(lines: int = LINES) -> str:
    return "".join(FUNCTION.format(n=n) for n in range(lines // 5))


class RenamingModel:
    """A model without latency: answers the region with the use of `width` renamed to `w`."""

    name = "instant"

    def supports_fim(self, model: str | None = None) -> bool:
        return False

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        return self._answer(request.messages[-1].text())

    def stream_fim(self, request: FimRequest) -> AsyncIterator[StreamEvent]:
        return self._answer(request.prefix)

    async def _answer(self, prompt: str) -> AsyncIterator[StreamEvent]:
        start = prompt.rindex(REGION_START)
        region = prompt[start : prompt.index(REGION_END, start) + len(REGION_END)].replace(CURSOR, "")
        yield TextDelta(region.replace("result = width *", "result = w *", 1))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def one_run(predictions: int) -> dict[str, list[float]]:
    settings = Settings()
    settings.next_edit.debounce_ms = 0
    engine = NextEditEngine(RenamingModel(), settings)
    source = make_source()
    document = Document("/bench/big.py", source, 1)
    engine.document_opened("big", "big.py", document.text)
    out: dict[str, list[float]] = {key: [] for key in ("cpu", "overhead", "prepare", "finish", "history", "baseline")}
    try:
        for index in range(predictions):
            n = (index * 37) % (LINES // 5)
            line = 5 * n
            version = document.version + 1
            document.apply_change(((line, 9 + len(str(n)) + 5), (line, 14 + len(str(n)) + 5)), "w", version)
            begun = time.perf_counter()
            engine.document_changed("big", document)
            out["history"].append((time.perf_counter() - begun) * 1000)
            engine.cache = type(engine.cache)(capacity=64)  # every prediction goes to the model
            cpu = time.process_time()
            result = await engine.predict(NextEditQuery("big", document, (line, 15)))
            out["cpu"].append((time.process_time() - cpu) * 1000)
            assert result.edits and result.edits[0].text == "w", result
            timings = result.timings
            out["overhead"].append(timings.total_ms - timings.model_ms)
            out["prepare"].append(timings.prepare_ms)
            out["finish"].append(timings.finish_ms)
            begun = time.perf_counter()
            gather(document, (line, 15), settings.completion.context_tokens, None)
            out["baseline"].append((time.perf_counter() - begun) * 1000)
            document.apply_change(((line, 9 + len(str(n)) + 5), (line, 10 + len(str(n)) + 5)), "width", version + 1)
            engine.document_changed("big", document)
    finally:
        engine.close()
    return out


async def recorded_share() -> tuple[int, int]:
    equal = 0
    with tempfile.TemporaryDirectory() as scratch:
        for case in CASES:
            session = SESSIONS / f"{case.name}.jsonl"
            settings = case_settings(provider="replay", replay_session=str(session))
            _, after = await run_case(case, build_provider(settings, env={}), settings, Path(scratch))
            equal += after == case.expected
    return equal, len(CASES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--predictions", type=int, default=200)
    args = parser.parse_args()
    runs = [asyncio.run(one_run(args.predictions)) for _ in range(args.runs)]
    print(f"load average {os.getloadavg()[0]:.2f}; {args.runs} runs x {args.predictions} predictions, {LINES} lines")
    print(f"{'ms per prediction':<44} {'p50':>7} {'p99':>7}")
    rows = (
        ("next edit: server overhead (excl. model)", "overhead"),
        ("  CPU time of the process (all threads)", "cpu"),
        ("  prepare (region, context, prompt)", "prepare"),
        ("  finish (parse, diff, validation)", "finish"),
        ("  edit history, one keystroke", "history"),
        ("baseline: inline completion context gather", "baseline"),
    )
    for label, key in rows:
        p50 = statistics.median(percentile(run[key], 0.5) for run in runs)
        p99 = statistics.median(percentile(run[key], 0.99) for run in runs)
        print(f"{label:<44} {p50:>7.2f} {p99:>7.2f}")
    equal, total = asyncio.run(recorded_share())
    print(f"recorded cases where the predicted edit is the expected one: {equal}/{total} ({100 * equal / total:.0f}%)")


if __name__ == "__main__":
    main()
