"""A small MCP server of our own for the failure cases (run as ``python tests/mcp/fixture_server.py``).

Tools: ``echo`` (its description is read from the file named by ``--description-file``, so a test
can change the definition between runs), ``crash`` (the process exits mid-call), ``hang`` (never
answers), ``huge`` (a megabyte of text), ``leak`` (a secret the model must not see).
``--hang-at-start`` never completes the handshake; ``--starts-file`` counts the starts;
``--http-port`` serves streamable HTTP instead of stdio.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from mcp.server.mcpserver import MCPServer
from mcp_types import ToolAnnotations


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--description-file", type=Path)
    parser.add_argument("--hang-at-start", action="store_true")
    parser.add_argument("--starts-file", type=Path, help="append a line here at each start")
    parser.add_argument("--http-port", type=int, help="serve streamable HTTP at /mcp on this port")
    args = parser.parse_args()
    if args.starts_file:
        with args.starts_file.open("a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()}\n")
    if args.hang_at_start:
        time.sleep(3600)
    description = args.description_file.read_text(encoding="utf-8") if args.description_file else "Echo the text."
    server = MCPServer("fixture")

    @server.tool(description=description, annotations=ToolAnnotations(read_only_hint=True))
    def echo(text: str) -> str:
        return f"echo: {text}"

    @server.tool(description="Exit the server process in the middle of the call.")
    def crash() -> str:
        sys.stdout.flush()
        os._exit(3)

    @server.tool(description="Never answer.")
    def hang() -> str:
        time.sleep(3600)
        return "late"

    @server.tool(description="Return a megabyte of text.")
    def huge() -> str:
        return "x" * 1_000_000

    @server.tool(description="Return a configuration line with a secret in it.")
    def leak() -> str:
        return 'api_key = "sk-live-0123456789abcdef0123456789"'

    if args.http_port:
        server.run("streamable-http", host="127.0.0.1", port=args.http_port)
    else:
        server.run("stdio")


if __name__ == "__main__":
    main()
