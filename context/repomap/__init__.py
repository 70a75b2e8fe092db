"""The repo map: the workspace's most relevant definitions, ranked and rendered under a token budget.

Public surface: :class:`RepoMap` (:mod:`context.repomap.index`: index, incremental updates,
``render``) with :class:`IndexReport`, and :class:`MapRequest` (what one render is focused on).

Inside, by responsibility: ``indexing`` (building the index: phase 1 and phase 2); ``lexical``
(definition and reference names without a syntax tree) and ``lex_helper`` (lexing on the second
core); ``records`` (one indexed file) and ``tagcache`` (the
SQLite cache of tags and names); ``graph`` and ``weights`` (the reference graph between files) and
``pagerank`` (ranking over it); ``render`` (one render: personalization, ranking, budget),
``outline`` (the definitions as indented text), ``prefetch`` and ``parse_helper`` (the render's
parsing on the second core), ``workers`` (starting and stopping both helpers).

The names above are imported lazily: the helper processes import submodules of this package with
``python -I -S`` and must not pay for numpy and the index.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from context.repomap.index import RepoMap
    from context.repomap.records import IndexReport
    from context.repomap.render import MapRequest

__all__ = ["IndexReport", "MapRequest", "RepoMap"]

_WHERE = {"RepoMap": "index", "IndexReport": "records", "MapRequest": "render"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"context.repomap.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'context.repomap' has no attribute {name!r}")
