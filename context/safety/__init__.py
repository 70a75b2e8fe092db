"""What may be seen: the only way workspace text reaches a prompt, a tool result or the state folder.

Public surface: :func:`list_workspace_files` / :func:`is_ignored` (git's view of the workspace plus
``.outriderignore`` and ``context.extra_ignore``), :func:`read_text_file` (regular files inside the
root only, size-capped), :func:`is_secret_file` / :func:`is_secret_content` / :func:`is_credential_document` (credential
files by name or content, never listed, read or completed in) and
:func:`redact` (inline secrets replaced by :data:`MARKER`).
"""

from typing import TYPE_CHECKING, Any

from context.safety.secret_files import is_credential_document, is_secret_content, is_secret_file
from context.safety.secrets import MARKER, redact, redact_with_count

if TYPE_CHECKING:
    from context.safety.files import is_ignored, list_workspace_files, read_text_file

_LISTING = frozenset({"is_ignored", "list_workspace_files", "read_text_file"})


def __getattr__(name: str) -> Any:
    """The listing and reading functions load on first use: they need ``pathspec``, and the repo
    map's lexing helper (a ``python -I -S`` process) imports the secret rules without it."""
    if name in _LISTING:
        from context.safety import files

        return getattr(files, name)
    raise AttributeError(name)


__all__ = [
    "MARKER",
    "is_credential_document",
    "is_ignored",
    "is_secret_content",
    "is_secret_file",
    "list_workspace_files",
    "read_text_file",
    "redact",
    "redact_with_count",
]
