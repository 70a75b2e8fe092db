import subprocess
from pathlib import Path

from tools import git_diff
from tools.tool import ToolEnv


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com", *args], check=True)


async def test_working_tree_diff_without_secrets(env: ToolEnv, project: Path) -> None:
    git(project, "add", "src", "README.md", ".gitignore")
    git(project, "commit", "-q", "-m", "init")
    (project / "README.md").write_text("# demo\npassword = 'hunter2hunter2'\n")
    result = await git_diff.TOOL.call({}, env)
    assert "+++ b/README.md" in result.text
    assert "hunter2hunter2" not in result.text
    assert "sk-ant" not in result.text


async def test_not_a_repository(tmp_path: Path) -> None:
    from tools.sandbox import Workspace

    (tmp_path / "a.py").write_text("x = 1\n")
    result = await git_diff.TOOL.call({}, ToolEnv(Workspace([tmp_path])))
    assert "not a git repository" in result.text
