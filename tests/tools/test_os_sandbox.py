"""The OS sandbox keeps programs installed under /tmp runnable (a clone or virtualenv there is hidden
by the sandbox's private /tmp otherwise), and still keeps /tmp itself private."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from tools.os_sandbox import sandbox_status, sandboxed_argv


def test_a_program_under_tmp_runs_and_tmp_stays_private() -> None:
    assert sandbox_status().active, sandbox_status().detail  # make install-test installs bubblewrap
    with tempfile.TemporaryDirectory(dir="/tmp") as tools_dir, tempfile.TemporaryDirectory() as scratch:
        program = Path(tools_dir) / "hello"
        program.write_text(f"#!{sys.executable}\nprint('hello from /tmp')\n", encoding="utf-8")
        program.chmod(0o755)
        secret = Path(tools_dir) / "other.txt"
        secret.write_text("outside the sandbox", encoding="utf-8")

        done = subprocess.run(
            sandboxed_argv([str(program)], Path(scratch)), capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "hello from /tmp"

        writer = [sys.executable, "-c", f"open({str(Path(tools_dir) / 'new.txt')!r}, 'w').write('x')"]
        wrote = subprocess.run(sandboxed_argv(writer, Path(scratch)), capture_output=True, text=True, check=False)
        assert wrote.returncode != 0  # the program's folder is readable, not writable
        assert not (Path(tools_dir) / "new.txt").exists()
