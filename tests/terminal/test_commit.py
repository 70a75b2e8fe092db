"""`outrider refactor --commit`: one GitPython commit of exactly the applied files; a dirty index is
refused before any model call unless --allow-dirty-index."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from server.cli import main
from server.terminal.commit import check_index, commit_message
from server.terminal.outcome import ExitCode
from tests.agent.task_scripts import RENAME
from tests.emulator import Emulator
from tests.terminal.conftest import refactor_argv, script_rename


def make_repo(work: Path) -> git.Repo:
    repo = git.Repo.init(work)
    with repo.config_writer() as config:
        config.set_value("user", "name", "Test")
        config.set_value("user", "email", "test@example.com")
        config.set_value("commit", "gpgsign", "false")
    repo.git.add("-A")
    repo.git.commit("-m", "initial")
    return repo


def committed_files(repo: git.Repo) -> list[str]:
    return sorted(str(path) for path in repo.head.commit.stats.files)


def test_commit_makes_one_commit_of_exactly_the_applied_files(
    emulator: Emulator, work: Path, cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(work)
    (work / "notes.txt").write_text("unrelated work in progress\n")  # untracked: must stay out
    script_rename(emulator)
    assert main(refactor_argv(emulator.anthropic_base_url, work, "--commit")) == 0
    assert len(list(repo.iter_commits())) == 2
    assert committed_files(repo) == list(RENAME.changed)
    message = str(repo.head.commit.message)
    assert message.startswith("Rename the function calc_total to compute_total")
    assert "- shop/cart.py" in message
    assert not repo.is_dirty(untracked_files=False)
    assert repo.untracked_files == ["notes.txt"]
    assert f"applied and committed {repo.head.commit.hexsha[:10]}" in capsys.readouterr().err


def test_dirty_index_is_refused_before_any_model_call(
    emulator: Emulator, work: Path, cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(work)
    (work / "shop" / "__init__.py").write_text("# staged change\n")
    repo.git.add("shop/__init__.py")
    script_rename(emulator)
    code = main(refactor_argv(emulator.anthropic_base_url, work, "--commit"))
    assert code == ExitCode.COMMIT_FAILED
    assert "the git index has staged changes (shop/__init__.py)" in capsys.readouterr().err
    assert emulator.requests == []
    assert len(list(repo.iter_commits())) == 1


def test_allow_dirty_index_commits_only_the_applied_files(
    emulator: Emulator, work: Path, cli_env: dict[str, str]
) -> None:
    repo = make_repo(work)
    (work / "shop" / "__init__.py").write_text("# staged change\n")
    repo.git.add("shop/__init__.py")
    script_rename(emulator)
    assert main(refactor_argv(emulator.anthropic_base_url, work, "--commit", "--allow-dirty-index")) == 0
    assert committed_files(repo) == list(RENAME.changed)
    assert [d.a_path for d in repo.index.diff("HEAD")] == ["shop/__init__.py"]  # still staged, not committed


def test_commit_outside_a_repository_is_refused(tmp_path: Path) -> None:
    refused = check_index(tmp_path, allow_dirty=False)
    assert refused is not None and "not in a git repository" in refused.reason


def test_commit_message_subject_is_short_and_lists_the_files() -> None:
    message = commit_message("Rename   x to y\nand more " + "words " * 20, ["b.py", "a.py"])
    subject = message.splitlines()[0]
    assert len(subject) <= 72 and subject.startswith("Rename x to y and more") and subject.endswith("...")
    assert message.endswith("Files changed by outrider refactor:\n- a.py\n- b.py\n")
