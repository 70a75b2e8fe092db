"""The sandbox every tool goes through: paths stay inside a workspace folder, and what goes back to
the model is capped and redacted.

A path from the model is untrusted text. :meth:`Workspace.resolve` turns it into a
:class:`WorkspacePath` or a :class:`Refusal`, never an exception: relative paths are taken from the
first workspace folder, absolute ones must lie inside some folder, symlinks are followed before the
check (a link that points outside is refused), and ``.git/`` internals, secret files and ignored
files are refused whatever they are called.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from context.safety.files import is_ignored
from context.safety.secrets import is_secret_file, redact

log = logging.getLogger(__name__)

DEFAULT_OUTPUT_CHARS = 20_000
MAX_PATH_CHARS = 1024


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a path (or a request) was refused; the text goes back to the model as a tool error."""

    reason: str


@dataclass(frozen=True, slots=True)
class WorkspacePath:
    """A resolved path inside a workspace folder. `rel` is POSIX, relative to `root`."""

    root: Path
    path: Path
    rel: str


def cap_output(text: str, max_chars: int = DEFAULT_OUTPUT_CHARS) -> str:
    """Cut `text` to `max_chars`, saying how much was left out (the model must know it is partial)."""
    if len(text) <= max_chars:
        return text
    dropped = len(text) - max_chars
    return f"{text[:max_chars]}\n[output truncated: {dropped} more characters not shown]"


def model_safe(text: str, max_chars: int = DEFAULT_OUTPUT_CHARS) -> str:
    """What may go back to the model: redacted (same rules as the context layer), then capped."""
    return cap_output(redact(text), max_chars)


class Workspace:
    """The folders the agent may touch (resolved once; the first is the default for relative paths)."""

    def __init__(self, roots: Sequence[Path], *, extra_ignore: Sequence[str] = ()) -> None:
        if not roots:
            raise ValueError("a workspace needs at least one folder")
        self.roots: tuple[Path, ...] = tuple(Path(r).resolve() for r in roots)
        self.extra_ignore: tuple[str, ...] = tuple(extra_ignore)

    def resolve(self, raw: str, *, allow_root: bool = False) -> WorkspacePath | Refusal:
        """Resolve a path the model gave. `allow_root` lets a folder itself through (for listing)."""
        text = raw.strip()
        if not text or "\x00" in text or "\n" in text or "\r" in text:
            return Refusal(f"invalid path {raw!r}")
        if len(text) > MAX_PATH_CHARS:
            return Refusal(f"the path is too long ({len(text)} characters; at most {MAX_PATH_CHARS})")
        # An absolute path replaces the root when joined; '~' is not expanded (it is just a name).
        try:
            resolved = (self.roots[0] / text).resolve()
        except (OSError, RuntimeError) as exc:  # a symlink loop, a name too long for the system
            return Refusal(f"{raw!r} cannot be used: {exc.strerror if isinstance(exc, OSError) else exc}")
        root = self._root_of(resolved)
        if root is None:
            return Refusal(f"{raw!r} is outside the workspace; only files inside {self._roots_text()} can be used")
        rel = resolved.relative_to(root).as_posix()
        if rel == ".":
            return WorkspacePath(root, resolved, ".") if allow_root else Refusal(f"{raw!r} is a folder, not a file")
        lexical = PurePosixPath(text.replace("\\", "/"))
        if refusal := self._refuse_rel(root, rel, lexical, raw):
            return refusal
        return WorkspacePath(root, resolved, rel)

    def _refuse_rel(self, root: Path, rel: str, lexical: PurePosixPath, raw: str) -> Refusal | None:
        parts = [p.lower() for p in (*PurePosixPath(rel).parts, *lexical.parts)]
        if ".git" in parts:
            return Refusal(f"{raw!r} is inside .git/; git internals are not available (use git_diff)")
        if is_secret_file(rel) or is_secret_file(lexical.name):
            return Refusal(f"{raw!r} is a secret file (credentials, keys, .env); it is never read or written")
        if is_ignored(root, rel, extra_ignore=self.extra_ignore):
            return Refusal(f"{raw!r} is ignored (.gitignore/.outriderignore); it is not available")
        return None

    def _root_of(self, resolved: Path) -> Path | None:
        # The most specific folder wins when folders nest.
        inside = [r for r in self.roots if resolved == r or resolved.is_relative_to(r)]
        return max(inside, key=lambda r: len(r.parts)) if inside else None

    def _roots_text(self) -> str:
        return ", ".join(str(r) for r in self.roots)

    def display(self, wp: WorkspacePath) -> str:
        """How a path is shown to the model: relative, prefixed by the folder name when there are several."""
        if len(self.roots) == 1 or wp.root == self.roots[0]:
            return wp.rel
        return f"{wp.root}/{wp.rel}"
