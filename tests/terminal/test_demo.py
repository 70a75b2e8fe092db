"""`outrider demo` as a new user runs it: exit 0, the diff and passing tests shown, examples/ untouched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from server.commands.demo import EXAMPLE, EXAMPLES, SESSION
from tests.emulator.fixtures import REPO_ROOT
from tests.terminal.conftest import snapshot

OUTRIDER = [sys.executable, "-c", "import sys; from server.cli import main; sys.exit(main())"]


def test_demo_succeeds_without_key_or_network_and_leaves_examples_unchanged(tmp_path: Path) -> None:
    before = snapshot(EXAMPLES)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OPENAI_", "OUTRIDER_"))}
    env |= {"OUTRIDER_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    env |= {"ANTHROPIC_BASE_URL": "http://127.0.0.1:9", "PYTHONPATH": str(REPO_ROOT)}  # nothing may be called
    done = subprocess.run(
        [*OUTRIDER, "demo"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    out = done.stdout
    assert "+def format_price(amount: float, currency: str | None = None) -> str:" in out
    assert "applied to invoicing/invoice.py, invoicing/money.py, invoicing/receipt.py" in out
    assert "Ran 10 tests" in out and "\nOK" in out and "Demo finished" in out
    assert snapshot(EXAMPLES) == before
    assert not (tmp_path / "state").exists()  # the demo spends nothing and traces nothing


def test_the_example_tests_pass_before_the_refactor_too() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "unittest"],
        cwd=EXAMPLES / EXAMPLE,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and "Ran 7 tests" in done.stderr


def test_the_shipped_session_is_readable_jsonl() -> None:
    import json

    lines = (EXAMPLES / SESSION).read_text(encoding="utf-8").splitlines()
    kinds = [json.loads(line)["kind"] for line in lines]
    assert kinds[0] == "task" and kinds.count("request") == 4 == kinds.count("end")
