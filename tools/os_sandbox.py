"""Running test commands on model-written code inside an operating-system sandbox.

A test suite with the model's proposed files in it runs code the model wrote. Where bubblewrap
(``bwrap``, Debian's ``bubblewrap`` package) works, :func:`sandboxed_argv` wraps the command so
that the whole system is read-only, only the scratch copy (and a private ``/tmp``) is writable,
there is no network (every namespace is unshared) and the process dies with its parent. The
environment is the allow-list of :func:`tools.process.allowed_env`, given by the caller.

:func:`sandbox_status` probes once per process whether the sandbox can run here (``bwrap`` may be
missing, or user namespaces may be disabled); ``outrider doctor`` reports it. Without a sandbox,
tests on proposed files run only after the user said yes (:mod:`tools.run_tests`).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PROBE_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class SandboxStatus:
    active: bool
    detail: str  # what runs the sandbox, or why there is none


def _base_argv(bwrap: str) -> list[str]:
    return [
        bwrap,
        "--unshare-all",  # no network, no view of other processes
        "--die-with-parent",
        "--new-session",
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--tmpfs",
        "/tmp",
    ]


@functools.cache
def sandbox_status() -> SandboxStatus:
    """Whether bubblewrap can run a command here (probed once: ``bwrap ... true``)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return SandboxStatus(False, "bubblewrap (bwrap) is not installed")
    try:
        done = subprocess.run(
            [*_base_argv(bwrap), "true"], capture_output=True, timeout=PROBE_TIMEOUT_S, check=False, text=True
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return SandboxStatus(False, f"bubblewrap cannot run: {exc}")
    if done.returncode != 0:
        return SandboxStatus(False, f"bubblewrap cannot run here: {done.stderr.strip()[:200]}")
    return SandboxStatus(True, f"bubblewrap ({bwrap}): read-only system, no network, scratch copy writable")


def _programs_under_tmp(argv: Sequence[str]) -> list[str]:
    """The folders under /tmp that the command needs to read (the private /tmp hides them): this
    Python's installation and virtualenv, the directories on PATH, and the program's own folder."""
    candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix, *os.environ.get("PATH", "").split(os.pathsep)}
    if argv and Path(argv[0]).is_absolute():
        candidates.add(str(Path(argv[0]).parent))
    tmp = Path("/tmp")
    found = {str(Path(c)) for c in candidates if c and Path(c).is_absolute() and tmp in Path(c).parents}
    return sorted(path for path in found if Path(path).is_dir())


def sandboxed_argv(argv: Sequence[str], scratch: Path) -> list[str]:
    """`argv` wrapped in bubblewrap with `scratch` as the only writable folder (and the cwd)."""
    bwrap = shutil.which("bwrap") or "bwrap"
    folder = str(scratch)
    readable = [arg for path in _programs_under_tmp(argv) for arg in ("--ro-bind", path, path)]
    return [*_base_argv(bwrap), *readable, "--bind", folder, folder, "--chdir", folder, "--", *argv]
