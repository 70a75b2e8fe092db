"""Shared objects the composition root provides to every feature, built lazily and never global.

- :mod:`~server.lsp.services.container`: :class:`ServiceKey` and :class:`Services` (``server.services``);
- :mod:`~server.lsp.services.tracing`: :data:`TRACER`, the session's trace store;
- :mod:`~server.lsp.services.caps`: :data:`CAPS`, the spend caps every model call goes through;
- :mod:`~server.lsp.services.provider`: :data:`PROVIDER`, the one model provider stack;
- :mod:`~server.lsp.services.repo_map`: :data:`REPO_MAP`, the one repo map of the primary root;
- :mod:`~server.lsp.services.completion`: :data:`ENGINE` and :func:`run_completion`, one completion
  engine for inline completion and the ``textDocument/completion`` fallback;
- :mod:`~server.lsp.services.suggestions`: :data:`SUGGESTIONS`, the last suggestion shown and the
  user's verdicts.
- :mod:`~server.lsp.services.next_edit`: :data:`NEXT_EDIT` (the next-edit engine) and its edit
  history, fed by ``textDocument/copilotInlineEdit``'s feature and read by inline completion.

Features import what they use from these modules; features never import each other.
"""
