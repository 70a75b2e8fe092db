"""One completion's context under a hard token budget: the cursor's view, code windows, packing.

Public surface: :func:`pack_completion_context` (the one function behind the LSP path, ``outrider
complete`` and ``outrider context``) returning a :class:`PackedContext` of :class:`Section` s;
:func:`cursor_context` (scopes, imports and nearby definitions at a position) and
:func:`code_windows` (prefix and suffix cut to budgets, secrets redacted as whole regions).
"""

from context.packing.code_windows import code_windows
from context.packing.cursor import CursorContext, cursor_context
from context.packing.pack import PackedContext, Section, pack_completion_context

__all__ = ["CursorContext", "PackedContext", "Section", "code_windows", "cursor_context", "pack_completion_context"]
