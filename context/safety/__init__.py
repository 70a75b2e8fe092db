"""What may be seen: the only way workspace text reaches a prompt, a tool result or the state folder.

Public surface: :func:`list_workspace_files` / :func:`is_ignored` (git's view of the workspace plus
``.outriderignore`` and ``context.extra_ignore``), :func:`read_text_file` (regular files inside the
root only, size-capped), :func:`is_secret_file` (credential files, never listed or read) and
:func:`redact` (inline secrets replaced by :data:`MARKER`).
"""

from context.safety.files import is_ignored, list_workspace_files, read_text_file
from context.safety.secret_files import is_secret_file
from context.safety.secrets import MARKER, redact, redact_with_count

__all__ = [
    "MARKER",
    "is_ignored",
    "is_secret_file",
    "list_workspace_files",
    "read_text_file",
    "redact",
    "redact_with_count",
]
