"""Context safety layer figures: redaction, token bound, workspace listing, git state.

    .venv/bin/python bench/context_safety.py [--runs 7] [--save FILE] [--baseline FILE] [--calibrate]

Timings (median of ``--runs``, milliseconds):
1. ``redact`` on a 5,000-line Python file (it runs on every completion prompt). Target <= 25 ms,
   which is under 2 ms for a typical 2,000-token prompt.
2. ``count_tokens`` on the same file, on a 2,000-token slice (target <= 3 ms) and line by line as
   packers do on every keystroke (short texts are cached: the first run pays, the median does not).
3. ``truncate_to_tokens`` of the file to 2,000 tokens.
4. ``list_workspace_files`` and ``is_ignored`` (100 paths) on this repository.
5. ``git_state`` + ``diff_vs_head`` + ``recently_changed`` on this repository.

``--calibrate`` adds the token bound's overcount against the real tokenizers (needs the test
dependency ``quicktok-v1``): the smallest and median ratio bound / real per kind of text, where a
ratio under 1.0 would be an undercount.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from context.gitstate import git_state
from context.safety.files import is_ignored, list_workspace_files
from context.safety.secrets import redact
from context.tokens import count_tokens, truncate_to_tokens

REPO = Path(__file__).resolve().parent.parent


def _five_thousand_lines() -> str:
    sources = sorted(REPO.glob("context/*.py")) + sorted(REPO.glob("server/**/*.py"))
    lines: list[str] = []
    for path in sources:
        lines.extend(path.read_text(encoding="utf-8").splitlines())
        if len(lines) >= 5000:
            break
    while len(lines) < 5000:
        lines.extend(lines)
    return "\n".join(lines[:5000]) + "\n"


def _median_ms(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _timings(runs: int) -> dict[str, float]:
    text = _five_thousand_lines()
    prompt = truncate_to_tokens(text, 2000, "claude-sonnet-4-5")
    lines = text.splitlines(keepends=True)
    listing = list_workspace_files(REPO)
    probes = listing[:: max(1, len(listing) // 100)][:100]

    def git_figures() -> None:
        state = git_state(REPO)
        if state is not None:
            state.diff_vs_head()
            state.recently_changed(20)

    return {
        "redact 5000 lines": _median_ms(lambda: redact(text), runs),
        "redact 2000-token prompt": _median_ms(lambda: redact(prompt), runs),
        "count_tokens 5000 lines": _median_ms(lambda: count_tokens(text, "claude-sonnet-4-5"), runs),
        "count_tokens 2000-token prompt": _median_ms(lambda: count_tokens(prompt, "gpt-4o"), runs),
        "count_tokens 5000 lines one by one (cached)": _median_ms(
            lambda: [count_tokens(line, "gpt-4o") for line in lines], runs
        ),
        "truncate_to_tokens 5000 lines -> 2000": _median_ms(lambda: truncate_to_tokens(text, 2000), runs),
        f"list_workspace_files ({len(listing)} files)": _median_ms(lambda: list_workspace_files(REPO), runs),
        "is_ignored x100": _median_ms(lambda: [is_ignored(REPO, rel) for rel in probes], runs),
        "git_state + diff + recent": _median_ms(git_figures, runs),
    }


def _calibration() -> dict[str, tuple[float, float]]:
    import quicktok  # test dependency

    encodings = {name: quicktok.get_encoding(name) for name in ("o200k_base", "cl100k_base", "qwen3")}
    groups = {
        "python (stdlib)": sorted(Path(os.__file__).parent.glob("*.py"))[:80],
        "this repository": [REPO / rel for rel in list_workspace_files(REPO) if rel.endswith((".py", ".ts", ".md"))][
            :120
        ],
    }
    results: dict[str, tuple[float, float]] = {}
    for group, paths in groups.items():
        for family, model, names in (
            ("openai", "gpt-4o", ("o200k_base", "cl100k_base")),
            ("local", "qwen2.5-coder", ("qwen3",)),
            ("claude (vs max of all)", "claude-sonnet-4-5", ("o200k_base", "cl100k_base", "qwen3")),
        ):
            ratios = []
            for path in paths:
                text = path.read_text(encoding="utf-8", errors="replace")
                real = max(len(encodings[name].encode_ordinary(text)) for name in names)
                if real >= 50:
                    ratios.append(count_tokens(text, model) / real)
            results[f"{group} / {family}"] = (min(ratios), statistics.median(ratios))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--save", type=Path)
    parser.add_argument("--baseline", type=Path)
    parser.add_argument("--calibrate", action="store_true")
    args = parser.parse_args()
    figures = _timings(args.runs)
    baseline: dict[str, float] = json.loads(args.baseline.read_text()) if args.baseline else {}
    print(f"load average: {os.getloadavg()[0]:.2f}; median of {args.runs} runs")
    print(f"{'measure':45s} {'ms':>9s} {'baseline':>9s}")
    for name, value in figures.items():
        before = baseline.get(name)
        print(f"{name:45s} {value:9.2f} {before if before is not None else '':>9}")
    if args.save:
        args.save.write_text(json.dumps(figures, indent=2) + "\n")
    if args.calibrate:
        calibration: dict[str, Any] = _calibration()
        print(f"\n{'token bound / real tokens':45s} {'min':>9s} {'median':>9s}")
        for name, (low, mid) in calibration.items():
            print(f"{name:45s} {low:9.3f} {mid:9.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
