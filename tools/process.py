"""Running a configured command safely: argv only (never a shell), a timeout that kills the whole
process group, an output cap, and an allow-list environment (:func:`allowed_env`: PATH, HOME, the
locale, the virtualenv, what the user adds in ``agent.test_env``; never the rest, so a database
password or a DSN in the server's environment never reaches a test the model wrote). Never blocks
the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

# Environment variables that look like credentials are removed before anything runs.
SECRET_ENV = re.compile(
    r"(_API_KEY|_APIKEY|_TOKEN|_SECRET|_SECRET_KEY|_PASSWORD|_PASSWD|_CREDENTIALS|_AUTH)$"
    r"|^(AWS_|ANTHROPIC_|OPENAI_|AZURE_|GOOGLE_APPLICATION_CREDENTIALS|GH_|GITHUB_|HF_|HUGGING|NPM_TOKEN|OUTRIDER_)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class CommandResult:
    argv: tuple[str, ...]
    exit_code: int | None  # None when it timed out or could not start
    output: str  # stdout and stderr interleaved, capped (head and tail kept)
    timed_out: bool
    seconds: float
    error: str | None = None  # why it could not start

    @property
    def passed(self) -> bool:
        return self.exit_code == 0


# Variables a test command gets from the server's environment (plus the user's `agent.test_env`).
ALLOWED_ENV = frozenset(
    {
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "SHELL",
        "LANG",
        "LANGUAGE",
        "TERM",
        "TZ",
        "TMPDIR",
        "VIRTUAL_ENV",
        "CONDA_PREFIX",
        "CONDA_DEFAULT_ENV",
        "PYTHONPATH",
        "PYTHONHOME",
        "PYTHONIOENCODING",
        "PYTHONUTF8",
        "SYSTEMROOT",
        "COMSPEC",
        "PATHEXT",
    }
)


def allowed_env(base: Mapping[str, str], extra_names: Sequence[str] = ()) -> dict[str, str]:
    """The allow-listed variables of `base` (locale ``LC_*`` included) plus `extra_names`, and
    never a credential-looking one, even when listed."""
    extra = frozenset(extra_names)
    return {
        key: value
        for key, value in sorted(base.items())
        if (key in ALLOWED_ENV or key.startswith("LC_") or key in extra) and not SECRET_ENV.search(key)
    }


def scrubbed_env(base: Mapping[str, str], extra_patterns: Sequence[str] = ()) -> dict[str, str]:
    """`base` without credential-like variables (and without any name in `extra_patterns`)."""
    extra = {p.upper() for p in extra_patterns}
    return {k: v for k, v in sorted(base.items()) if not SECRET_ENV.search(k) and k.upper() not in extra}


class _CappedBuffer:
    """Keeps the first and last `cap // 2` bytes of a stream (test failures print at the end)."""

    def __init__(self, cap: int) -> None:
        self.half = max(cap // 2, 1)
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    def add(self, chunk: bytes) -> None:
        room = self.half - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        self.tail += chunk
        if len(self.tail) > self.half:
            cut = len(self.tail) - self.half
            self.dropped += cut
            del self.tail[:cut]

    def text(self) -> str:
        middle = f"\n[... {self.dropped} bytes of output not shown ...]\n" if self.dropped else ""
        return self.head.decode("utf-8", "replace") + middle + self.tail.decode("utf-8", "replace")


async def run_command(
    argv: Sequence[str],
    cwd: Path,
    *,
    timeout_s: float,
    max_output_bytes: int = 64_000,
    env: Mapping[str, str] | None = None,
) -> CommandResult:
    """Run `argv` in `cwd` in its own process group; on timeout the whole group is killed. `env` is
    used as given but for credential-looking names (build it with :func:`allowed_env`); by default the
    allow-list of ours."""
    started = time.monotonic()
    clean_env = allowed_env(os.environ) if env is None else {k: v for k, v in env.items() if not SECRET_ENV.search(k)}
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            cwd=cwd,
            env=clean_env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as exc:
        return CommandResult(tuple(argv), None, "", False, time.monotonic() - started, f"cannot start: {exc}")
    buffer = _CappedBuffer(max_output_bytes)

    async def pump() -> None:
        assert proc.stdout is not None
        while chunk := await proc.stdout.read(65536):
            buffer.add(chunk)
        await proc.wait()

    timed_out = False
    try:
        await asyncio.wait_for(pump(), timeout_s)
    except TimeoutError:
        timed_out = True
    finally:
        if proc.returncode is None:
            _kill_group(proc.pid)
            with contextlib.suppress(ProcessLookupError):
                await asyncio.shield(proc.wait())
    code = None if timed_out else proc.returncode
    return CommandResult(tuple(argv), code, buffer.text(), timed_out, time.monotonic() - started)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError) as exc:
        log.debug("process group %s already gone: %s", pid, exc)
