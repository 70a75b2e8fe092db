"""Gitignore-syntax matching: one file's rules, and a per-root cache for single-path questions.

Semantics follow git's: within one file the last matching pattern wins (``!`` re-includes); a
deeper ``.gitignore`` overrides a shallower one; a pattern ending in ``/`` matches directories only;
a file inside an ignored directory stays ignored whatever a later pattern says (git never looks
inside an excluded directory). Patterns come from ``.gitignore`` files (every directory), the
repository's ``.git/info/exclude``, the workspace's ``.outriderignore`` (root only) and the
``context.extra_ignore`` setting. The user's global ``core.excludesFile`` is honoured by
``git ls-files`` in a git work tree, but not by the in-process matcher.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pathspec import GitIgnoreSpec

log = logging.getLogger(__name__)

OUTRIDER_IGNORE = ".outriderignore"
GIT_IGNORE = ".gitignore"
# Version-control metadata is never listed, read or searched.
VCS_DIRS = frozenset({".git", ".hg", ".svn"})


@dataclass(frozen=True)
class IgnoreRules:
    """The rules of one ignore file (or pattern list), relative to directory ``base`` ("" = root)."""

    base: str
    spec: GitIgnoreSpec

    @classmethod
    def from_lines(cls, base: str, lines: Iterable[str]) -> IgnoreRules:
        return cls(base, GitIgnoreSpec.from_lines([line.rstrip("\r\n") for line in lines]))

    def decide(self, rel_path: str, is_dir: bool) -> bool | None:
        """True: ignored; False: re-included by a ``!`` pattern; None: no pattern matched."""
        if self.base:
            if not rel_path.startswith(self.base + "/"):
                return None
            rel_path = rel_path[len(self.base) + 1 :]
        return self.spec.check_file(rel_path + "/" if is_dir else rel_path).include


def read_rules(path: Path, base: str) -> IgnoreRules | None:
    """Rules of the ignore file at ``path``, or None when it does not exist or cannot be read."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("cannot read ignore file %s: %s", path, exc)
        return None
    return IgnoreRules.from_lines(base, text.splitlines())


def decide(stack: Sequence[IgnoreRules], rel_path: str, is_dir: bool) -> bool:
    """Whether ``rel_path`` is ignored by ``stack`` (shallowest first; deeper rules win)."""
    decision: bool | None = None
    for rules in stack:
        verdict = rules.decide(rel_path, is_dir)
        if verdict is not None:
            decision = verdict
    return bool(decision)


def parent_dirs(rel_path: str) -> list[str]:
    """``a/b/c.py`` -> ``["a", "a/b"]``."""
    parts = rel_path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def is_vcs_path(rel_path: str) -> bool:
    return any(part in VCS_DIRS for part in rel_path.split("/"))


@dataclass
class _CachedRules:
    stamp: tuple[int, int] | None
    rules: IgnoreRules | None


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


@dataclass
class RulesCache:
    """Ignore files under one base directory, each re-read when its mtime or size changes."""

    base_dir: Path
    _entries: dict[str, _CachedRules] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def rules_at(self, rel_file: str, base: str) -> IgnoreRules | None:
        """The rules in file ``rel_file`` (relative to ``base_dir``), applying below ``base``."""
        path = self.base_dir / rel_file
        stamp = _stamp(path)
        with self._lock:
            cached = self._entries.get(rel_file)
            if cached is not None and cached.stamp == stamp:
                return cached.rules
        rules = read_rules(path, base) if stamp is not None else None
        with self._lock:
            self._entries[rel_file] = _CachedRules(stamp, rules)
        return rules

    def gitignore_stack(self, rel_dir: str) -> list[IgnoreRules]:
        """The ``.gitignore`` rules that apply inside ``rel_dir``, shallowest first."""
        dirs = ["", *parent_dirs(rel_dir + "/x")] if rel_dir else [""]
        stack = []
        for directory in dirs:
            rel_file = f"{directory}/{GIT_IGNORE}" if directory else GIT_IGNORE
            rules = self.rules_at(rel_file, directory)
            if rules is not None:
                stack.append(rules)
        return stack


def ignored_with_parents(stack_for_dir: dict[str, list[IgnoreRules]], rel_path: str, is_dir: bool = False) -> bool:
    """Whether ``rel_path`` or any directory above it is ignored, given each directory's stack."""
    for directory in parent_dirs(rel_path):
        parent = directory.rpartition("/")[0]
        if decide(stack_for_dir[parent], directory, is_dir=True):
            return True
    return decide(stack_for_dir[rel_path.rpartition("/")[0]], rel_path, is_dir=is_dir)


def extra_rules(root: Path, extra_ignore: Sequence[str], cache: RulesCache | None = None) -> list[IgnoreRules]:
    """The root-level rules of ``.outriderignore`` and then ``extra_ignore`` (later wins)."""
    stack: list[IgnoreRules] = []
    file_rules = cache.rules_at(OUTRIDER_IGNORE, "") if cache else read_rules(root / OUTRIDER_IGNORE, "")
    if file_rules is not None:
        stack.append(file_rules)
    if extra_ignore:
        stack.append(IgnoreRules.from_lines("", extra_ignore))
    return stack


def git_dir_of(work_tree: Path) -> Path | None:
    """The git directory of the work tree whose top is ``work_tree`` (``.git`` dir or ``gitdir:`` file)."""
    dot_git = work_tree / ".git"
    if dot_git.is_dir():
        return dot_git
    if dot_git.is_file():
        try:
            first = dot_git.read_text(encoding="utf-8").splitlines()[0]
        except (OSError, IndexError):
            return None
        if first.startswith("gitdir:"):
            target = Path(first[len("gitdir:") :].strip())
            return target if target.is_absolute() else (work_tree / target)
    return None


def find_git_top(path: Path) -> Path | None:
    """The nearest directory at or above ``path`` that has a ``.git`` entry."""
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate / ".git"):
            return candidate
    return None
