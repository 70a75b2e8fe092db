from pathlib import Path

import pytest

from tools.sandbox import Refusal, Workspace, WorkspacePath, cap_output, model_safe


def refused(ws: Workspace, raw: str) -> str:
    result = ws.resolve(raw)
    assert isinstance(result, Refusal), f"{raw!r} was allowed: {result}"
    return result.reason


def test_relative_and_absolute_paths_inside_resolve(project: Path) -> None:
    ws = Workspace([project])
    rel = ws.resolve("src/app.py")
    absolute = ws.resolve(str(project / "src" / "app.py"))
    assert isinstance(rel, WorkspacePath)
    assert rel == absolute
    assert rel.rel == "src/app.py"
    assert rel.path == (project / "src" / "app.py").resolve()


@pytest.mark.parametrize("raw", ["../../etc/passwd", "/etc/passwd", "src/../../outside.txt", "~/.ssh/id_rsa"])
def test_escapes_are_refused(project: Path, raw: str) -> None:
    ws = Workspace([project])
    result = ws.resolve(raw)
    if raw.startswith("~"):  # '~' is a plain name inside the workspace, never the home folder
        assert isinstance(result, Refusal) or result.path.is_relative_to(project.resolve())
    else:
        assert "outside the workspace" in refused(ws, raw)


def test_symlink_pointing_outside_is_refused(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("secret\n")
    (project / "src" / "link.py").symlink_to(outside)
    assert "outside the workspace" in refused(Workspace([project]), "src/link.py")


def test_symlink_inside_is_followed(project: Path) -> None:
    (project / "alias.py").symlink_to(project / "src" / "app.py")
    result = Workspace([project]).resolve("alias.py")
    assert isinstance(result, WorkspacePath)
    assert result.rel == "src/app.py"


def test_symlink_to_secret_is_refused(project: Path) -> None:
    (project / "settings.txt").symlink_to(project / ".env")
    assert "secret" in refused(Workspace([project]), "settings.txt")


@pytest.mark.parametrize("raw", [".git/config", ".git/HEAD", "src/../.git/config", ".GIT/config"])
def test_git_internals_are_refused(project: Path, raw: str) -> None:
    assert ".git" in refused(Workspace([project]), raw)


@pytest.mark.parametrize("raw", [".env", "keys/server.pem", "id_rsa"])
def test_secret_files_are_refused(project: Path, raw: str) -> None:
    assert "secret" in refused(Workspace([project]), raw)


def test_ignored_files_are_refused(project: Path) -> None:
    assert "ignored" in refused(Workspace([project]), "build/out.txt")
    assert "ignored" in refused(Workspace([project], extra_ignore=["*.md"]), "README.md")


def test_root_itself_only_when_allowed(project: Path) -> None:
    ws = Workspace([project])
    assert isinstance(ws.resolve("."), Refusal)
    assert isinstance(ws.resolve(".", allow_root=True), WorkspacePath)


def test_second_root_by_absolute_path(project: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.py").write_text("x = 1\n")
    ws = Workspace([project, other])
    result = ws.resolve(str(other / "x.py"))
    assert isinstance(result, WorkspacePath)
    assert result.root == other.resolve()
    assert "outside" in refused(Workspace([project]), str(other / "x.py"))


def test_invalid_text_is_refused(project: Path) -> None:
    ws = Workspace([project])
    assert "invalid" in refused(ws, "")
    assert "invalid" in refused(ws, "a\x00b")


def test_outputs_are_capped_and_redacted() -> None:
    capped = cap_output("x" * 100, 10)
    assert capped.startswith("x" * 10)
    assert "90 more characters" in capped
    safe = model_safe("key = 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789'\n")
    assert "sk-ant-api03-abcdefghijklmnop" not in safe
