"""What the model is told: the editor's documents, the workspace's safe files, the repo map, git.

Subsystems, each a package whose ``__init__`` names its public surface:

- :mod:`context.source`: documents and their syntax: positions (UTF-16 aware), languages and
  parsers, tree-sitter tags and scopes, the documents the editor has open.
- :mod:`context.safety`: what may be seen: ignore rules, secret files, inline-secret redaction, the
  workspace's file listing and safe reads.
- :mod:`context.repomap`: the ranked map of the repository's definitions (index, ranking, render,
  helper processes, tag cache).
- :mod:`context.packing`: one completion's context: what the cursor sees, the code windows, the
  packed prompt sections under a hard token budget.

Single-module subsystems: :mod:`context.tokens` (token counting that never undercounts),
:mod:`context.gitstate` (branch, dirty files, diff), :mod:`context.retrieval` (BM25 over the map's
index). Nothing here imports pygls, lsprotocol or the ``server``/``tools`` packages.
"""
