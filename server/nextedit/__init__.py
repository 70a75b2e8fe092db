"""Next-edit suggestions: the edit the user will make next, anywhere in the file, from their recent edits.

No protocol here (no pygls, no lsprotocol): ``server/lsp/features/next_edit.py`` decodes requests,
calls :class:`server.nextedit.engine.NextEditEngine` and converts its result; ``outrider next-edit``
calls the same engine.

Modules, in the order a prediction meets them:

- ``history``: per-document recent edits as small coalesced unified diffs (bounded, cleared on close);
  ``textspan`` finds what a change changed; ``diffs`` replays edits given as a unified diff.
- ``region``: the editable region around the cursor, chosen from the syntax tree.
- ``prompt``: the model request (a chat prompt for any provider, or the editable-region format of
  open next-edit models) and the parsing of its answer.
- ``edits``: the rewritten region diffed into minimal edits.
- ``validate``: drops predictions that change nothing, undo the last edit, break the syntax,
  leave the region or are too large.
- ``engine``: ties them together with debounce, cancellation, cache and tracing; ``typeahead``
  keeps the rest of a prediction when the user makes one of its edits by hand.
"""
