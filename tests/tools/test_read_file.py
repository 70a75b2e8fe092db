from pathlib import Path

from tools import read_file
from tools.tool import OpenDocument, ToolEnv


async def test_reads_numbered_lines_with_range(env: ToolEnv) -> None:
    result = await read_file.TOOL.call({"path": "src/app.py", "start_line": 2, "end_line": 2}, env)
    assert not result.is_error
    assert result.text.splitlines() == [
        "src/app.py (lines 2-2 of 5)",
        "2|     return 'hi ' + name",
        "[more: call read_file with start_line=3]",
    ]
    assert result.files == ("src/app.py",)


async def test_open_buffer_wins_over_disk(env: ToolEnv, project: Path) -> None:
    path = (project / "src" / "app.py").resolve()
    env.overlay = lambda p: OpenDocument("unsaved = True\n", 7) if p == path else None
    result = await read_file.TOOL.call({"path": "src/app.py"}, env)
    assert "unsaved = True" in result.text


async def test_refusals_and_missing_files_are_tool_errors(env: ToolEnv) -> None:
    for path in ["../../etc/passwd", "/etc/passwd", ".git/config", ".env", "nope.py"]:
        result = await read_file.TOOL.call({"path": path}, env)
        assert result.is_error, path
        assert "sk-ant" not in result.text


async def test_invalid_arguments_are_marked(env: ToolEnv) -> None:
    result = await read_file.TOOL.call({"file": "src/app.py"}, env)
    assert result.is_error and result.invalid_arguments
    assert "path" in result.text


async def test_secrets_inside_files_are_redacted(env: ToolEnv, project: Path) -> None:
    (project / "config.py").write_text('API_KEY = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789"\n')
    result = await read_file.TOOL.call({"path": "config.py"}, env)
    assert "abcdefghijklmnop" not in result.text
    assert "API_KEY" in result.text
