"""The error a command-line command raises for a failure the user can act on.

``server.cli.main`` prints it as one line on stderr (``outrider COMMAND: message``) and exits with
its ``code``. It lives below ``server.cli`` so the commands and ``server.terminal`` can raise it
without importing the command-line entry point.
"""

from __future__ import annotations


class CommandError(Exception):
    """A failure the user can act on: printed as one line, exit code `code`."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code
