"""Test-only commands that show the server's side of the session (``OUTRIDER_LSP_DEBUG=1``).

Tests check what the server holds instead of trusting the client:

- ``outrider.debug.documentText(uri)`` -> ``{"text", "version", "language", "hasTree",
  "parseSkipped"}`` or None for a document that is not open;
- ``outrider.debug.settings()`` -> ``{"settings": <Settings as JSON>, "problems": [...]}`` once
  pending settings updates (configuration pulls) are done;
- ``outrider.debug.workspaceRoots()`` -> the roots as strings;
- ``outrider.debug.repoMap(name?)`` -> ``{"root", "files", "generation", "indexing", "cancelled",
  "watched", "catchUps", "map"}`` for the session's repo map (``map``: rendered under 1024
  tokens; ``catchUps``: re-indexes before agent runs), plus ``"definitions"``
  (``[{"path", "line", "kind"}]``, sorted) of `name` when given; None before a root is known;
- ``outrider.debug.writeStdout(text)`` -> writes `text` to stdout the three ways that could
  corrupt the JSON-RPC stream (``print``, a raw ``write`` to fd 1, a child process inheriting
  stdout); the stdio guard must send all three to stderr;
- ``outrider.debug.runtime()`` -> ``{"tasks", "threads", "pendingFutures", "rssBytes",
  "gcObjects"}``: live asyncio tasks, live threads, futures the JSON-RPC layer still tracks,
  resident memory (Linux; else null) and objects the collector tracks. A soak samples it over time
  (``bench/soak.py``): each should stay flat while the session goes on;
- ``outrider.debug.objectTypes()`` -> ``{type name: count}`` of the objects the collector tracks
  (not frozen ones); two calls some minutes apart show what a leak is made of;
- ``outrider.debug.methods()`` -> ``{"methods", "commands"}``: every method and command the server
  handles (sorted; the debug commands left out), so the protocol fuzzer can check it covers them.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import threading
from collections import Counter
from typing import Any

from server.lsp import gcpolicy
from server.lsp.server import OutriderServer
from server.lsp.services.repo_map import REPO_MAP

DOCUMENT_TEXT = "outrider.debug.documentText"
SETTINGS = "outrider.debug.settings"
WORKSPACE_ROOTS = "outrider.debug.workspaceRoots"
WRITE_STDOUT = "outrider.debug.writeStdout"
REPO_MAP_STATE = "outrider.debug.repoMap"
RUNTIME = "outrider.debug.runtime"
METHODS = "outrider.debug.methods"
OBJECT_TYPES = "outrider.debug.objectTypes"


def resident_bytes() -> int | None:
    """This process's resident set size from ``/proc`` (None where there is no ``/proc``)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def setup(server: OutriderServer) -> None:
    @server.command(DOCUMENT_TEXT)
    def document_text(ls: OutriderServer, uri: str) -> dict[str, Any] | None:
        document = ls.documents.get(ls.document_key(uri))
        if document is None:
            return None
        return {
            "text": document.text,
            "version": document.version,
            "language": document.language,
            "hasTree": document.tree is not None,
            "parseSkipped": document.parse_skipped,
        }

    @server.command(SETTINGS)
    async def settings(ls: OutriderServer) -> dict[str, Any]:
        await ls.settings_settled()
        return {"settings": ls.settings.model_dump(mode="json"), "problems": list(ls.settings_problems)}

    @server.command(WORKSPACE_ROOTS)
    def workspace_roots(ls: OutriderServer) -> list[str]:
        return [str(root) for root in ls.workspace_roots]

    @server.command(REPO_MAP_STATE)
    async def repo_map_state(ls: OutriderServer, *arguments: Any) -> dict[str, Any] | None:
        """The session map's state; arguments: a name (its definitions too) or ``{"brief": true}``
        (no rendered map: polling it must not load the server). Computed in a thread."""
        session = ls.services.get(REPO_MAP)
        repo_map = session.current
        if repo_map is None:
            return None
        brief = bool(arguments) and isinstance(arguments[0], dict) and bool(arguments[0].get("brief"))
        name = arguments[0] if arguments and isinstance(arguments[0], str) else None

        def state() -> dict[str, Any]:
            found: dict[str, Any] = {
                "root": str(repo_map.root),
                "files": repo_map.file_count,
                "generation": repo_map.generation,
                "indexing": session.is_indexing,
                "parsing": session.is_parsing,
                "parses": repo_map.parse_count,
                "parsedFiles": sum(1 for record in repo_map.records() if record.parsed),
                "cancelled": session.cancelled,
                "watched": session.watched,
                "catchUps": session.catch_ups,
                "garbageCollection": {
                    "holding": gcpolicy.holding(),
                    "enabled": gc.isenabled(),
                    "frozen": gc.get_freeze_count(),
                },
            }
            if not brief:
                found["map"] = repo_map.render(1024)
            if name is not None:
                tags = repo_map.definitions(name)
                found["definitions"] = [{"path": t.path, "line": t.line, "kind": t.kind} for t in tags]
            return found

        return await asyncio.to_thread(state)

    @server.command(RUNTIME)
    async def runtime(ls: OutriderServer) -> dict[str, Any]:
        return {
            "tasks": len(asyncio.all_tasks()),
            "threads": threading.active_count(),
            "pendingFutures": ls.protocol.tracked_futures(),
            "rssBytes": resident_bytes(),
            "gcObjects": len(gc.get_objects()),
        }

    @server.command(OBJECT_TYPES)
    def object_types(ls: OutriderServer) -> dict[str, int]:
        counts = Counter(type(item).__qualname__ for item in gc.get_objects())
        return dict(sorted(counts.items()))

    @server.command(METHODS)
    def methods(ls: OutriderServer) -> dict[str, list[str]]:
        manager = ls.protocol.fm
        return {
            "methods": sorted({*manager.features, *manager.builtin_features}),
            "commands": sorted(name for name in manager.commands if not name.startswith("outrider.debug.")),
        }

    @server.command(WRITE_STDOUT)
    async def write_stdout(ls: OutriderServer, text: str) -> str:
        print(f"print: {text}", flush=True)  # noqa: T201 - the point of this command
        os.write(1, f"fd1: {text}\n".encode())
        child = await asyncio.create_subprocess_exec(sys.executable, "-c", f"print('child: ' + {text!r})")
        await child.wait()
        return "written"
