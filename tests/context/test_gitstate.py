"""Git state through GitPython, on temporary repositories made here."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from context.gitstate import DirtyFile, git_state


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty-gitconfig"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    _git(root, "config", "user.name", "Test")
    _git(root, "config", "user.email", "test@example.com")
    _write(root, ".gitignore", "*.log\n")
    _write(root, "app.py", "def main():\n    return 1\n")
    _write(root, "lib/util.py", "X = 1\n")
    _write(root, "old_name.py", "moved = True\n")
    _write(root, "gone.py", "bye = 1\n")
    _write(root, "settings.py", "DEBUG = True\n")
    _write(root, "notes/private.md", "draft\n")
    _write(root, ".env.example", "API_KEY=\n")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "first")
    _write(root, "lib/util.py", "X = 2\n")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "second")
    return root


def test_not_a_repository_is_none(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    assert git_state(tmp_path / "plain") is None


def test_clean_repository(repo: Path) -> None:
    state = git_state(repo)
    assert state is not None
    assert state.branch == "main"
    assert state.head_sha == _git(repo, "rev-parse", "HEAD")
    assert not state.is_detached
    assert state.dirty == ()
    assert state.diff_vs_head() == ""


def test_detached_head(repo: Path) -> None:
    first = _git(repo, "rev-parse", "HEAD~1")
    _git(repo, "checkout", "-q", "--detach", first)
    state = git_state(repo)
    assert state is not None
    assert state.is_detached
    assert state.branch == f"detached at {first[:7]}"
    assert state.head_sha == first


def test_dirty_files_with_status(repo: Path) -> None:
    _write(repo, "app.py", "def main():\n    return 2\n")
    _write(repo, "new.py", "fresh = 1\n")
    _write(repo, "staged.py", "staged = 1\n")
    _git(repo, "add", "staged.py")
    (repo / "gone.py").unlink()
    _git(repo, "mv", "old_name.py", "new_name.py")
    _write(repo, "debug.log", "ignored\n")
    _write(repo, ".env", "API_KEY=hunter2hunter2\n")
    state = git_state(repo)
    assert state is not None
    assert state.dirty == (
        DirtyFile("app.py", " M"),
        DirtyFile("gone.py", " D"),
        DirtyFile("new.py", "??"),
        DirtyFile("new_name.py", "R ", "old_name.py"),
        DirtyFile("staged.py", "A "),
    )


def test_diff_vs_head_is_redacted_and_leaves_out_secret_and_ignored_files(repo: Path) -> None:
    secret = "Zq8" + "x" * 12 + "Secret9"
    _write(repo, "app.py", f'def main():\n    return 2\napi_key = "{secret}"\n')
    _write(repo, ".outriderignore", "notes/\n")
    _write(repo, "notes/private.md", "private draft changed\n")
    # a tracked secret file, committed by mistake, then changed
    _write(repo, "deploy.pem", "old\n")
    _git(repo, "add", "-f", "deploy.pem")
    _git(repo, "commit", "-q", "-m", "oops")
    _write(repo, "deploy.pem", "-----BEGIN NOTHING-----\nchanged\n")
    _write(repo, ".env.example", f"API_KEY={secret}\n")
    state = git_state(repo)
    assert state is not None
    diff = state.diff_vs_head()
    assert "+    return 2" in diff
    assert "«redacted»" in diff
    assert secret not in diff
    assert "deploy.pem" not in diff
    assert "notes/private.md" not in diff
    assert ".env.example" in diff  # a template is not secret, but its value is masked
    assert [f.path for f in state.dirty] == [".env.example", ".outriderignore", "app.py"]


def test_diff_is_cut_at_a_line(repo: Path) -> None:
    _write(repo, "app.py", "".join(f"line {i}\n" for i in range(500)))
    state = git_state(repo)
    assert state is not None
    full = state.diff_vs_head()
    cut = state.diff_vs_head(max_bytes=300)
    assert len(full.encode()) > 300
    body, _, marker = cut.rpartition("[diff truncated: ")
    assert len(body.encode()) <= 300
    assert full.startswith(body)
    assert body.endswith("\n")
    assert marker.endswith("more bytes]\n")


def test_recently_changed(repo: Path) -> None:
    _write(repo, "app.py", "changed\n")
    state = git_state(repo)
    assert state is not None
    assert state.recently_changed(limit=10) == [
        "app.py",  # dirty first
        "lib/util.py",  # the last commit
        ".env.example",  # the first commit, sorted; gone.py and old_name.py still exist
        ".gitignore",
        "gone.py",
        "notes/private.md",
        "old_name.py",
        "settings.py",
    ]
    assert state.recently_changed(limit=2) == ["app.py", "lib/util.py"]


def test_unborn_branch(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    root.mkdir()
    _git(root, "init", "-q", "-b", "trunk")
    _write(root, "a.py", "a = 1\n")
    _git(root, "add", "a.py")
    state = git_state(root)
    assert state is not None
    assert (state.branch, state.head_sha, state.is_detached) == ("trunk", None, False)
    assert state.dirty == (DirtyFile("a.py", "A "),)
    assert "+a = 1" in state.diff_vs_head()
    assert state.recently_changed() == ["a.py"]


def test_subdirectory_root(repo: Path) -> None:
    _write(repo, "lib/util.py", "X = 3\n")
    _write(repo, "app.py", "outside the root\n")
    state = git_state(repo / "lib")
    assert state is not None
    assert state.dirty == (DirtyFile("util.py", " M"),)
    diff = state.diff_vs_head()
    assert "lib/util.py" in diff
    assert "app.py" not in diff
    assert state.recently_changed() == ["util.py"]
