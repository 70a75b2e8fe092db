"""Argument types and the settings layer shared by the ``outrider`` subcommands.

``FILE:LINE:COL`` positions are 1-based, as compilers and grep print them; the command line's
settings layer holds only the flags the user gave (see ``server.config`` for the other layers).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class FilePosition:
    """A position as compilers print it: 1-based line and column (column in characters)."""

    path: Path
    line: int
    column: int


def parse_file_position(text: str) -> FilePosition:
    """Parse ``FILE:LINE:COL`` (1-based). The file name may itself contain colons."""
    parts = text.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        raise argparse.ArgumentTypeError(f"expected FILE:LINE:COL (1-based), got {text!r}")
    line, column = int(parts[1]), int(parts[2])
    if line < 1 or column < 1:
        raise argparse.ArgumentTypeError(f"LINE and COL are 1-based, got {text!r}")
    return FilePosition(Path(parts[0]), line, column)


def settings_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The command-line layer of the settings (only flags the user gave)."""
    out: dict[str, Any] = {}
    for key in ("provider", "model", "base_url"):
        if (value := getattr(args, key, None)) is not None:
            out[key] = value
    agent: dict[str, Any] = {}
    for flag, key in (("max_steps", "max_steps"), ("max_cost", "max_cost_usd"), ("max_seconds", "max_seconds")):
        if (value := getattr(args, flag, None)) is not None:
            agent[key] = value
    if agent:
        out["agent"] = agent
    return out
