"""Which workspace files exist for the assistant, and reading one of them safely.

Listing: ``git ls-files --cached --others --exclude-standard -z`` when the root is inside a git work
tree (tracked files plus untracked ones that are not ignored; a subprocess with a timeout, no
shell), else a directory walk with the same ``.gitignore`` semantics (see ``context.safety.ignore``). Both
then drop ``.outriderignore`` / ``extra_ignore`` matches, version-control directories, secret files
(``context.safety.secret_files.is_secret_file``), files that no longer exist, submodules, anything
but regular files (FIFOs, sockets, devices), and symlinks that point outside the root, to a secret
file or nowhere (loops). The result is sorted POSIX paths relative to the root.

Reading (``read_text_file``): only regular files (a FIFO, socket or device is never opened for
reading in a way that can block); secret files (by name, or by content:
``context.safety.secret_files.is_secret_content``), files over ``max_bytes``, binary files (a NUL
byte in the first 8 KiB) and unreadable files give a ``Skipped`` with the reason. Decoding policy: a UTF-8 BOM
is stripped (``encoding="utf-8-sig"``), a UTF-16 BOM selects UTF-16; otherwise strict UTF-8; when that
fails, Latin-1 (``encoding="latin-1"``) unless more than a third of the bytes are non-ASCII or the
text holds control characters, which means it is not text we understand (``Skipped("undecodable")``).
``TextFile.encoding`` says which decoding was used, so an edit can be written back the same way.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from context.safety.ignore import (
    VCS_DIRS,
    IgnoreRules,
    RulesCache,
    decide,
    extra_rules,
    find_git_top,
    git_dir_of,
    ignored_with_parents,
    is_vcs_path,
    parent_dirs,
)
from context.safety.secret_files import is_secret_content, is_secret_file

log = logging.getLogger(__name__)

GIT_TIMEOUT_S = 20.0
BINARY_SNIFF_BYTES = 8192

SkipReason = Literal["secret", "too_large", "binary", "undecodable", "unreadable"]


@dataclass(frozen=True)
class TextFile:
    path: Path
    text: str
    encoding: Literal["utf-8", "utf-8-sig", "utf-16", "latin-1"]
    size: int


@dataclass(frozen=True)
class Skipped:
    path: Path
    reason: SkipReason
    detail: str = ""


# ---------------------------------------------------------------------------------------------
# Listing
# ---------------------------------------------------------------------------------------------


def list_workspace_files(root: Path, *, extra_ignore: Sequence[str] = (), max_files: int | None = None) -> list[str]:
    """Sorted POSIX paths, relative to ``root``, of the files the assistant may see."""
    root = root.resolve()
    state = _workspace(root)
    candidates = _git_ls_files(root)
    if candidates is None:
        candidates = _walk(root, state.root_rules)
    extra = extra_rules(root, extra_ignore, state.root_rules)
    kept = [rel for rel in candidates if _keep(root, rel, extra)]
    kept.sort()
    return kept if max_files is None else kept[:max_files]


async def list_workspace_files_async(
    root: Path, *, extra_ignore: Sequence[str] = (), max_files: int | None = None
) -> list[str]:
    """``list_workspace_files`` in a worker thread (it runs git and touches the disk)."""
    return await asyncio.to_thread(list_workspace_files, root, extra_ignore=extra_ignore, max_files=max_files)


def _keep(root: Path, rel: str, extra: list[IgnoreRules]) -> bool:
    if is_vcs_path(rel) or is_secret_file(rel):
        return False
    if extra and ignored_with_parents(_same_stack(extra, rel), rel):
        return False
    return _is_regular_file_inside(root, rel)


def _same_stack(stack: list[IgnoreRules], rel: str) -> dict[str, list[IgnoreRules]]:
    return dict.fromkeys(["", *parent_dirs(rel)], stack)


def _is_regular_file_inside(root: Path, rel: str) -> bool:
    path = os.path.join(root, rel)  # noqa: PTH118 - a string: the listing does this for every file
    try:
        st = os.lstat(path)
    except OSError:
        return False
    if stat.S_ISREG(st.st_mode):
        return True
    if not stat.S_ISLNK(st.st_mode):
        return False
    target = Path(os.path.realpath(path))
    if not target.is_relative_to(root) or is_secret_file(target.relative_to(root).as_posix()):
        return False  # a link out of the workspace, or to a secret file under another name
    try:
        return stat.S_ISREG(target.stat().st_mode)
    except OSError:  # a loop, a dangling link
        return False


def _git_ls_files(root: Path) -> list[str] | None:
    """Paths from ``git ls-files`` run in ``root``, or None when it is not a git work tree."""
    if find_git_top(root) is None:
        return None
    argv = ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"]
    output = _run_git(root, argv)
    if output is None:
        return None
    return sorted({path for path in output.decode("utf-8", errors="surrogateescape").split("\0") if path})


def _run_git(cwd: Path, argv: list[str]) -> bytes | None:
    try:
        done = subprocess.run(argv, cwd=cwd, capture_output=True, timeout=GIT_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("%s failed in %s (%s); falling back to a directory walk", " ".join(argv[:2]), cwd, exc)
        return None
    if done.returncode != 0:
        log.warning("%s in %s: %s", " ".join(argv[:2]), cwd, done.stderr.decode(errors="replace").strip())
        return None
    return done.stdout


def _walk(root: Path, cache: RulesCache) -> list[str]:
    """Every file under ``root`` that ``.gitignore`` files do not exclude (git's semantics)."""
    found: list[str] = []
    pending: list[tuple[str, list[IgnoreRules]]] = [("", [])]
    while pending:
        rel_dir, inherited = pending.pop()
        here = cache.rules_at(f"{rel_dir}/.gitignore" if rel_dir else ".gitignore", rel_dir)
        stack = [*inherited, here] if here is not None else inherited
        try:
            with os.scandir(root / rel_dir if rel_dir else root) as entries:
                listing = sorted((entry.name, entry.is_dir(follow_symlinks=False)) for entry in entries)
        except OSError as exc:
            log.warning("cannot list %s: %s", root / rel_dir, exc)
            continue
        for name, is_dir in listing:
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if is_dir:
                if name not in VCS_DIRS and not decide(stack, rel, is_dir=True):
                    pending.append((rel, stack))
            elif not decide(stack, rel, is_dir=False):
                found.append(rel)
    return found


# ---------------------------------------------------------------------------------------------
# Single paths
# ---------------------------------------------------------------------------------------------


@dataclass
class _Workspace:
    root: Path
    root_rules: RulesCache  # .outriderignore (and .gitignore files for the walk)
    tree_rules: RulesCache  # .gitignore files, relative to the git top (or the root)
    git_top: Path | None
    git_dir_rules: RulesCache | None = None  # .git/info/exclude
    tracked: frozenset[str] = frozenset()
    tracked_stamp: tuple[int, int] | None = None


_WORKSPACES: dict[Path, _Workspace] = {}
_WORKSPACES_LOCK = threading.Lock()


def _workspace(root: Path) -> _Workspace:
    """The cached ignore state of ``root``, rebuilt when the root enters or leaves a git work tree."""
    top = find_git_top(root)
    with _WORKSPACES_LOCK:
        state = _WORKSPACES.get(root)
        if state is None or state.git_top != top:
            root_cache = RulesCache(root)
            tree_cache = RulesCache(top) if top is not None else root_cache
            git_dir = git_dir_of(top) if top is not None else None
            git_dir_rules = RulesCache(git_dir) if git_dir is not None else None
            state = _Workspace(root, root_cache, tree_cache, top, git_dir_rules)
            _WORKSPACES[root] = state
        return state


def _tracked(state: _Workspace) -> frozenset[str]:
    """Paths tracked by git (relative to the git top), re-read when the index changes."""
    if state.git_top is None:
        return frozenset()
    index_stamp: tuple[int, int] | None = None
    if state.git_dir_rules is not None:
        try:
            st = (state.git_dir_rules.base_dir / "index").stat()
            index_stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            index_stamp = None
    if index_stamp is not None and index_stamp == state.tracked_stamp:
        return state.tracked
    output = _run_git(state.git_top, ["git", "ls-files", "--cached", "-z"])
    paths = output.decode("utf-8", errors="surrogateescape").split("\0") if output else []
    state.tracked = frozenset(path for path in paths if path)
    state.tracked_stamp = index_stamp
    return state.tracked


def _normalise(rel_path: str) -> str | None:
    parts = [part for part in rel_path.replace("\\", "/").split("/") if part not in ("", ".")]
    if rel_path.startswith("/") or ".." in parts or not parts:
        return None
    return "/".join(parts)


def is_ignored(root: Path, rel_path: str, *, extra_ignore: Sequence[str] = ()) -> bool:
    """Whether the listing would leave ``rel_path`` out for ignore rules, secrecy or VCS metadata.

    Paths outside the root (absolute, or climbing with ``..``) count as ignored. A path that is a
    directory on disk is matched as a directory (``build/`` patterns); any other path as a file,
    whether it exists or not. Ignore files are cached per root and re-read when they change; in a
    git work tree the set of tracked files (tracked files are never ignored) is re-read with one
    ``git ls-files`` when the index changes, so on an event loop prefer calling it in a thread.
    """
    rel = _normalise(rel_path)
    if rel is None:
        return True
    if is_vcs_path(rel) or is_secret_file(rel):
        return True
    root = root.resolve()
    state = _workspace(root)
    is_dir = (root / rel).is_dir()
    extra = extra_rules(root, extra_ignore, state.root_rules)
    if extra and ignored_with_parents(_same_stack(extra, rel), rel, is_dir):
        return True
    return _git_ignored(state, rel, is_dir)


def _git_ignored(state: _Workspace, rel: str, is_dir: bool) -> bool:
    prefix = ""
    base_stack: list[IgnoreRules] = []
    if state.git_top is not None:
        prefix = state.root.relative_to(state.git_top).as_posix()
        prefix = "" if prefix == "." else prefix + "/"
        if not is_dir and prefix + rel in _tracked(state):
            return False
        exclude = state.git_dir_rules.rules_at("info/exclude", "") if state.git_dir_rules else None
        base_stack = [exclude] if exclude is not None else []
    full = prefix + rel
    stacks = {
        directory: base_stack + state.tree_rules.gitignore_stack(directory) for directory in ["", *parent_dirs(full)]
    }
    return ignored_with_parents(stacks, full, is_dir)


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def read_text_file(path: Path, *, max_bytes: int) -> TextFile | Skipped:
    """The decoded text of ``path``, or why it was skipped (see the module docstring).

    The text is not redacted: pass it through ``context.safety.secrets.redact`` before it leaves the process.
    """
    if is_secret_file(path.as_posix()):
        return Skipped(path, "secret", "holds credentials")
    try:
        data = _read_regular_file(path, max_bytes)
    except OSError as exc:
        return Skipped(path, "unreadable", str(exc))
    if isinstance(data, Skipped):
        return data
    if len(data) > max_bytes:
        return Skipped(path, "too_large", f"more than {max_bytes} bytes")
    decoded = _decode(path, data)
    if isinstance(decoded, TextFile) and is_secret_content(decoded.text):
        return Skipped(path, "secret", "its content is a credential file's")
    return decoded


def _read_regular_file(path: Path, max_bytes: int) -> bytes | Skipped:
    """At most ``max_bytes + 1`` bytes of a regular file. Opened without blocking (a FIFO would
    wait for a writer for ever) and checked on the open descriptor (no race with a swap)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return Skipped(path, "unreadable", "not a regular file")
        if st.st_size > max_bytes:
            return Skipped(path, "too_large", f"{st.st_size} bytes > {max_bytes}")
        chunks: list[bytes] = []
        remaining = max_bytes + 1
        while remaining > 0 and (chunk := os.read(fd, min(remaining, 1 << 20))):
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _decode(path: Path, data: bytes) -> TextFile | Skipped:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return TextFile(path, data.decode("utf-16"), "utf-16", len(data))
        except UnicodeDecodeError as exc:
            return Skipped(path, "undecodable", str(exc))
    if b"\0" in data[:BINARY_SNIFF_BYTES]:
        return Skipped(path, "binary", "NUL byte in the first 8 KiB")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return TextFile(path, data[3:].decode("utf-8"), "utf-8-sig", len(data))
        except UnicodeDecodeError as exc:
            return Skipped(path, "undecodable", str(exc))
    try:
        return TextFile(path, data.decode("utf-8"), "utf-8", len(data))
    except UnicodeDecodeError as exc:
        if _looks_like_latin1(data):
            return TextFile(path, data.decode("latin-1"), "latin-1", len(data))
        return Skipped(path, "undecodable", f"not UTF-8 ({exc.reason} at byte {exc.start})")


_ASCII = bytes(range(0x80))
_NOT_CONTROL = bytes(sorted(set(range(256)) - (set(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D}) - {0x7F}))


def _looks_like_latin1(data: bytes) -> bool:
    high = len(data.translate(None, _ASCII))
    if high * 3 > len(data):
        return False
    return not data.translate(None, _NOT_CONTROL)
