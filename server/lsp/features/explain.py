"""``workspace/executeCommand``: ``outrider.explain`` and the suggestion verdicts.

- ``outrider.explain(traceId?)`` -> what is traced about a suggestion (the last one shown when no
  id is given): ``trace_id``, ``model``, ``latency_ms``, ``confidence`` (with its source and
  signals), ``verdict``, and ``call`` (provider, tokens, ``cost_usd``, ``total_s``); None when
  there is nothing to explain. Read in a thread (SQLite).
- ``outrider.suggestion.accepted(traceId)``: the inline-completion item's ``command``, which the
  editor runs when the user accepts it (the Neovim plugin's accept key sends it too);
  ``outrider.suggestion.rejected(traceId)`` for clients that know a suggestion was dismissed.
  A suggestion replaced by the next one without being accepted counts as rejected.
"""

from __future__ import annotations

import asyncio
from typing import Any

from server.lsp.server import OutriderServer
from server.lsp.services.suggestions import SUGGESTIONS

EXPLAIN = "outrider.explain"
ACCEPTED = "outrider.suggestion.accepted"
REJECTED = "outrider.suggestion.rejected"


def setup(server: OutriderServer) -> None:
    @server.command(EXPLAIN)
    async def explain(ls: OutriderServer, *args: Any) -> dict[str, Any] | None:
        trace_id = str(args[0]) if args and args[0] else None
        return await asyncio.to_thread(ls.services.get(SUGGESTIONS).explain, trace_id)

    @server.command(ACCEPTED)
    def accepted(ls: OutriderServer, *args: Any) -> None:
        if args and args[0]:
            ls.services.get(SUGGESTIONS).record(str(args[0]), "accepted")

    @server.command(REJECTED)
    def rejected(ls: OutriderServer, *args: Any) -> None:
        if args and args[0]:
            ls.services.get(SUGGESTIONS).record(str(args[0]), "rejected")
