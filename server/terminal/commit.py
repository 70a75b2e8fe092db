"""Committing applied edits with GitPython: exactly the applied files, one commit, a generated message.

Blocking (git runs as a subprocess): the terminal calls these outside the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import git

SUBJECT_CHARS = 72


@dataclass(frozen=True)
class CommitRefused:
    reason: str


@dataclass(frozen=True)
class Committed:
    sha: str
    message: str


def open_repo(workspace: Path) -> git.Repo | CommitRefused:
    try:
        return git.Repo(workspace, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return CommitRefused(f"{workspace} is not in a git repository; --commit needs one")


def staged_files(repo: git.Repo) -> list[str]:
    """Paths whose staged content differs from HEAD (all staged paths before the first commit)."""
    if not repo.head.is_valid():
        return sorted(str(path) for path, _stage in repo.index.entries)
    return sorted({str(d.a_path or d.b_path) for d in repo.index.diff("HEAD")})


def check_index(workspace: Path, *, allow_dirty: bool) -> CommitRefused | None:
    """Refuse early (before any model call) when a commit could not be made as asked."""
    repo = open_repo(workspace)
    if isinstance(repo, CommitRefused):
        return repo
    if not allow_dirty and (staged := staged_files(repo)):
        shown = ", ".join(staged[:5]) + (" ..." if len(staged) > 5 else "")
        return CommitRefused(
            f"the git index has staged changes ({shown}); commit or unstage them, or pass --allow-dirty-index"
        )
    return None


def commit_message(instruction: str, files: Sequence[str]) -> str:
    first = " ".join(instruction.split())
    subject = first if len(first) <= SUBJECT_CHARS else first[: SUBJECT_CHARS - 3].rstrip() + "..."
    body = "\n".join(f"- {name}" for name in sorted(files))
    return f"{subject}\n\n{instruction.strip()}\n\nFiles changed by outrider refactor:\n{body}\n"


def commit_files(workspace: Path, files: Sequence[Path], message: str) -> Committed | CommitRefused:
    """One commit of exactly `files` (absolute paths, written or deleted); other staged changes stay staged."""
    repo = open_repo(workspace)
    if isinstance(repo, CommitRefused):
        return repo
    root = Path(repo.working_tree_dir or workspace).resolve()
    rel = sorted(str(path.resolve().relative_to(root)) for path in files)
    if not rel:
        return CommitRefused("nothing to commit")
    try:
        repo.git.add("-A", "--", *rel)  # new files must be known to git; deletions are staged too
        if repo.head.is_valid():
            repo.git.commit("-m", message, "--only", "--", *rel)
        else:
            repo.git.commit("-m", message)
    except git.GitCommandError as exc:
        detail = (exc.stderr or str(exc)).strip().splitlines()
        return CommitRefused(f"git commit failed: {detail[-1] if detail else exc}")
    return Committed(repo.head.commit.hexsha, message)
