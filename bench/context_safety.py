"""Context safety layer figures: redaction, token bound, workspace listing, git state.

    .venv/bin/python bench/context_safety.py [--runs 7] [--save FILE] [--baseline FILE] [--calibrate]
                                             [--detection]

Timings (median of ``--runs``, milliseconds):
1. ``redact`` on a 5,000-line Python file (it runs on every completion prompt). Target <= 25 ms,
   which is under 2 ms for a typical 2,000-token prompt.
2. ``count_tokens`` on the same file, on a 2,000-token slice (target <= 3 ms) and line by line as
   packers do on every keystroke (short texts are cached: the first run pays, the median does not).
3. ``truncate_to_tokens`` of the file to 2,000 tokens.
4. ``list_workspace_files`` and ``is_ignored`` (100 paths) on this repository.
5. ``git_state`` + ``diff_vs_head`` + ``recently_changed`` on this repository.

``--detection`` adds the secret detector's quality: the share of the seeded-secret corpus
(``tests/security/corpus.py``) that every read path masks or refuses, and the false positives per
10,000 lines on a large real repository (the sqlalchemy sdist, fetched once with ``pip download
--no-deps --no-binary :all: sqlalchemy -d bench/.cache/sdists``): lines that ``redact`` changes,
none of which holds a secret, by kind of file.

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


SDISTS = REPO / "bench" / ".cache" / "sdists"
TEXT_SUFFIXES = (".py", ".pyi", ".rst", ".txt", ".cfg", ".toml", ".ini", ".yaml", ".yml", ".json", ".md", ".c", ".pyx")


def _sqlalchemy_files() -> dict[str, str]:
    """Text files of the newest sqlalchemy sdist in bench/.cache/sdists, by path inside it."""
    import tarfile

    archives = sorted(SDISTS.glob("sqlalchemy-*.tar.gz"))
    if not archives:
        raise SystemExit(f"no sqlalchemy sdist in {SDISTS}; see --detection in this script's docstring")
    texts: dict[str, str] = {}
    with tarfile.open(archives[-1]) as archive:
        for member in sorted(archive.getmembers(), key=lambda m: m.name):
            if member.isfile() and member.name.endswith(TEXT_SUFFIXES):
                handle = archive.extractfile(member)
                if handle is not None:
                    texts[member.name] = handle.read().decode("utf-8", "replace")
    return texts


def _false_positives() -> tuple[int, int, dict[str, int], list[str]]:
    """(lines, masked lines, masked lines by suffix, a few examples) of redact on sqlalchemy."""
    lines = masked = 0
    by_suffix: dict[str, int] = {}
    examples: list[str] = []
    for name, text in _sqlalchemy_files().items():
        before = text.split("\n")
        after = redact(text).split("\n")
        lines += len(before)
        changed = [old for old, new in zip(before, after, strict=False) if old != new]
        masked += len(changed)
        if changed:
            suffix = Path(name).suffix
            by_suffix[suffix] = by_suffix.get(suffix, 0) + len(changed)
            examples.extend(f"{name}: {line.strip()[:100]}" for line in changed[:2])
    return lines, masked, by_suffix, examples


def _detection() -> tuple[int, int, list[str]]:
    """(seeded secrets, masked or refused, the kinds that leaked) through the shared detector."""
    from context.safety.secret_files import is_secret_content, is_secret_file
    from tests.security.corpus import SEEDED

    leaked = []
    for seeded in SEEDED:
        refused = is_secret_file(seeded.path) or is_secret_content(seeded.content)
        if not refused and seeded.secret in redact(seeded.content):
            leaked.append(seeded.kind)
    return len(SEEDED), len(SEEDED) - len(leaked), leaked


def _print_detection() -> None:
    seeded, caught, leaked = _detection()
    print(f"\nseeded secrets masked or refused: {caught}/{seeded} ({100 * caught / seeded:.0f}%)")
    if leaked:
        print("  leaked:", ", ".join(leaked))
    lines, masked, by_suffix, examples = _false_positives()
    print(
        f"sqlalchemy false positives: {masked} masked lines in {lines} ({10_000 * masked / lines:.2f} per 10,000 lines)"
    )
    for suffix, count in sorted(by_suffix.items()):
        print(f"  {suffix or '(none)':8s} {count}")
    for example in examples[:40]:
        print("  ", example)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--save", type=Path)
    parser.add_argument("--baseline", type=Path)
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--detection", action="store_true")
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
    if args.detection:
        _print_detection()
    if args.calibrate:
        calibration: dict[str, Any] = _calibration()
        print(f"\n{'token bound / real tokens':45s} {'min':>9s} {'median':>9s}")
        for name, (low, mid) in calibration.items():
            print(f"{name:45s} {low:9.3f} {mid:9.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
