"""The command-line contract: FILE:LINE:COL parsing, settings flags, one-line failures."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from server.cli import build_parser, main
from server.commands.arguments import parse_file_position, settings_overrides


def test_file_position_is_one_based_and_allows_colons_in_names() -> None:
    pos = parse_file_position("C:/src/a:b.py:12:3")
    assert (pos.path, pos.line, pos.column) == (Path("C:/src/a:b.py"), 12, 3)


@pytest.mark.parametrize("text", ["a.py", "a.py:1", "a.py:0:1", "a.py:1:0", "a.py:x:1", "a.py:1:-2"])
def test_bad_file_positions_are_rejected(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_file_position(text)


def test_settings_overrides_only_contain_given_flags() -> None:
    args = build_parser().parse_args(["refactor", "do it", "--model", "m", "--max-cost", "0.5"])
    assert settings_overrides(args) == {"model": "m", "agent": {"max_cost_usd": 0.5}}
    args = build_parser().parse_args(["refactor", "do it"])
    assert settings_overrides(args) == {}


def test_no_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "usage: outrider" in captured.err


def test_bad_position_exits_with_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["context", "nowhere"])
    assert exc.value.code == 2
    assert "FILE:LINE:COL" in capsys.readouterr().err


def test_python_dash_m_reports_command_errors_in_one_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "server.cli", "context", f"{tmp_path}/missing.py:1:1"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [f"outrider context: {tmp_path}/missing.py: no such file"]
