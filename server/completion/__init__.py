"""Inline completion: the domain logic behind ``textDocument/inlineCompletion``.

No protocol here (no pygls, no lsprotocol): the LSP features in ``server/lsp/features/`` decode a
request, call :class:`server.completion.engine.CompletionEngine`, and convert its result.

Modules, in the order a request meets them:

- ``coordinator``: per-document debounce and cancellation of stale work.
- ``typeahead``: answers from the last suggestion while the user types into it (no model call).
- ``shape``: single line or multi-line, decided from the syntax tree at the cursor.
- ``prompt``: fill-in-the-middle or chat request built from the packed context.
- ``cache``: suggestions keyed on the exact request that would be sent.
- ``stopping``: ends the stream as soon as the suggestion is complete.
- ``postprocess``: suffix dedupe, scope trimming, indentation, tree-sitter syntax check.
- ``engine``: ties them together and records the latency split.
"""
