import asyncio
import os
import sys
import time
from pathlib import Path

from tools.process import run_command, scrubbed_env


def test_scrubbed_env_drops_credentials() -> None:
    env = {
        "PATH": "/bin",
        "HOME": "/home/u",
        "ANTHROPIC_API_KEY": "a",
        "OPENAI_API_KEY": "b",
        "GITHUB_TOKEN": "c",
        "AWS_ACCESS_KEY_ID": "d",
        "MY_SERVICE_SECRET": "e",
        "DB_PASSWORD": "f",
        "OUTRIDER_BASE_URL": "g",
    }
    assert scrubbed_env(env) == {"HOME": "/home/u", "PATH": "/bin"}


async def test_runs_argv_without_a_shell(tmp_path: Path) -> None:
    code = "import sys; print(sys.argv[1:])"
    result = await run_command([sys.executable, "-c", code, "$(touch pwned); rm -rf /"], tmp_path, timeout_s=30)
    assert result.passed
    assert "$(touch pwned); rm -rf /" in result.output
    assert not (tmp_path / "pwned").exists()


async def test_environment_reaching_the_process_is_scrubbed(tmp_path: Path) -> None:
    code = "import os; print(sorted(k for k in os.environ if 'KEY' in k or 'TOKEN' in k))"
    result = await run_command(
        [sys.executable, "-c", code],
        tmp_path,
        timeout_s=30,
        env={"PATH": "/usr/bin:/bin", "X_API_KEY": "s", "T_TOKEN": "t"},
    )
    assert result.output.strip() == "[]"


async def test_timeout_kills_the_process_group(tmp_path: Path) -> None:
    # The child starts a grandchild that would write a file after 1 s; killing the group stops both.
    marker, pid_file = tmp_path / "late", tmp_path / "grandchild.pid"
    (tmp_path / "late.py").write_text("import sys, time\ntime.sleep(1)\nopen(sys.argv[1], 'w').close()\n")
    (tmp_path / "spawn.py").write_text(
        "import pathlib, subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, sys.argv[1], sys.argv[2]])\n"
        "pathlib.Path(sys.argv[3]).write_text(str(child.pid))\n"
        "time.sleep(60)\n"
    )
    argv = [sys.executable, str(tmp_path / "spawn.py"), str(tmp_path / "late.py"), str(marker), str(pid_file)]
    started = time.monotonic()
    result = await run_command(argv, tmp_path, timeout_s=0.5)
    assert result.timed_out and result.exit_code is None
    assert time.monotonic() - started < 5
    if pid_file.exists():  # wait for the grandchild to be gone (killed, or done writing if it survived)
        pid = int(pid_file.read_text())
        for _ in range(500):
            if not _alive(pid):
                break
            await asyncio.sleep(0.02)
        assert not _alive(pid)
    assert not marker.exists()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()  # a zombie is dead
    except FileNotFoundError:
        return False


async def test_output_is_capped_keeping_head_and_tail(tmp_path: Path) -> None:
    code = "print('HEAD'); print('x' * 100000); print('TAIL')"
    result = await run_command([sys.executable, "-c", code], tmp_path, timeout_s=30, max_output_bytes=1000)
    assert result.output.startswith("HEAD")
    assert result.output.rstrip().endswith("TAIL")
    assert "bytes of output not shown" in result.output
    assert len(result.output) < 1200


async def test_missing_program_is_a_result_not_an_exception(tmp_path: Path) -> None:
    result = await run_command(["definitely-not-a-program-xyz"], tmp_path, timeout_s=5)
    assert result.error is not None and not result.passed
