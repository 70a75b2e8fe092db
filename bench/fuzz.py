"""Protocol fuzzing at volume: hostile LSP messages against one ``outrider lsp``, counted.

    .venv/bin/python bench/fuzz.py [--messages 10000] [--seed 1] [--timeout 10] [--save FILE]
                                   [--baseline FILE]

Draws attacks from ``tests/lsp/protocol_attacks.py`` (framing, JSON, JSON-RPC envelope, misused
notification methods, the params of every method the server handles), sends each to the server
followed by a probe request, and checks the answer the specification requires. A server that dies
or stops answering for ``--timeout`` seconds is counted and restarted; an answer later than 2 s is
a violation too (a blocked event loop). First, the time a ``textDocument/codeAction`` whose
``context.diagnostics`` is a 10,000- and a 100,000-character string takes to be answered. Prints, per family, the
attacks and how many held, the answers by error code, and the violations with one example each.
``--baseline`` prints a saved run (such as one of the code before a fix) side by side.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.lsp import raw_rpc
from tests.lsp.conftest import isolated_env
from tests.lsp.protocol_attacks import FAMILIES, FuzzSession, Tally, draw_attack
from tests.lsp.raw_rpc import RawSession

SLOW_S = 2.0
"""An answer later than this counts as a violation (the event loop was blocked)."""


def blocked_seconds(env: dict[str, str], characters: int) -> float:
    """Seconds until a codeAction with a `characters`-long string as its diagnostics is answered."""
    raw_rpc.TIMEOUT_S = 600.0  # the code before the fix took 27.6 s for 100,000 characters
    session = RawSession(env)
    try:
        session.initialize()
        params = {
            "textDocument": {"uri": "untitled:a.py"},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "context": {"diagnostics": "x" * characters},
        }
        started = time.perf_counter()
        session.request("textDocument/codeAction", params)
        return time.perf_counter() - started
    finally:
        session.kill()


def fuzz(messages: int, seed: int, timeout_s: float) -> dict[str, Any]:
    rng = random.Random(seed)
    tally = Tally()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="outrider-fuzz-") as home:
        env = isolated_env(Path(home))
        blocked = {n: round(blocked_seconds(env, n), 3) for n in (10_000, 100_000)}
        session = FuzzSession(env, timeout_s=timeout_s, slow_s=SLOW_S)
        try:
            for number in range(messages):
                session.run(draw_attack(rng, number + 1), tally)
                if (number + 1) % max(100, messages // 20) == 0:
                    print(f"  {number + 1} attacks, {session.restarts} restarts", file=sys.stderr, flush=True)
        finally:
            session.close()
    return {
        "messages": messages,
        "seconds": round(time.monotonic() - started, 1),
        "restarts": session.restarts,
        "blocked_s": {str(n): seconds for n, seconds in blocked.items()},
        "attacks": dict(sorted(tally.attacks.items())),
        "held": dict(sorted(tally.held.items())),
        "codes": dict(sorted(tally.codes.items())),
        "violations": dict(sorted(tally.violations.items())),
        "examples": dict(sorted(tally.examples.items())),
    }


def print_run(name: str, run: dict[str, Any]) -> None:
    print(f"\n## {name}: {run['messages']} attacks in {run['seconds']} s, server restarted {run['restarts']} times")
    print(f"{'family':<10} {'attacks':>8} {'held':>8}")
    for family in FAMILIES:
        print(f"{family:<10} {run['attacks'].get(family, 0):>8} {run['held'].get(family, 0):>8}")
    total_held = sum(run["held"].values())
    print(f"{'all':<10} {sum(run['attacks'].values()):>8} {total_held:>8}")
    print(
        "codeAction with a string as its diagnostics, answered after: "
        + ", ".join(f"{int(n):,} characters {s} s" for n, s in run.get("blocked_s", {}).items())
    )
    print("answers by code: " + ", ".join(f"{code}: {count}" for code, count in run["codes"].items()))
    print("violations:" if run["violations"] else "violations: none")
    for kind, count in run["violations"].items():
        print(f"  {count:>6}  {kind}   e.g. {run['examples'][kind][:160]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before a silent server counts as stuck")
    parser.add_argument("--save", type=Path)
    parser.add_argument("--baseline", type=Path)
    args = parser.parse_args()
    run = fuzz(args.messages, args.seed, args.timeout)
    if args.baseline:
        print_run(f"baseline ({args.baseline.name})", json.loads(args.baseline.read_text()))
    print_run("this run", run)
    if args.save:
        args.save.write_text(json.dumps(run, indent=1))
    return 1 if run["violations"] else 0


if __name__ == "__main__":
    sys.exit(main())
