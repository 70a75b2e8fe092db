"""``outrider lsp``: serve the Language Server Protocol over stdio (default) or ``--tcp HOST:PORT``.

Over stdio, stdout carries JSON-RPC and nothing else: the real stdout is handed to the protocol
and everything else that would write there goes to stderr (see ``server.lsp.stdio``). The exit
code follows the specification: 0 if the client sent ``shutdown`` before ``exit``, else 1.

``OUTRIDER_LSP_DEBUG=1`` adds test-only ``outrider.debug.*`` commands (see
``server.lsp.features.debug``).
"""

from __future__ import annotations

import argparse
import logging
import os

from server.command_error import CommandError
from server.commands.arguments import settings_overrides
from server.config import load_settings
from server.lsp.log_bridge import configure_stderr_logging
from server.lsp.server import DEBUG_FEATURES, DEFAULT_FEATURES, create_server
from server.lsp.stdio import reserved_stdio

logger = logging.getLogger(__name__)


def parse_host_port(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise CommandError(f"--tcp expects HOST:PORT (such as 127.0.0.1:2087), got {value!r}", code=2)
    return host.strip("[]"), int(port)


def run(args: argparse.Namespace) -> int:
    tcp = parse_host_port(args.tcp) if getattr(args, "tcp", None) else None
    if tcp is not None and getattr(args, "stdio", False):
        raise CommandError("--stdio and --tcp exclude each other")
    cli = settings_overrides(args)
    # Logging before the editor's settings arrive: the levels from the files, env and flags.
    workspace = getattr(args, "workspace", None)
    configure_stderr_logging(load_settings(workspace, cli=cli).settings.log_level)
    features = list(DEFAULT_FEATURES)
    if os.environ.get("OUTRIDER_LSP_DEBUG") == "1":
        features.extend(DEBUG_FEATURES)
    server = create_server(features, cli_settings=cli)
    if workspace is not None:
        server.workspace_roots = [workspace.resolve()]
    try:
        if tcp is not None:
            logger.info("listening on %s:%d", *tcp)
            server.start_tcp(*tcp)
        else:
            with reserved_stdio() as streams:
                server.start_io(streams.reader, streams.writer)
    except SystemExit:
        pass  # `exit` notification: the code is decided below
    except OSError as exc:
        raise CommandError(f"cannot serve: {exc}") from exc
    return server.exit_code
