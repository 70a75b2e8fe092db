"""The git state of a workspace, through GitPython: branch, HEAD, dirty files, diff, recent files.

Not being a git repository is a normal case: ``git_state`` returns None (also for a bare repository,
or when git itself is missing or fails). Paths are POSIX and relative to the *workspace root*, which
may be a subdirectory of the repository; files outside the root, secret files
(``context.safety.secrets.is_secret_file``) and files the listing ignores
(``context.safety.files.is_ignored``) are left out everywhere, and the diff is passed through
``context.safety.secrets.redact``.

Every call here runs git (milliseconds to seconds on a big repository): blocking, so callers on an
event loop run it in a thread (``asyncio.to_thread``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from context.safety.files import is_ignored
from context.safety.secret_files import is_secret_content
from context.safety.secrets import redact

log = logging.getLogger(__name__)
_CONTENT_SNIFF_BYTES = 64_000

EMPTY_TREE_SHA = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_RECENT_COMMITS = 50


@dataclass(frozen=True)
class DirtyFile:
    """One changed file: ``status`` is git's two-letter porcelain code (``" M"``, ``"A "``, ``"??"``)."""

    path: str
    status: str
    original_path: str | None = None  # the old path of a rename or copy


@dataclass(frozen=True)
class GitState:
    root: Path  # the workspace root
    top: Path  # the repository's working tree
    branch: str  # branch name, or "detached at <sha7>"
    head_sha: str | None  # None before the first commit
    is_detached: bool
    dirty: tuple[DirtyFile, ...]  # sorted by path

    @property
    def prefix(self) -> str:
        """The root's path inside the repository ("" at the top), with a trailing slash."""
        rel = self.root.relative_to(self.top).as_posix()
        return "" if rel == "." else rel + "/"

    def diff_vs_head(self, max_bytes: int = 200_000) -> str:
        """Working tree (staged and unstaged) against HEAD, redacted, cut at a line to ``max_bytes``.

        Only tracked files appear (new files are in ``dirty`` as ``??``). Secret and ignored files, and
        files whose content is a credential file's, are excluded from the diff itself, not just hidden.
        """
        repo = _open(self.top)
        if repo is None:
            return ""
        base = self.head_sha or EMPTY_TREE_SHA
        with repo:
            names = repo.git.diff(base, "--name-only", "-z", "--no-renames", "--", self.prefix or ".")
            excluded = sorted(path for path in _split_z(names) if self._hidden_from_diff(path))
            pathspecs = [self.prefix or ".", *(f":(exclude,literal,top){path}" for path in excluded)]
            text: str = repo.git.diff(base, "--no-color", "--no-ext-diff", "--no-textconv", "--", *pathspecs)
        if text and not text.endswith("\n"):
            text += "\n"
        return _cut_to_bytes(redact(text), max_bytes)

    def recently_changed(self, limit: int = 20) -> list[str]:
        """Files changed lately, most recent first: the dirty ones (newest first), then recent commits'."""
        ordered: list[str] = []
        seen: set[str] = set()

        def add(rel: str | None) -> None:
            if rel is not None and rel not in seen and (self.root / rel).is_file():
                seen.add(rel)
                ordered.append(rel)

        for _mtime, rel in sorted((-_mtime_ns(self.root / f.path), f.path) for f in self.dirty):
            add(rel)
        repo = _open(self.top) if self.head_sha is not None else None
        if repo is not None:
            with repo:
                log_text: str = repo.git.log(
                    f"-n{_RECENT_COMMITS}", "--no-renames", "--name-only", "--format=%x00", "--", self.prefix or "."
                )
            for commit_block in log_text.split("\0"):
                for path in sorted(line for line in commit_block.splitlines() if line.strip()):
                    add(self._to_root(path))
        return ordered[:limit]

    def _hidden_from_diff(self, top_path: str) -> bool:
        """Outside the root, ignored or secret by name, or (before or now) a credential file by content."""
        rel = self._to_root(top_path)
        if rel is None:
            return True
        try:
            with (self.root / rel).open("rb") as handle:
                head = handle.read(_CONTENT_SNIFF_BYTES).decode("utf-8", "replace")
        except OSError:
            return False  # deleted: its old text is in HEAD, shown like any deletion
        return is_secret_content(head)

    def _to_root(self, top_path: str) -> str | None:
        """A repository path as a root-relative path, or None when outside the root or not shown."""
        prefix = self.prefix
        if not top_path.startswith(prefix):
            return None
        rel = top_path[len(prefix) :]
        return None if not rel or is_ignored(self.root, rel) else rel


def git_state(root: Path) -> GitState | None:
    """The git state of the workspace at ``root``, or None when it is not in a git work tree."""
    root = root.resolve()
    repo = _open(root)
    if repo is None:
        return None
    try:
        with repo:  # closes GitPython's persistent `git cat-file` helpers
            return _read_state(repo, root)
    except Exception as exc:  # GitPython raises many kinds; a broken repo must not break the caller
        log.warning("cannot read git state of %s: %s", root, exc)
        return None


def _open(path: Path) -> Any:
    """A ``git.Repo`` for the work tree containing ``path``, or None (imported lazily: no import-time git)."""
    try:
        import git
    except ImportError as exc:
        log.warning("GitPython unavailable: %s", exc)
        return None
    try:
        repo = git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    if repo.bare or repo.working_tree_dir is None:
        return None
    repo.git.update_environment(GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    return repo


def _read_state(repo: Any, root: Path) -> GitState:
    top = Path(repo.working_tree_dir).resolve()
    head_sha: str | None = repo.head.commit.hexsha if repo.head.is_valid() else None
    detached = bool(repo.head.is_detached)
    branch: str = repo.head.reference.name if not detached else f"detached at {(head_sha or '')[:7]}"
    state = GitState(root=root, top=top, branch=branch, head_sha=head_sha, is_detached=detached, dirty=())
    status_z: str = repo.git.status("--porcelain=v1", "-z", "-uall", "--", state.prefix or ".")
    dirty = tuple(sorted(_parse_status(status_z, state), key=lambda item: item.path))
    return GitState(root=root, top=top, branch=branch, head_sha=head_sha, is_detached=detached, dirty=dirty)


def _parse_status(status_z: str, state: GitState) -> list[DirtyFile]:
    """Entries of ``git status --porcelain=v1 -z``: ``XY path``, and a second path for R and C."""
    entries = status_z.split("\0")
    found: list[DirtyFile] = []
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if len(entry) < 4:
            continue
        code, top_path = entry[:2], entry[3:]
        original: str | None = None
        if code[0] in "RC" and index < len(entries):
            original = state._to_root(entries[index]) if entries[index] else None
            index += 1
        rel = state._to_root(top_path)
        if rel is not None:
            found.append(DirtyFile(rel, code, original))
    return found


def _split_z(output: str) -> list[str]:
    return [path for path in output.split("\0") if path]


def _mtime_ns(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def _cut_to_bytes(text: str, max_bytes: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    cut = data.rfind(b"\n", 0, max_bytes) + 1
    kept = data[:cut].decode("utf-8", errors="ignore")
    return f"{kept}[diff truncated: {len(data) - cut} more bytes]\n"
