import shutil
import sys
from pathlib import Path

import pytest

from tools import propose_edit, run_tests
from tools.run_tests import display_command
from tools.runner_detection import detect_test_commands
from tools.tool import ToolEnv

CHECK = (
    "import sys, pathlib; t = pathlib.Path('src/app.py').read_text(); "
    "print(sys.argv[1:]); sys.exit(0 if 'hello' in t else 1)"
)


def configured(env: ToolEnv) -> ToolEnv:
    env.test_commands = ((sys.executable, "-c", CHECK),)
    env.test_timeout_s = 30
    return env


async def test_unconfigured_commands_are_refused(env: ToolEnv) -> None:
    result = await run_tests.TOOL.call({}, env)
    assert result.is_error and "no test commands are configured" in result.text
    result = await run_tests.TOOL.call({"command": 3}, configured(env))
    assert result.is_error and "there is no test command 3" in result.text


async def test_runs_on_a_scratch_copy_with_proposals(env: ToolEnv, project: Path) -> None:
    configured(env)
    assert (await run_tests.TOOL.call({}, env)).is_error  # the file on disk says 'hi'
    await propose_edit.TOOL.call({"path": "src/app.py", "edits": [{"search": "'hi '", "replace": "'hello '"}]}, env)
    result = await run_tests.TOOL.call({}, env)
    assert not result.is_error, result.text
    assert "exit code 0 (passed)" in result.text
    assert "'hi '" in (project / "src" / "app.py").read_text()


async def test_targets_must_be_workspace_paths_not_options(env: ToolEnv) -> None:
    configured(env)
    for target in ["--rootdir=/", "-p evil", "../../etc/passwd", ".env", "src/app.py; rm -rf /"]:
        result = await run_tests.TOOL.call({"targets": [target]}, env)
        assert result.is_error, target
        assert "exit code" not in result.text, target
    ok = await run_tests.TOOL.call({"targets": ["src/app.py::test_x"]}, env)
    assert "['src/app.py::test_x']" in ok.text


async def test_secret_files_are_not_copied_to_the_scratch_tree(env: ToolEnv) -> None:
    code = "import pathlib, sys; sys.exit(1 if pathlib.Path('.env').exists() else 0)"
    env.test_commands = ((sys.executable, "-c", code),)
    assert not (await run_tests.TOOL.call({}, env)).is_error


def test_detection_suggests_common_runners(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\n")
    (tmp_path / "package.json").write_text('{"scripts": {"test": "jest"}}')
    (tmp_path / "go.mod").write_text("module x\n")
    (tmp_path / "Cargo.toml").write_text("[package]\n")
    python = "python" if shutil.which("python") or not shutil.which("python3") else "python3"
    assert detect_test_commands(tmp_path) == [
        [python, "-m", "pytest", "-q"],
        ["npm", "test", "--silent"],
        ["go", "test", "./..."],
        ["cargo", "test"],
    ]
    assert detect_test_commands(tmp_path / "missing") == []


@pytest.mark.parametrize(
    ("argv", "shown"),
    [
        (["/opt/venv/bin/python3.11", "-m", "pytest"], "python -m pytest"),
        (["/usr/bin/python3", "run_checks.py"], "python run_checks.py"),
        (["C:/Python311/python.exe", "x.py"], "python x.py"),
        (["/usr/bin/npm", "test"], "npm test"),
        (["pythonista", "x"], "pythonista x"),
        ([], ""),
    ],
)
def test_display_command_hides_folders_and_interpreter_names(argv: list[str], shown: str) -> None:
    assert display_command(argv) == shown
