"""``outrider acp``: serve the Agent Client Protocol over stdio (newline-delimited JSON-RPC).

Stdout carries the protocol and nothing else: the real stdin/stdout are handed to the SDK's
connection and everything else that would write there goes to stderr (``server.lsp.stdio``).
The workspace of each session is the ``cwd`` the client sends; provider flags apply to all.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from server.command_error import CommandError
from server.commands.arguments import settings_overrides
from server.config import load_settings
from server.lsp.stdio import reserved_stdio

log = logging.getLogger(__name__)


def run(args: argparse.Namespace) -> int:
    cli = settings_overrides(args)
    level = load_settings(getattr(args, "workspace", None), cli=cli).settings.log_level
    logging.basicConfig(
        stream=sys.stderr, level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        with reserved_stdio() as streams:
            from server.acp.stdio import serve

            asyncio.run(serve(cli, streams.reader, streams.writer))
    except OSError as exc:
        raise CommandError(f"cannot serve: {exc}") from exc
    return 0
